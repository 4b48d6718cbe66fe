"""``cold_connection`` on rows (the rule: :mod:`graphtrace.analysis.anomalies.cold_connection`).

Only the children of CLIENT rows (one numpy filter) have their names matched, each distinct
name once (``model.is_connection_setup`` is cached).

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.spantable import from_trace
>>> from graphtrace.analysis.table.tree import table_tree
>>> from graphtrace.analysis.anomalies.options import AnomalyOptions
>>> mk = lambda i, p, name, kind, s, e: Span(trace_id="t", span_id=i, parent_span_id=p,
...     service="fe", name=name, kind=kind, start_ns=s, end_ns=e)
>>> tree = table_tree(from_trace(Trace(trace_id="t", spans=[mk("c", None, "GET", "CLIENT", 0, 10_000_000),
...     mk("d", "c", "dns.lookup", "CLIENT", 0, 2_000_000), mk("k", "c", "TCP.connect", "INTERNAL", 1_000_000, 3_000_000)])))
>>> [(_, ids, a)] = detect(Rows(tree, np.zeros(3, dtype=np.int64), AnomalyOptions()))
>>> ids, a.metrics["setup_ns"]  # [0, 2 ms] and [1 ms, 3 ms] overlap: 3 ms of set-up
(['c', 'd', 'k'], 3000000)
"""

from __future__ import annotations

import numpy as np

from graphtrace.analysis.anomalies.common import ms, union_ns
from graphtrace.analysis.report import Anomaly, build
from graphtrace.analysis.table.anomalies.common import CLIENT, Found, Rows


def _steps(rows: Rows) -> dict[int, list[int]]:
    """Per CLIENT row, its set-up children in start order (rows without any are absent)."""
    tree = rows.tree
    kids = tree.kids
    under_client = kids[rows.table.kind[tree.parent[kids]] == CLIENT]
    steps: dict[int, list[int]] = {}
    parent, is_setup = rows.parent, rows.is_setup
    for c in under_client.tolist():
        if is_setup(c):
            steps.setdefault(parent[c], []).append(c)
    return steps


def detect(rows: Rows) -> list[Found]:
    """One anomaly per CLIENT row (not itself a set-up step) with set-up children."""
    out: list[Found] = []
    ids, names, start, end, cp = rows.ids, rows.names, rows.start, rows.end, rows.cp
    for p, steps in _steps(rows).items():
        if rows.is_setup(p):
            continue
        s0, e0 = start[p], end[p]
        clipped = [(max(start[c], s0), min(end[c], e0)) for c in steps]
        setup_ns = union_ns([(s, e) for s, e in clipped if e > s])
        step_names = [names[c] for c in steps]
        step_ids = [ids[c] for c in steps]
        metrics = {"setup_ns": setup_ns, "steps": step_names, "setup_span_ids": step_ids, "client_ns": e0 - s0,
                   "setup_critical_path_ns": sum(cp[c] for c in steps)}
        message = (f"{rows.label(p)} opened a new connection ({', '.join(step_names)}: {ms(setup_ns)} of set-up "
                   f"in a {ms(e0 - s0)} call); no pooled connection was reused")
        span_ids = [ids[p], *step_ids]
        out.append((s0, span_ids, build(Anomaly, {"type": "cold_connection", "span_ids": span_ids,
                                                  "metrics": metrics, "message": message})))
    return out
