"""The columnar kernels (self time, critical path, bottlenecks) give the dict engine's answers.

Agreement with the dict engine (``graphtrace.analysis.self_time`` / ``critical_path`` /
``bottlenecks``) is an independent check: the dict engine is itself checked against networkx
(tests/analysis/test_fast_paths.py) and against hand derivations and Jaeger UI's own cases
(tests/analysis/test_self_time.py, test_critical_path.py).  The edge cases at the end (a 10,000-deep
chain, a 10,000-wide fan-out) are derived by hand in their comments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphtrace.analysis import self_time as dict_self
from graphtrace.analysis.table import self_time as table_self
from graphtrace.analysis.table.tree import TableTree, table_tree
from graphtrace.analysis.tree import build_tree
from graphtrace.errors import GraphtraceError
from graphtrace.model import Span, SpanKind, Trace
from graphtrace.readers import read_traces
from graphtrace.spantable import from_trace
from tests.analysis.strategies import traces

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROOT = Path(__file__).resolve().parents[3]
FILES = sorted(ROOT.joinpath("examples").glob("otel-demo-*.json")) + \
    sorted(ROOT.joinpath("tests", "fixtures", "readers").iterdir())


def _real_traces() -> list[Trace]:
    """Every trace of the bundled examples and of the reader fixtures that read without an error."""
    out = []
    for path in FILES:
        try:
            out.extend(read_traces([path]))
        except GraphtraceError:
            continue  # fixtures of bad input: nothing to analyse
    return out


REAL = _real_traces()


def _pair(trace: Trace):
    return build_tree(trace), table_tree(from_trace(trace))


def _by_id(tree: TableTree, values: np.ndarray) -> dict[str, int]:
    return dict(zip(tree.table.span_id, values.tolist()))


def check_self_times(trace: Trace) -> None:
    ref, tab = _pair(trace)
    got = table_self.self_times(tab)
    assert got.dtype == np.int64
    assert _by_id(tab, got) == dict_self.self_times(ref)


@SETTINGS
@given(traces())
def test_self_times_equal_the_dict_engines(trace: Trace) -> None:
    check_self_times(trace)


@SETTINGS
@given(traces(max_spans=30, max_time=12))
def test_self_times_equal_the_dict_engines_on_wider_traces(trace: Trace) -> None:
    check_self_times(trace)


def test_self_times_equal_the_dict_engines_on_real_traces() -> None:
    assert len(REAL) >= 3  # the examples and several fixtures
    for trace in REAL:
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
    got = _by_id(table_tree(from_trace(Trace(trace_id="t", spans=spans))),
                 table_self.self_times(table_tree(from_trace(Trace(trace_id="t", spans=spans)))))
    assert got == {
        "p": 20,                   # 2^62 - (2^62 - 20)
        "a": big - 10,             # (2^62 - 20) - (2^61 - 10): b clipped to [0, 2^61 - 10]
        "b": big,
        "q": 2 * big - 35,
        "c": 20, "d": 30,
    }


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


def test_self_times_on_a_10000_deep_chain() -> None:
    # every span but the last keeps 1 ns at each end: 2 ns; the last (k = n - 1) covers [n-1, n+1]: 2 ns
    tab = table_tree(from_trace(_chain(10_000)))
    assert table_self.self_times(tab).tolist() == [2] * 10_000


def test_self_times_on_a_10000_wide_fanout() -> None:
    # root 10n = 100,000 ns minus n children of 5 ns = 50,000; each child keeps its 5 ns
    tab = table_tree(from_trace(_fanout(10_000)))
    got = table_self.self_times(tab)
    assert got[0] == 50_000 and got[1:].tolist() == [5] * 10_000
