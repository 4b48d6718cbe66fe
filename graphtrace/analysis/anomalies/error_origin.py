"""``error_origin``: the deepest failing span none of whose children failed.

Every ERROR span without an ERROR child is an origin.  Its *propagation* is the unbroken
chain of ERROR ancestors directly above it (nearest first), stopping at the first
ancestor that did not fail: those spans failed because of it.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.analysis.tree import build_tree
>>> mk = lambda i, p, st: Span(trace_id="t", span_id=i, parent_span_id=p, service="svc", name=i,
...     start_ns=0, end_ns=9, status_code=st)
>>> tree = build_tree(Trace(trace_id="t", spans=[mk("a", None, "UNSET"), mk("b", "a", "ERROR"),
...     mk("c", "b", "ERROR"), mk("d", "c", "OK")]))
>>> [a] = detect(tree, {}, AnomalyOptions())
>>> a.span_ids, a.metrics["propagated_to"]
(['c', 'b'], ['b'])
"""

from __future__ import annotations

from graphtrace.analysis.anomalies.common import label
from graphtrace.analysis.anomalies.options import AnomalyOptions
from graphtrace.analysis.report import Anomaly, build
from graphtrace.analysis.tree import TraceTree
from graphtrace.model import Span, StatusCode

_ERROR = StatusCode.ERROR


def _exception(span: Span) -> dict[str, str]:
    """``exception.type`` / ``exception.message`` from the span's first ``exception`` event."""
    for event in span.events:
        if event.name == "exception":
            return {k.replace(".", "_"): str(event.attributes[k])
                    for k in ("exception.type", "exception.message") if k in event.attributes}
    return {}


def propagation(tree: TraceTree, span_id: str) -> list[str]:
    """The unbroken chain of failing ancestors above ``span_id``, nearest first."""
    chain = []
    parent = tree.parent(span_id)
    while parent is not None and tree.span(parent).is_error:
        chain.append(parent)
        parent = tree.parent(parent)
    return chain


def detect(tree: TraceTree, cp_times: dict[str, int], options: AnomalyOptions) -> list[Anomaly]:
    """One anomaly per error origin."""
    out = []
    spans, children = tree.spans, tree._children
    for sid in tree._preorder:
        span = spans[sid]
        if span.status_code is not _ERROR:
            continue
        if any(spans[c].status_code is _ERROR for c in children.get(sid, ())):
            continue
        out.append(_anomaly(tree, sid))
    return out


def _anomaly(tree: TraceTree, sid: str) -> Anomaly:
    span = tree.spans[sid]
    above = propagation(tree, sid)
    metrics = {"service": span.service, "name": span.name, "status_message": span.status_message,
               "depth": tree.depth(sid), "propagated_to": above, **_exception(span)}
    why = f" ({span.status_message})" if span.status_message else ""
    if above:
        names = ", ".join(label(tree.span(a)) for a in above)
        tail = f"the error propagated up to {len(above)} failing ancestor(s): {names}"
    else:
        tail = "no ancestor failed with it"
    message = f"{label(span)} failed first{why}; {tail}"
    return build(Anomaly, {"type": "error_origin", "span_ids": [sid, *above], "metrics": metrics,
                           "message": message})
