"""``repeated_calls`` (N+1) on rows (the rule: :mod:`graphtrace.analysis.anomalies.repeated_calls`).

Only parents with at least ``min_repeated_calls`` calls (counts from the calls CSR) have their
calls grouped.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.spantable import from_trace
>>> from graphtrace.analysis.table.tree import table_tree
>>> from graphtrace.analysis.anomalies.options import AnomalyOptions
>>> kids = [Span(trace_id="t", span_id=f"c{i}", parent_span_id="p", service="cart", name="HGET",
...              kind="CLIENT", start_ns=i * 10, end_ns=i * 10 + 5,
...              attributes={"db.statement": f"HGET cart:{i}"}) for i in range(5)]
>>> p = Span(trace_id="t", span_id="p", service="cart", name="GetCart", kind="SERVER", start_ns=0, end_ns=60)
>>> tree = table_tree(from_trace(Trace(trace_id="t", spans=[p, *kids])))
>>> [(_, _, a)] = detect(Rows(tree, np.zeros(6, dtype=np.int64), AnomalyOptions()))
>>> a.metrics["calls"], a.metrics["operation"], a.metrics["total_ns"]  # 5 calls of 5 ns
(5, 'HGET | HGET cart:?', 25)
"""

from __future__ import annotations

import numpy as np

from graphtrace.analysis.anomalies.common import ms
from graphtrace.analysis.report import Anomaly, build
from graphtrace.analysis.table.anomalies.common import Found, Rows


def detect(rows: Rows) -> list[Found]:
    """One anomaly per group of at least ``min_repeated_calls`` calls."""
    out: list[Found] = []
    n = rows.options.min_repeated_calls
    ids, start, end, cp = rows.ids, rows.start, rows.end, rows.cp
    for p in np.flatnonzero(rows.call_counts() >= n).tolist():
        for (code, operation), calls in rows.groups(p).items():
            if len(calls) < n:
                continue
            service = rows.services[code]
            total = sum(end[c] - start[c] for c in calls)
            on_path = sum(map(cp.__getitem__, calls))
            metrics = {"calls": len(calls), "service": service, "operation": operation, "total_ns": total,
                       "critical_path_ns": on_path}
            message = (f"{rows.label(p)} made {len(calls)} {service} calls to {operation} "
                       f"({ms(total)} in total, {ms(on_path)} on the critical path); "
                       "an N+1 pattern, a candidate for one batched call")
            span_ids = list(map(ids.__getitem__, calls))
            out.append((start[calls[0]], span_ids, build(Anomaly, {
                "type": "repeated_calls", "span_ids": span_ids, "metrics": metrics, "message": message})))
    return out
