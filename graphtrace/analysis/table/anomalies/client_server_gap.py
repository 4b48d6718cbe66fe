"""``client_server_gap`` on rows (the rule: :mod:`graphtrace.analysis.anomalies.client_server_gap`).

The calls of :func:`graphtrace.analysis.gaps.call_spans` whose timing split is known: a CLIENT
parent and a SERVER child, or a kind-less parent whose only child is kind-less and of another
service.  Kinds, sole children and the gap threshold are one numpy pass; the exact ratio test and
the anomaly are made only for the calls that pass it.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.spantable import from_trace
>>> from graphtrace.analysis.table.tree import table_tree
>>> from graphtrace.analysis.anomalies.options import AnomalyOptions
>>> c = Span(trace_id="t", span_id="c", service="frontend", kind="CLIENT", start_ns=0, end_ns=60_000_000)
>>> s = Span(trace_id="t", span_id="s", parent_span_id="c", service="cart", name="AddItem",
...          kind="SERVER", start_ns=50_000_000, end_ns=52_000_000)
>>> tree = table_tree(from_trace(Trace(trace_id="t", spans=[c, s])))
>>> [(_, _, a)] = detect(Rows(tree, np.zeros(2, dtype=np.int64), AnomalyOptions()))
>>> a.metrics["gap_ns"], a.metrics["ratio"]  # 60 ms - 2 ms; 60 / 2
(58000000, 30.0)
"""

from __future__ import annotations

import numpy as np

from graphtrace.analysis.anomalies.common import ms
from graphtrace.analysis.report import Anomaly, build
from graphtrace.analysis.table.anomalies.common import (
    CLIENT, INT64_MAX, INTERNAL, SERVER, UNSPECIFIED, Found, Rows)

_INFERRED = " (a call inferred from spans without client/server kinds)"


def _known_calls(rows: Rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(client rows, server rows, inferred) of every call whose gap is known and over ``min_gap_ns``."""
    tree, table = rows.tree, rows.table
    kids = tree.kids
    parents = tree.parent[kids]
    pk, ck = table.kind[parents], table.kind[kids]
    pair = (pk == CLIENT) & (ck == SERVER)
    kindless = ((pk == UNSPECIFIED) | (pk == INTERNAL)) & ((ck == UNSPECIFIED) | (ck == INTERNAL))
    sole = (tree.kid_ptr[parents + 1] - tree.kid_ptr[parents]) == 1
    inferred = kindless & sole & (table.service[parents] != table.service[kids])
    dur = rows.duration
    keep = (pair | inferred) & (dur[parents] - dur[kids] >= min(rows.options.min_gap_ns, INT64_MAX))
    return parents[keep], kids[keep], inferred[keep]


def detect(rows: Rows) -> list[Found]:
    """One anomaly per remote call over both thresholds."""
    out: list[Found] = []
    min_ratio = rows.options.min_ratio
    start, end, ids, names, service = rows.start, rows.end, rows.ids, rows.names, rows.service_name
    clients, servers, inferred = (a.tolist() for a in _known_calls(rows))
    for p, c, inf in zip(clients, servers, inferred):
        c_ns, s_ns = end[p] - start[p], end[c] - start[c]
        if s_ns > 0 and c_ns / s_ns < min_ratio:
            continue
        ratio = c_ns / s_ns if s_ns > 0 else None
        caller, callee, operation = service(p), service(c), names[c]
        gap, before, after = c_ns - s_ns, start[c] - start[p], end[p] - end[c]
        metrics = {"caller": caller, "callee": callee, "operation": operation, "client_ns": c_ns,
                   "server_ns": s_ns, "gap_ns": gap, "before_ns": before, "after_ns": after, "ratio": ratio,
                   "inferred": inf}
        ratio_text = "server took 0 ns" if ratio is None else f"{ratio:,.0f}x"
        message = (f"{caller} waited {ms(c_ns)} for {callee}'s {ms(s_ns)} {operation} ({ratio_text}); "
                   f"{ms(gap)} spent outside the server ({ms(before)} before it started, "
                   f"{ms(after)} after it ended){_INFERRED if inf else ''}")
        span_ids = [ids[p], ids[c]]
        out.append((start[p], span_ids, build(Anomaly, {"type": "client_server_gap", "span_ids": span_ids,
                                                        "metrics": metrics, "message": message})))
    return out

