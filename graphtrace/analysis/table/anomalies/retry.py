"""``retry`` on rows (the rule: :mod:`graphtrace.analysis.anomalies.retry`).

Only parents with two calls or more, one of them failed (numpy counts over the calls CSR),
have their calls grouped and cut into chains.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.spantable import from_trace
>>> from graphtrace.analysis.table.tree import table_tree
>>> from graphtrace.analysis.anomalies.options import AnomalyOptions
>>> mk = lambda i, s, e, st: Span(trace_id="t", span_id=i, parent_span_id="p", service="fe",
...     name="GET /x", kind="CLIENT", start_ns=s, end_ns=e, status_code=st)
>>> p = Span(trace_id="t", span_id="p", service="fe", name="job", start_ns=0, end_ns=100)
>>> tree = table_tree(from_trace(Trace(trace_id="t", spans=[p, mk("a", 0, 10, "ERROR"), mk("b", 20, 25, "OK")])))
>>> [(_, ids, a)] = detect(Rows(tree, np.zeros(3, dtype=np.int64), AnomalyOptions()))
>>> ids, a.metrics["wasted_ns"], a.metrics["waits_ns"]  # a failed for 10 ns; b began 20 - 10 ns after
(['a', 'b'], 10, [10])
"""

from __future__ import annotations

import numpy as np

from graphtrace.analysis.anomalies.common import ms
from graphtrace.analysis.report import Anomaly, build
from graphtrace.analysis.table.anomalies.common import Found, Rows


def retry_chains(failed: list[bool]) -> list[tuple[int, int]]:
    """Cut one group's attempts (their failed flags, in start order) into retry chains, as
    ``(first, last)`` positions (:func:`graphtrace.analysis.anomalies.retry.retry_chains`).

    >>> retry_chains([True, True, False, True])
    [(0, 2)]
    """
    chains, i, n = [], 0, len(failed)
    while i < n:
        if not failed[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and failed[j]:
            j += 1
        if j > i:
            chains.append((i, j))
        i = j + 1
    return chains


def _anomaly(rows: Rows, parent: int, code: int, operation: str, chain: list[int], is_error: list[bool]) -> Found:
    start, end, ids = rows.start, rows.end, rows.ids
    failed = [c for c in chain if is_error[c]]
    wasted = sum(end[c] - start[c] for c in failed)
    waits = [start[b] - end[a] for a, b in zip(chain, chain[1:])]
    succeeded = not is_error[chain[-1]]
    metrics = {"attempts": len(chain), "failed_attempts": len(failed), "succeeded": succeeded,
               "service": rows.services[code], "operation": operation, "wasted_ns": wasted, "waits_ns": waits,
               "total_ns": end[chain[-1]] - start[chain[0]]}
    outcome = "the last attempt succeeded" if succeeded else "every attempt failed"
    message = (f"{rows.label(parent)} retried {operation}: {len(chain)} attempts, {len(failed)} failed "
               f"({ms(wasted)} lost in failed attempts); {outcome}")
    span_ids = [ids[c] for c in chain]
    return (start[chain[0]], span_ids,
            build(Anomaly, {"type": "retry", "span_ids": span_ids, "metrics": metrics, "message": message}))


def detect(rows: Rows) -> list[Found]:
    """One anomaly per retry chain."""
    out: list[Found] = []
    calls = rows.call_rows()
    failing = calls[rows.is_error[calls]]
    failed_calls = np.bincount(rows.tree.parent[failing], minlength=rows.table.n)
    parents = np.flatnonzero((rows.call_counts() >= 2) & (failed_calls > 0))
    if not len(parents):
        return out
    is_error = rows.is_error.tolist()
    for p in parents.tolist():
        for (code, operation), group in rows.groups(p).items():
            if len(group) < 2:
                continue
            for i, j in retry_chains([is_error[c] for c in group]):
                out.append(_anomaly(rows, p, code, operation, group[i:j + 1], is_error))
    return out
