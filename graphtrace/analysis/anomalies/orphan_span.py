"""``orphan_span``: a root whose parent is not in the trace (``tree.orphans``).

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.analysis.tree import build_tree
>>> s = Span(trace_id="t", span_id="a", parent_span_id="gone", service="cart", name="HGET",
...          start_ns=0, end_ns=5)
>>> [a] = detect(build_tree(Trace(trace_id="t", spans=[s])), {}, AnomalyOptions())
>>> a.message
"cart's HGET names parent gone, which is not in the trace (0 spans below it)"
"""

from __future__ import annotations

from graphtrace.analysis.anomalies.common import label
from graphtrace.analysis.anomalies.options import AnomalyOptions
from graphtrace.analysis.report import Anomaly, build
from graphtrace.analysis.tree import TraceTree


def descendants(tree: TraceTree, span_id: str) -> int:
    """How many spans lie below ``span_id`` (``networkx.descendants`` of the tree, counted on its
    children lists).

    >>> from graphtrace.model import Span, Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> mk = lambda i, p: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=0, end_ns=1)
    >>> descendants(build_tree(Trace(trace_id="t", spans=[mk("a", "x"), mk("b", "a"), mk("c", "b")])), "a")
    2
    """
    children, count, stack = tree._children, 0, [span_id]
    while stack:
        kids = children.get(stack.pop())
        if kids:
            count += len(kids)
            stack.extend(kids)
    return count


def detect(tree: TraceTree, cp_times: dict[str, int], options: AnomalyOptions) -> list[Anomaly]:
    """One anomaly per orphan root."""
    out = []
    for sid in tree.orphans:
        span = tree.span(sid)
        below = descendants(tree, sid)
        metrics = {"missing_parent_span_id": span.parent_span_id, "descendants": below,
                   "duration_ns": span.duration_ns}
        message = (f"{label(span)} names parent {span.parent_span_id}, which is not in the trace "
                   f"({below} span{'' if below == 1 else 's'} below it)")
        out.append(build(Anomaly, {"type": "orphan_span", "span_ids": [sid], "metrics": metrics,
                                   "message": message}))
    return out
