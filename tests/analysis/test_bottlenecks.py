"""Bottlenecks: spans ranked by critical-path time, share of the trace duration (hand-derived)."""

from __future__ import annotations

from graphtrace.analysis.bottlenecks import bottlenecks, trace_bounds
from graphtrace.analysis.critical_path import critical_path, critical_path_times
from graphtrace.analysis.self_time import self_times
from graphtrace.analysis.tree import build_tree
from graphtrace.model import Span, Trace


def mk(sid: str, parent: str | None, start: int, end: int, **kw) -> Span:
    return Span(trace_id="b077", span_id=sid, parent_span_id=parent, start_ns=start, end_ns=end,
                service=f"svc-{sid}", name=f"op-{sid}", **kw)


def tree_of(*spans: Span):
    return build_tree(Trace(trace_id="b077", spans=list(spans)))


def test_ranking_ties_by_id_and_zero_time_excluded() -> None:
    # Trace [0,100].  cp: b 60, c 60 (tie -> id order b, c), a 40, d 0 (never listed).
    tree = tree_of(mk("a", None, 0, 100), mk("b", "a", 0, 60), mk("c", "a", 0, 60), mk("d", "a", 0, 10))
    cp = {"a": 40, "b": 60, "c": 60, "d": 0}
    st = {"a": 1, "b": 2, "c": 3, "d": 4}
    got = [(b.span_id, b.service, b.name, b.self_time_ns, b.critical_path_ns, b.share)
           for b in bottlenecks(tree, st, cp)]
    assert got == [("b", "svc-b", "op-b", 2, 60, 0.6), ("c", "svc-c", "op-c", 3, 60, 0.6),
                   ("a", "svc-a", "op-a", 1, 40, 0.4)]
    assert [b.span_id for b in bottlenecks(tree, st, cp, limit=2)] == ["b", "c"]
    assert bottlenecks(tree, st, cp, limit=0) == []


def test_share_is_of_the_whole_trace_window_across_roots() -> None:
    # Roots A [0,10] (child B [2,5]) and orphan O [5,20] (child P [6,8]): window [0,20] = 20 ns.
    # cp (see test_critical_path): O 13, A 7, B 3, P 2 -> shares 0.65, 0.35, 0.15, 0.1.
    # Self: O = 15 - 2 = 13, A = 10 - 3 = 7, B 3, P 2.
    tree = tree_of(mk("A", None, 0, 10), mk("B", "A", 2, 5), mk("O", "gone", 5, 20), mk("P", "O", 6, 8))
    assert trace_bounds(tree) == (0, 20)
    cp = critical_path_times(critical_path(tree))
    got = [(b.span_id, b.self_time_ns, b.critical_path_ns, b.share)
           for b in bottlenecks(tree, self_times(tree), cp)]
    assert got == [("O", 13, 13, 0.65), ("A", 7, 7, 0.35), ("B", 3, 3, 0.15), ("P", 2, 2, 0.1)]


def test_zero_length_trace_has_no_bottlenecks() -> None:
    # A single 0 ns span owns no critical-path time (zero-length sections are skipped).
    tree = tree_of(mk("z", None, 5, 5))
    assert trace_bounds(tree) == (5, 5)
    assert bottlenecks(tree, self_times(tree), critical_path_times(critical_path(tree))) == []
