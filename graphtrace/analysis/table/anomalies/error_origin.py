"""``error_origin`` on rows (the rule: :mod:`graphtrace.analysis.anomalies.error_origin`).

The origins (ERROR rows without an ERROR child) are one numpy pass; each origin's chain of
failing ancestors is walked on the parent list, as the dict engine walks it.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.spantable import from_trace
>>> from graphtrace.analysis.table.tree import table_tree
>>> from graphtrace.analysis.anomalies.options import AnomalyOptions
>>> mk = lambda i, p, st: Span(trace_id="t", span_id=i, parent_span_id=p, service="svc", name=i,
...     start_ns=0, end_ns=9, status_code=st)
>>> tree = table_tree(from_trace(Trace(trace_id="t", spans=[mk("a", None, "UNSET"), mk("b", "a", "ERROR"),
...     mk("c", "b", "ERROR"), mk("d", "c", "OK")])))
>>> [(_, ids, a)] = detect(Rows(tree, np.zeros(4, dtype=np.int64), AnomalyOptions()))
>>> ids, a.metrics["propagated_to"], a.metrics["depth"]  # c failed first, b above it failed too
(['c', 'b'], ['b'], 2)
"""

from __future__ import annotations

import numpy as np

from graphtrace.analysis.report import Anomaly, build
from graphtrace.analysis.table.anomalies.common import Found, Rows
from graphtrace.model import Event


def exception_of(events: list[Event]) -> dict[str, str]:
    """``exception_type`` / ``exception_message`` from the first ``exception`` event (as the dict engine's
    ``error_origin._exception``).

    >>> exception_of([Event(name="log", time_ns=0), Event(name="exception", time_ns=1,
    ...                                                   attributes={"exception.type": "KeyError"})])
    {'exception_type': 'KeyError'}
    """
    for event in events:
        if event.name == "exception":
            return {k.replace(".", "_"): str(event.attributes[k])
                    for k in ("exception.type", "exception.message") if k in event.attributes}
    return {}


def origins(rows: Rows) -> np.ndarray:
    """ERROR rows none of whose children failed, in row order."""
    failed = rows.is_error
    parent = rows.tree.parent
    has_failed_child = np.zeros(len(failed), dtype=bool)
    failing = np.flatnonzero(failed)
    above = parent[failing]
    has_failed_child[above[above >= 0]] = True
    return failing[~has_failed_child[failing]]


def detect(rows: Rows) -> list[Found]:
    """One anomaly per error origin."""
    out: list[Found] = []
    found = origins(rows)
    if not len(found):
        return out
    ids, start, parent, depth = rows.ids, rows.start, rows.parent, rows.tree.depth
    failed = rows.is_error.tolist()
    table = rows.table
    events = table.error_events
    for r in found.tolist():
        chain = []
        p = parent[r]
        while p >= 0 and failed[p]:
            chain.append(p)
            p = parent[p]
        above = [ids[a] for a in chain]
        why = table.status_message[r]
        metrics = {"service": rows.service_name(r), "name": rows.names[r], "status_message": why,
                   "depth": int(depth[r]), "propagated_to": above, **exception_of(events.get(r, ()))}
        if chain:
            names = ", ".join(rows.label(a) for a in chain)
            tail = f"the error propagated up to {len(chain)} failing ancestor(s): {names}"
        else:
            tail = "no ancestor failed with it"
        message = f"{rows.label(r)} failed first{f' ({why})' if why else ''}; {tail}"
        span_ids = [ids[r], *above]
        out.append((start[r], span_ids, build(Anomaly, {"type": "error_origin", "span_ids": span_ids,
                                                        "metrics": metrics, "message": message})))
    return out
