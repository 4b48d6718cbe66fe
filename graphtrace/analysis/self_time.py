"""Self time (Jaeger's definition): a span's duration minus the union of its
children's intervals, each clipped to the span; never below 0.

Self time uses the *raw* spans (no critical-path sanitising): a child that
outlives its parent is clipped to the parent, a child entirely outside it
covers nothing, and overlapping children are counted once.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.analysis.tree import build_tree
>>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
>>> # a [0,36] with children b [3,20] and c [15,34]: union [3,34] = 31, self = 36 - 31 = 5
>>> self_times(build_tree(Trace(trace_id="t", spans=[mk("a", None, 0, 36), mk("b", "a", 3, 20),
...                                                    mk("c", "a", 15, 34)])))
{'a': 5, 'b': 17, 'c': 19}
"""

from __future__ import annotations

from collections.abc import Iterable

from graphtrace.analysis.tree import TraceTree
from graphtrace.model import Span


def covered_ns(start: int, end: int, intervals: Iterable[tuple[int, int]]) -> int:
    """Length of the union of ``intervals`` clipped to ``[start, end]``.

    ``intervals`` must be sorted by their start (clipping keeps that order).

    >>> covered_ns(0, 100, [(10, 60), (30, 80), (90, 130)])   # [10,80] + [90,100]
    80
    >>> covered_ns(10, 20, [(0, 5), (25, 30)])                 # both outside
    0
    """
    total = 0
    run_start = run_end = start
    for c_start, c_end in intervals:
        if c_start < start:
            c_start = start
        if c_end > end:
            c_end = end
        if c_end <= c_start:
            continue
        if c_start > run_end:
            total += run_end - run_start
            run_start, run_end = c_start, c_end
        elif c_end > run_end:
            run_end = c_end
    return total + run_end - run_start


def self_time(span: Span, children: Iterable[Span]) -> int:
    """Self time of ``span`` given its child spans (any order).

    >>> mk = lambda i, s, e: Span(trace_id="t", span_id=i, start_ns=s, end_ns=e)
    >>> # parent [0,100]; children [10,60], [30,80] overlap: union 70, self 30
    >>> self_time(mk("p", 0, 100), [mk("b", 30, 80), mk("a", 10, 60)])
    30
    >>> # a child covering the parent on both sides leaves 0, never negative
    >>> self_time(mk("p", 10, 50), [mk("a", 0, 100)])
    0
    """
    intervals = sorted((c.start_ns, c.end_ns) for c in children)
    return max(0, span.duration_ns - covered_ns(span.start_ns, span.end_ns, intervals))


def self_times(tree: TraceTree) -> dict[str, int]:
    """Self time of every span of ``tree``, keyed by span id (see the module docstring)."""
    spans = tree.spans
    out = {sid: span.end_ns - span.start_ns for sid, span in spans.items()}
    for sid, kids in tree._parents:
        span = spans[sid]
        start, end = span.start_ns, span.end_ns
        if len(kids) == 1:  # the common case: one child, clipped
            child = spans[kids[0]]
            c_start = child.start_ns if child.start_ns > start else start
            c_end = child.end_ns if child.end_ns < end else end
            covered = c_end - c_start if c_end > c_start else 0
        else:
            # the children lists are ordered by raw start, which clipping preserves
            covered = covered_ns(start, end, [(c.start_ns, c.end_ns) for c in map(spans.__getitem__, kids)])
        out[sid] = end - start - covered if covered < end - start else 0
    return out
