"""``serial_calls`` on rows (the rule: :mod:`graphtrace.analysis.anomalies.serial_calls`).

A call without a known target never joins a run (nor ends one), so the calls that cannot have one
(CLIENT rows with no SERVER/CONSUMER child and no analysis attributes) are dropped first, in numpy;
only parents left with at least ``min_serial_calls`` calls are walked, one loop over their calls.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.spantable import from_trace
>>> from graphtrace.analysis.table.tree import table_tree
>>> from graphtrace.analysis.anomalies.options import AnomalyOptions
>>> mk = lambda i, p, svc, kind, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, service=svc,
...     name=i, kind=kind, start_ns=s, end_ns=e)
>>> tree = table_tree(from_trace(Trace(trace_id="t", spans=[mk("p", None, "fe", "SERVER", 0, 10_000_000),
...     mk("a", "p", "cart", "SERVER", 0, 3_000_000), mk("b", "p", "ads", "SERVER", 3_000_000, 5_000_000)])))
>>> cp = np.array([5_000_000, 3_000_000, 2_000_000], dtype=np.int64)
>>> [(_, ids, a)] = detect(Rows(tree, cp, AnomalyOptions()))
>>> ids, a.metrics["saving_ns"]  # 3 ms + 2 ms - max(3 ms, 2 ms)
(['a', 'b'], 2000000)
"""

from __future__ import annotations

import numpy as np

from graphtrace.analysis.anomalies.common import ms
from graphtrace.analysis.anomalies.serial_calls import saving_ns
from graphtrace.analysis.report import Anomaly, build
from graphtrace.analysis.table.anomalies.common import CLIENT, Found, Rows


def serial_runs(rows: Rows, calls: list[int]) -> list[list[tuple[int, str]]]:
    """The runs of serial calls among one parent's ``calls`` (in start order), each a list of
    ``(row, target service)``."""
    least = rows.options.min_serial_calls
    start, end, is_setup, target = rows.start, rows.end, rows.is_setup, rows.target
    runs: list[list[tuple[int, str]]] = []
    run: list[tuple[int, str]] = []
    in_run: set[str] = set()  # the run's targets
    run_end = 0
    for c in calls:
        if is_setup(c):
            continue
        to = target(c)
        if to is None:
            continue
        if run and start[c] >= run_end and to not in in_run:
            run.append((c, to))
            in_run.add(to)
            run_end = end[c]
            continue
        if len(run) >= least:
            runs.append(run)
        run, in_run, run_end = [(c, to)], {to}, end[c]
    if len(run) >= least:
        runs.append(run)
    return runs


def _anomaly(rows: Rows, parent: int, run: list[tuple[int, str]]) -> Found | None:
    start, end, cp, ids = rows.start, rows.end, rows.cp, rows.ids
    calls = [c for c, _ in run]
    durations = [end[c] - start[c] for c in calls]
    on_path = [c for c in calls if cp[c] > 0]
    saving = saving_ns([end[c] - start[c] for c in on_path])
    if saving < rows.options.min_serial_saving_ns:
        return None
    targets = [t for _, t in run]
    span_ids = [ids[c] for c in calls]
    metrics = {"calls": len(calls), "targets": targets, "durations_ns": durations, "total_ns": sum(durations),
               "longest_ns": max(durations), "on_critical_path": [ids[c] for c in on_path], "saving_ns": saving}
    tail = (f"running them in parallel would save {ms(saving)} on the critical path" if saving
            else "they are not on the critical path together, so running them in parallel "
                 "would not shorten the trace")
    message = (f"{rows.label(parent)} called {', '.join(targets)} one after another "
               f"({ms(sum(durations))} in sequence); {tail}")
    return (start[calls[0]], span_ids,
            build(Anomaly, {"type": "serial_calls", "span_ids": span_ids, "metrics": metrics, "message": message}))


def _may_have_target(rows: Rows, calls: np.ndarray) -> np.ndarray:
    """Whether each call may have a target: not a CLIENT (then it is of another service than its
    parent), or a SERVER/CONSUMER child, or analysis attributes (maybe a peer key)."""
    maybe = (rows.table.kind[calls] != CLIENT) | (rows.first_server_child[calls] >= 0)
    unsure = np.flatnonzero(~maybe)
    if len(unsure):
        attrs = rows.table.attrs
        has_attrs = np.fromiter((attrs[r] is not None for r in calls[unsure].tolist()), dtype=bool, count=len(unsure))
        maybe[unsure[has_attrs]] = True
    return maybe


def detect(rows: Rows) -> list[Found]:
    """One anomaly per serial run that saves at least ``min_serial_saving_ms``."""
    out: list[Found] = []
    calls = rows.call_rows()  # grouped by parent, each group in start order
    calls = calls[_may_have_target(rows, calls)]
    parents = rows.tree.parent[calls]
    ptr = np.zeros(rows.table.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(parents, minlength=rows.table.n), out=ptr[1:])
    for p in np.flatnonzero(ptr[1:] - ptr[:-1] >= rows.options.min_serial_calls).tolist():
        for run in serial_runs(rows, calls[ptr[p]:ptr[p + 1]].tolist()):
            found = _anomaly(rows, p, run)
            if found is not None:
                out.append(found)
    return out
