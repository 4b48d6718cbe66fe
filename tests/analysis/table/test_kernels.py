"""The columnar kernels (self time, critical path, bottlenecks) give the dict engine's answers.

Agreement with the dict engine (``graphtrace.analysis.self_time`` / ``critical_path`` /
``bottlenecks``) is an independent check: the dict engine is itself checked against networkx
(tests/analysis/test_fast_paths.py) and against hand derivations and Jaeger UI's own cases
(tests/analysis/test_self_time.py, test_critical_path.py).  The edge cases at the end (a 10,000-deep
chain, a 10,000-wide fan-out) are derived by hand in their comments.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphtrace.analysis import bottlenecks as dict_bn
from graphtrace.analysis import critical_path as dict_cp
from graphtrace.analysis import self_time as dict_self
from graphtrace.analysis.table import bottlenecks as table_bn
from graphtrace.analysis.table import critical_path as table_cp
from graphtrace.analysis.table import self_time as table_self
from graphtrace.analysis.table.tree import TableTree, table_tree
from graphtrace.analysis.tree import build_tree
from graphtrace.errors import GraphtraceError
from graphtrace.model import Span, SpanKind, Trace
from graphtrace.readers import read_traces
from graphtrace.spantable import from_trace
from tests.analysis.strategies import traces

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROOT = Path(__file__).resolve().parents[3]
FILES = sorted(ROOT.joinpath("examples").glob("otel-demo-*.json")) + \
    sorted(ROOT.joinpath("tests", "fixtures", "readers").iterdir())


@cache
def real_traces() -> list[Trace]:
    """Every trace of the bundled examples and of the reader fixtures that read without an error."""
    out = []
    for path in FILES:
        try:
            out.extend(read_traces([path]))
        except GraphtraceError:
            continue  # fixtures of bad input: nothing to analyse
    return out



def _pair(trace: Trace):
    return build_tree(trace), table_tree(from_trace(trace))


def _by_id(tree: TableTree, values: np.ndarray) -> dict[str, int]:
    return dict(zip(tree.table.span_id, values.tolist()))


def _mk(sid: str, parent: str | None, start: int, end: int, kind: SpanKind = SpanKind.INTERNAL) -> Span:
    return Span(trace_id="t", span_id=sid, parent_span_id=parent, start_ns=start, end_ns=end, kind=kind,
                service="svc", name=f"op-{sid}")


def _chain(n: int) -> Trace:
    # span k covers [k, 2n - k]: duration 2n - 2k, its child covers 2n - 2k - 2 of it
    return Trace(trace_id="t", spans=[_mk(f"c{k:05d}", f"c{k - 1:05d}" if k else None, k, 2 * n - k)
                                      for k in range(n)])


def _fanout(n: int) -> Trace:
    # root [0, 10n]; child i (1..n) covers [10i - 10, 10i - 5] (5 ns each, 5 ns gaps, none overlap)
    return Trace(trace_id="t", spans=[_mk("root", None, 0, 10 * n)] +
                 [_mk(f"k{i:05d}", "root", 10 * i - 10, 10 * i - 5) for i in range(1, n + 1)])


def check_self_times(trace: Trace) -> None:
    ref, tab = _pair(trace)
    got = table_self.self_times(tab)
    assert got.dtype == np.int64
    assert _by_id(tab, got) == dict_self.self_times(ref)


def test_self_times_equal_the_dict_engines_on_real_traces() -> None:
    assert len(real_traces()) >= 20  # the examples and the fixtures' traces
    for trace in real_traces():
        check_self_times(trace)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 30), st.integers(0, 30)), max_size=40))
def test_the_doubling_scan_equals_a_running_max_per_segment(rows) -> None:
    # the fallback for times near +-2^62 against a plain Python running max
    rows.sort(key=lambda r: r[0])
    seg = np.array([r[0] for r in rows], dtype=np.int64)
    values = np.array([min(r[1], r[2]) for r in rows], dtype=np.int64)
    expected, last, best = [], None, 0
    for s, v in zip(seg.tolist(), values.tolist()):
        best = v if s != last else max(best, v)
        last = s
        expected.append(best)
    assert table_self._segment_cummax(values, seg, len(rows)).tolist() == expected


def test_self_times_with_times_near_the_table_limit_use_the_fallback() -> None:
    # durations near 2^62 make the offsets overflow: the doubling scan must give the same answer.
    # p [-2^61, 2^61] (duration 2^62); a [-2^61 + 10, 2^61 - 10] under it; b [0, 2^61] under a
    # and q [-2^61, 2^61] another root with c [5, 25], d [10, 40]: union [5, 40] = 35
    big = 2 ** 61
    spans = [_mk("p", None, -big, big), _mk("a", "p", -big + 10, big - 10), _mk("b", "a", 0, big),
             _mk("q", None, -big, big), _mk("c", "q", 5, 25), _mk("d", "q", 10, 40)]
    tab = table_tree(from_trace(Trace(trace_id="t", spans=spans)))
    with patch.object(table_self, "_segment_cummax", wraps=table_self._segment_cummax) as fallback:
        got = _by_id(tab, table_self.self_times(tab))
    assert fallback.call_count == 1
    assert got == {
        "p": 20,                   # 2^62 - (2^62 - 20)
        "a": big - 10,             # (2^62 - 20) - (2^61 - 10): b clipped to [0, 2^61 - 10]
        "b": big,
        "q": 2 * big - 35,
        "c": 20, "d": 30,
    }


def test_self_times_on_a_10000_deep_chain() -> None:
    # every span but the last keeps 1 ns at each end: 2 ns; the last (k = n - 1) covers [n-1, n+1]: 2 ns
    tab = table_tree(from_trace(_chain(10_000)))
    assert table_self.self_times(tab).tolist() == [2] * 10_000


def test_self_times_on_a_10000_wide_fanout() -> None:
    # root 10n = 100,000 ns minus n children of 5 ns = 50,000; each child keeps its 5 ns
    tab = table_tree(from_trace(_fanout(10_000)))
    got = table_self.self_times(tab)
    assert got[0] == 50_000 and got[1:].tolist() == [5] * 10_000


def check_critical_path(trace: Trace) -> None:
    ref, tab = _pair(trace)
    ref_sections, ref_times = dict_cp.path_and_times(ref)
    (rows, starts, ends), cp = table_cp.path_and_times(tab)
    assert all(a.dtype == np.int64 for a in (rows, starts, ends, cp))
    ids = tab.table.span_id
    assert [(ids[r], s, e) for r, s, e in zip(rows.tolist(), starts.tolist(), ends.tolist())] == \
        [(s.span_id, s.start_ns, s.end_ns) for s in ref_sections]
    # the dict engine lists only the spans with sections (all > 0 ns); every other row is 0
    assert _by_id(tab, cp) == {sid: ref_times.get(sid, 0) for sid in ids}


def test_critical_path_equals_the_dict_engines_on_real_traces() -> None:
    for trace in real_traces():
        check_critical_path(trace)


def test_critical_path_on_a_10000_deep_chain() -> None:
    # span k < n-1 covers [k, 2n-k] and its child [k+1, 2n-k-1]: it owns [k, k+1] and [2n-k-1, 2n-k] (2 ns);
    # the last span [n-1, n+1] is a leaf of the walk: 2 ns.  2n - 1 sections, by start.
    n = 10_000
    tab = table_tree(from_trace(_chain(n)))
    (rows, starts, ends), cp = table_cp.path_and_times(tab)
    assert cp.tolist() == [2] * n
    expected = [(k, k, k + 1) for k in range(n - 1)] + [(n - 1, n - 1, n + 1)] + \
        [(k, 2 * n - k - 1, 2 * n - k) for k in range(n - 2, -1, -1)]
    assert list(zip(rows.tolist(), starts.tolist(), ends.tolist())) == expected


def test_critical_path_on_a_10000_wide_fanout() -> None:
    # root [0, 10n]; child i [10i-10, 10i-5] ends before child i+1 starts, so the walk takes every child:
    # each owns its 5 ns, the root the 5 ns gap after each child: 5n = 50,000 ns.  2n sections, by start.
    n = 10_000
    tab = table_tree(from_trace(_fanout(n)))
    (rows, starts, ends), cp = table_cp.path_and_times(tab)
    assert cp[0] == 5 * n and cp[1:].tolist() == [5] * n
    expected = [x for i in range(1, n + 1) for x in ((i, 10 * i - 10, 10 * i - 5), (0, 10 * i - 5, 10 * i))]
    assert list(zip(rows.tolist(), starts.tolist(), ends.tolist())) == expected


def test_sections_of_overlapping_roots_tie_by_span_id() -> None:
    # roots a [0,10] with z [5,10] and b [0,10] with y [5,10]: a owns [0,5], z [5,10]; b [0,5], y [5,10].
    # By (start, end, span id): a, b (both [0,5]), then y, z (both [5,10]): y < z although a's root is first.
    trace = Trace(trace_id="t", spans=[_mk("a", None, 0, 10), _mk("z", "a", 5, 10),
                                       _mk("b", None, 0, 10), _mk("y", "b", 5, 10)])
    tab = table_tree(from_trace(trace))
    (rows, starts, ends), cp = table_cp.path_and_times(tab)
    ids = tab.table.span_id
    assert [(ids[r], s, e) for r, s, e in zip(rows.tolist(), starts.tolist(), ends.tolist())] == \
        [("a", 0, 5), ("b", 0, 5), ("y", 5, 10), ("z", 5, 10)]
    assert _by_id(tab, cp) == {"a": 5, "z": 5, "b": 5, "y": 5}


def test_a_consumer_under_a_producer_is_not_on_the_path() -> None:
    # p PRODUCER [0,10]; c CONSUMER [2,9] under it is pruned, i CLIENT [3,4] is not:
    # p owns [0,3] + [4,10] = 9, i owns 1, c nothing
    trace = Trace(trace_id="t", spans=[_mk("p", None, 0, 10, SpanKind.PRODUCER),
                                       _mk("c", "p", 2, 9, SpanKind.CONSUMER), _mk("i", "p", 3, 4, SpanKind.CLIENT)])
    tab = table_tree(from_trace(trace))
    assert _by_id(tab, table_cp.path_and_times(tab)[1]) == {"p": 9, "c": 0, "i": 1}


def _dump(items) -> list[tuple[dict, list[type]]]:
    """Each model's fields and their Python types (an int64 where an int belongs would show)."""
    return [(b.model_dump(), [type(v) for v in b.__dict__.values()]) for b in items]


def check_bottlenecks(trace: Trace, limit: int = 5) -> None:
    ref, tab = _pair(trace)
    ref_cp = dict_cp.path_and_times(ref)[1]
    expected = dict_bn.bottlenecks(ref, dict_self.self_times(ref), ref_cp, limit)
    got = table_bn.bottlenecks(tab, table_self.self_times(tab), table_cp.path_and_times(tab)[1], limit)
    assert _dump(got) == _dump(expected)
    assert table_bn.trace_bounds(tab) == dict_bn.trace_bounds(ref)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traces(max_spans=20), st.data())
def test_bottlenecks_rank_any_times_with_the_dict_engines_ties(trace: Trace, data) -> None:
    # critical-path times drawn from a few values (many ties, zeros) so the cut-off is often tied
    ref, tab = _pair(trace)
    cp = np.array(data.draw(st.lists(st.sampled_from([0, 0, 3, 7, 7, 2 ** 40]), min_size=tab.table.n,
                                     max_size=tab.table.n)), dtype=np.int64)
    limit = data.draw(st.integers(0, 6))
    self_ns = table_self.self_times(tab)
    expected = dict_bn.bottlenecks(ref, _by_id(tab, self_ns), _by_id(tab, cp), limit)
    assert _dump(table_bn.bottlenecks(tab, self_ns, cp, limit)) == _dump(expected)


def test_bottlenecks_equal_the_dict_engines_on_real_traces() -> None:
    for trace in real_traces():
        check_bottlenecks(trace)


def test_bottlenecks_of_a_wide_fanout() -> None:
    # the fan-out above: root owns 50,000 of the 100,000 ns (share 0.5); every child 5 ns (share 5e-05),
    # so the next four are the four smallest span ids k00001..k00004
    tab = table_tree(from_trace(_fanout(10_000)))
    got = table_bn.bottlenecks(tab, table_self.self_times(tab), table_cp.path_and_times(tab)[1])
    assert [(b.span_id, b.self_time_ns, b.critical_path_ns, b.share) for b in got] == \
        [("root", 50_000, 50_000, 0.5)] + [(f"k{i:05d}", 5, 5, 5 / 100_000) for i in range(1, 5)]
    assert table_bn.trace_bounds(tab) == (0, 100_000)


def test_an_empty_trace_has_no_bounds_and_no_bottlenecks() -> None:
    tab = table_tree(from_trace(Trace(trace_id="t", spans=[])))
    assert table_bn.trace_bounds(tab) == (0, 0)
    assert table_bn.bottlenecks(tab, table_self.self_times(tab), table_cp.path_and_times(tab)[1]) == []


@SETTINGS
@given(traces(), st.integers(-1, 7))
def test_the_kernels_equal_the_dict_engines(trace: Trace, limit: int) -> None:
    check_self_times(trace)
    check_critical_path(trace)
    check_bottlenecks(trace, limit)


@SETTINGS
@given(traces(max_spans=30, max_time=12, root_chance=0.2))
def test_the_kernels_equal_the_dict_engines_on_wider_traces(trace: Trace) -> None:
    # more spans on a smaller time grid: wide fan-outs, many ties, several overlapping roots
    check_self_times(trace)
    check_critical_path(trace)
    with patch.object(table_cp, "WIDE", 2):  # from 2 children on, the numpy sort (ties by span id)
        check_critical_path(trace)
    check_bottlenecks(trace)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traces(), st.sampled_from([-(2 ** 62) + 200, -(2 ** 61), 2 ** 61, 2 ** 62 - 200]))
def test_the_kernels_equal_the_dict_engines_far_from_zero(trace: Trace, shift: int) -> None:
    # the same shapes moved next to the table's time limits (+-2^62): no int64 overflow anywhere
    moved = Trace(trace_id=trace.trace_id, spans=[
        s.model_copy(update={"start_ns": s.start_ns + shift, "end_ns": s.end_ns + shift}) for s in trace.spans])
    check_self_times(moved)
    check_critical_path(moved)
    check_bottlenecks(moved)
