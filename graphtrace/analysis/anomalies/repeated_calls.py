"""``repeated_calls`` (N+1): at least ``min_repeated_calls`` sibling calls with one key.

Under each parent, the calls (CLIENT spans, or spans of another service than the parent)
are grouped by ``(span.service, model.operation_key(span))`` -- the span name plus its
normalised statement or route, ids and literals replaced by ``?``.  A group with at least
N members (default 5) is reported.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.analysis.tree import build_tree
>>> kids = [Span(trace_id="t", span_id=f"c{i}", parent_span_id="p", service="cart", name="HGET",
...              kind="CLIENT", start_ns=i * 10, end_ns=i * 10 + 5,
...              attributes={"db.statement": f"HGET cart:{i}"}) for i in range(5)]
>>> p = Span(trace_id="t", span_id="p", service="cart", name="GetCart", kind="SERVER", start_ns=0, end_ns=60)
>>> [a] = detect(build_tree(Trace(trace_id="t", spans=[p, *kids])), {}, AnomalyOptions())
>>> a.metrics["calls"], a.metrics["operation"]
(5, 'HGET | HGET cart:?')
"""

from __future__ import annotations

from graphtrace.analysis.anomalies.common import call_groups_of, calls_of, label, ms
from graphtrace.analysis.anomalies.options import AnomalyOptions
from graphtrace.analysis.report import Anomaly, build
from graphtrace.analysis.tree import TraceTree


def call_groups(tree: TraceTree, parent_id: str) -> dict[tuple[str, str], list[str]]:
    """The parent's calls grouped by ``(service, operation_key)``, each group in start order."""
    return {key: list(ids) for key, ids in call_groups_of(tree, parent_id).items()}


def detect(tree: TraceTree, cp_times: dict[str, int], options: AnomalyOptions) -> list[Anomaly]:
    """One anomaly per group of at least ``min_repeated_calls`` calls."""
    out = []
    spans, n = tree.spans, options.min_repeated_calls
    for pid, calls in calls_of(tree).items():
        if len(calls) < n:  # no group of this parent can reach n
            continue
        for (service, operation), ids in call_groups_of(tree, pid).items():
            if len(ids) < n:
                continue
            total = sum(spans[c].duration_ns for c in ids)
            on_path = sum(cp_times.get(c, 0) for c in ids)
            metrics = {"calls": len(ids), "service": service, "operation": operation,
                       "total_ns": total, "critical_path_ns": on_path}
            message = (f"{label(spans[pid])} made {len(ids)} {service} calls to {operation} "
                       f"({ms(total)} in total, {ms(on_path)} on the critical path); "
                       "an N+1 pattern, a candidate for one batched call")
            out.append(build(Anomaly, {"type": "repeated_calls", "span_ids": list(ids), "metrics": metrics,
                                       "message": message}))
    return out
