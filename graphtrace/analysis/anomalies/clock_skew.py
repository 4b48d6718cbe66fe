"""``clock_skew``: a child outside its parent's interval, on another host or service.

A child is *remote* when its service differs from its parent's, or both have a host
(``Span.host``) and the hosts differ.  A remote child that starts before its parent
(``starts_before_ns > 0``) or ends after it (``ends_after_ns > 0``) by at least
``min_skew_ns`` is reported.  Ending after the parent is not counted for asynchronous
children (FOLLOWS_FROM references, CONSUMER under PRODUCER), which may outlive it; local
children (same service and host) outliving their parent are async work, not skew, and
are not reported.

``correction_ns`` is what Jaeger's clock-skew adjuster would add to the child (and its
same-host subtree): if the child lasted no longer than the parent, the shift that centres
it inside the parent, ``parent.start + (parent.duration - child.duration) // 2 - child.start``;
otherwise the shift that makes it start with the parent (0 if it did not start before).
Computed on the raw times of this one edge, reported, never applied.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.analysis.tree import build_tree
>>> c = Span(trace_id="t", span_id="c", service="fe", name="GET", kind="CLIENT", start_ns=1_000_000,
...          end_ns=3_000_000)
>>> s = Span(trace_id="t", span_id="s", parent_span_id="c", service="cart", name="Get", kind="SERVER",
...          start_ns=400_000, end_ns=1_400_000)
>>> [a] = detect(build_tree(Trace(trace_id="t", spans=[c, s])), {}, AnomalyOptions())
>>> a.metrics["starts_before_ns"], a.metrics["ends_after_ns"], a.metrics["correction_ns"]
(600000, 0, 1100000)
"""

from __future__ import annotations

from graphtrace.analysis.anomalies.common import label, ms
from graphtrace.analysis.anomalies.options import AnomalyOptions
from graphtrace.analysis.report import Anomaly, build
from graphtrace.analysis.tree import TraceTree
from graphtrace.model import RefType, Span, SpanKind


def is_remote(parent: Span, child: Span) -> bool:
    """Another service, or both hosts known and different."""
    if parent.service != child.service:
        return True
    return parent.host is not None and child.host is not None and parent.host != child.host


def jaeger_correction(parent: Span, child: Span) -> int:
    """The shift (ns) Jaeger's adjuster would add to ``child`` relative to ``parent``.

    >>> p = Span(trace_id="t", span_id="p", start_ns=100, end_ns=200)
    >>> jaeger_correction(p, p.model_copy(update={"span_id": "c", "start_ns": 90, "end_ns": 150}))
    30
    >>> jaeger_correction(p, p.model_copy(update={"span_id": "c", "start_ns": 90, "end_ns": 300}))
    10
    """
    if child.duration_ns > parent.duration_ns:
        return max(0, parent.start_ns - child.start_ns)
    if child.start_ns >= parent.start_ns and child.end_ns <= parent.end_ns:
        return 0
    latency = (parent.duration_ns - child.duration_ns) // 2
    return parent.start_ns + latency - child.start_ns


def _is_async(parent: Span, child: Span) -> bool:
    return child.ref_type == RefType.FOLLOWS_FROM or (
        parent.kind == SpanKind.PRODUCER and child.kind == SpanKind.CONSUMER)


def _message(parent: Span, child: Span, before: int, after: int, correction: int) -> str:
    where = " and ".join(part for part in (
        f"starts {ms(before)} before" if before else "", f"ends {ms(after)} after" if after else "") if part)
    hosts = f" (host {child.host} vs {parent.host})" if child.host and parent.host else ""
    return (f"{label(child)} {where} its parent {label(parent)}{hosts}: likely clock skew between hosts; "
            f"Jaeger's adjuster would shift it by {ms(correction)} (not applied)")


def detect(tree: TraceTree, cp_times: dict[str, int], options: AnomalyOptions) -> list[Anomaly]:
    """One anomaly per remote child sticking out of its parent."""
    out = []
    spans, least = tree.spans, options.min_skew_ns
    for pid, kids in tree._parents:
        parent = spans[pid]
        p_start, p_end = parent.start_ns, parent.end_ns
        for cid in kids:
            child = spans[cid]
            # the cheap interval test first: most children sit inside their parent
            if p_start - child.start_ns < least and child.end_ns - p_end < least:
                continue
            if not is_remote(parent, child):
                continue
            before = max(0, p_start - child.start_ns)
            after = 0 if _is_async(parent, child) else max(0, child.end_ns - p_end)
            before = before if before >= least else 0
            after = after if after >= least else 0
            if before or after:
                out.append(_anomaly(parent, child, before, after))
    return out


def _anomaly(parent: Span, child: Span, before: int, after: int) -> Anomaly:
    correction = jaeger_correction(parent, child)
    metrics = {"starts_before_ns": before, "ends_after_ns": after, "correction_ns": correction,
               "parent_span_id": parent.span_id, "parent_host": parent.host, "child_host": child.host}
    return build(Anomaly, {"type": "clock_skew", "span_ids": [child.span_id, parent.span_id], "metrics": metrics,
                           "message": _message(parent, child, before, after, correction)})
