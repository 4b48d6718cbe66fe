"""Bottlenecks: the spans that own the most critical-path time.

A span's critical-path time is the time it *itself* owns on the critical path
(the sum of its sections), so a parent is never credited with its children's
work.  ``share`` is that time divided by the **trace duration**, defined as in
:class:`~graphtrace.analysis.report.TraceReport`: the latest span end minus the
earliest span start, over all spans of the trace (every root included).  Each
root's path lies inside that window, so every share is in [0, 1]; with several
overlapping roots the shares may sum to more than 1.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.analysis.tree import build_tree
>>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
>>> tree = build_tree(Trace(trace_id="t", spans=[mk("a", None, 0, 100), mk("b", "a", 10, 70)]))
>>> [(b.span_id, b.critical_path_ns, b.share) for b in bottlenecks(tree, {"a": 40, "b": 60},
...                                                                 {"a": 40, "b": 60})]
[('b', 60, 0.6), ('a', 40, 0.4)]
"""

from __future__ import annotations

from graphtrace.analysis.report import Bottleneck, build
from graphtrace.analysis.tree import TraceTree


def trace_bounds(tree: TraceTree) -> tuple[int, int]:
    """``(earliest start, latest end)`` over every span; ``(0, 0)`` for an empty trace.

    >>> from graphtrace.model import Span, Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
    >>> trace_bounds(build_tree(Trace(trace_id="t", spans=[mk("a", None, 5, 9), mk("b", "a", 3, 12)])))
    (3, 12)
    """
    return tree.memo("trace_bounds", _bounds)


def _bounds(tree: TraceTree) -> tuple[int, int]:
    spans = tree.trace.spans
    if not spans:
        return 0, 0
    return min([s.start_ns for s in spans]), max([s.end_ns for s in spans])


def bottlenecks(
    tree: TraceTree, self_times: dict[str, int], cp_times: dict[str, int], limit: int = 5
) -> list[Bottleneck]:
    """The ``limit`` spans with the most critical-path time (descending; ties by span id).

    Spans owning no critical-path time are never listed, so fewer than
    ``limit`` may come back.  ``share = critical_path_ns / trace duration``
    (see the module docstring; 0.0 for a trace lasting 0 ns).
    """
    start, end = trace_bounds(tree)
    duration = end - start
    ranked = sorted((-ns, sid) for sid, ns in cp_times.items() if ns > 0)
    out: list[Bottleneck] = []
    for neg_ns, sid in ranked[: max(0, limit)]:
        ns = -neg_ns
        span = tree.spans[sid]
        out.append(build(Bottleneck, {
            "span_id": sid, "service": span.service, "name": span.name,
            "self_time_ns": self_times.get(sid, 0), "critical_path_ns": ns,
            "share": ns / duration if duration else 0.0,
        }))
    return out
