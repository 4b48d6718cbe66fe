"""``retry``: a failed call repeated by a later sibling call.

Under each parent, calls are grouped by ``(service, operation_key)`` as for
``repeated_calls``; within a group, in start order, a *retry chain* starts at a failed
(ERROR) attempt and takes each following attempt as long as the one before it failed.
A chain of at least two attempts is reported; it ends with a success or with the last
attempt of the group.  ``wasted_ns`` is the failed attempts' total duration and
``waits_ns`` the pauses between one attempt's end and the next one's start.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.analysis.tree import build_tree
>>> mk = lambda i, s, e, st: Span(trace_id="t", span_id=i, parent_span_id="p", service="fe",
...     name="GET /x", kind="CLIENT", start_ns=s, end_ns=e, status_code=st)
>>> p = Span(trace_id="t", span_id="p", service="fe", name="job", start_ns=0, end_ns=100)
>>> tree = build_tree(Trace(trace_id="t", spans=[p, mk("a", 0, 10, "ERROR"), mk("b", 20, 25, "OK")]))
>>> [a] = detect(tree, {}, AnomalyOptions())
>>> a.span_ids, a.metrics["wasted_ns"], a.metrics["waits_ns"], a.metrics["succeeded"]
(['a', 'b'], 10, [10], True)
"""

from __future__ import annotations

from graphtrace.analysis.anomalies.common import call_groups_of, calls_of, label, ms
from graphtrace.analysis.anomalies.options import AnomalyOptions
from graphtrace.analysis.report import Anomaly, build
from graphtrace.analysis.tree import TraceTree
from graphtrace.model import Span, StatusCode

_ERROR = StatusCode.ERROR


def retry_chains(attempts: list[Span]) -> list[list[Span]]:
    """Cut one group's attempts (in start order) into retry chains.

    >>> mk = lambda i, st: Span(trace_id="t", span_id=i, start_ns=0, end_ns=1, status_code=st)
    >>> [[s.span_id for s in c] for c in retry_chains([mk("a", 2), mk("b", 2), mk("c", 0), mk("d", 2)])]
    [['a', 'b', 'c']]
    """
    chains, i = [], 0
    while i < len(attempts):
        if not attempts[i].is_error:
            i += 1
            continue
        j = i
        while j + 1 < len(attempts) and attempts[j].is_error:
            j += 1
        if j > i:
            chains.append(attempts[i:j + 1])
        i = j + 1
    return chains


def _anomaly(parent: Span, service: str, operation: str, chain: list[Span]) -> Anomaly:
    failed = [s for s in chain if s.is_error]
    wasted = sum(s.duration_ns for s in failed)
    waits = [b.start_ns - a.end_ns for a, b in zip(chain, chain[1:])]
    succeeded = not chain[-1].is_error
    metrics = {"attempts": len(chain), "failed_attempts": len(failed), "succeeded": succeeded,
               "service": service, "operation": operation, "wasted_ns": wasted, "waits_ns": waits,
               "total_ns": chain[-1].end_ns - chain[0].start_ns}
    outcome = "the last attempt succeeded" if succeeded else "every attempt failed"
    message = (f"{label(parent)} retried {operation}: {len(chain)} attempts, {len(failed)} failed "
               f"({ms(wasted)} lost in failed attempts); {outcome}")
    return build(Anomaly, {"type": "retry", "span_ids": [s.span_id for s in chain], "metrics": metrics,
                           "message": message})


def detect(tree: TraceTree, cp_times: dict[str, int], options: AnomalyOptions) -> list[Anomaly]:
    """One anomaly per retry chain."""
    out = []
    spans = tree.spans
    for pid, calls in calls_of(tree).items():
        # a chain needs two attempts, the first of them failed
        if len(calls) < 2 or all(spans[c].status_code is not _ERROR for c in calls):
            continue
        for (service, operation), ids in call_groups_of(tree, pid).items():
            if len(ids) < 2:
                continue
            attempts = [spans[c] for c in ids]
            for chain in retry_chains(attempts):
                out.append(_anomaly(spans[pid], service, operation, chain))
    return out
