"""``serial_calls``: sibling calls to different services made one after another.

Under each parent, the *calls* (:func:`~graphtrace.analysis.anomalies.common.is_call`:
CLIENT spans, or spans of another service than the parent) whose target service is known
(:func:`~graphtrace.analysis.anomalies.common.target_service`), excluding connection set-up
steps, are taken in start order and cut into *runs*: a call joins the current run when it
starts at or after the previous call's end AND its target is not already in the run;
otherwise it starts a new run.  Each run of at least ``min_serial_calls`` calls is reported.

Saving (what running the run's calls in parallel would take off the critical path):
let ``P`` be the run's calls with ``cp_times[id] > 0`` (on the critical path); then
``saving_ns = sum(duration of P) - max(duration of P)`` when ``len(P) >= 2``, else 0.
(In parallel the calls on the path would take as long as the longest of them instead of
their sum; calls off the path do not lengthen the trace.)

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.analysis.tree import build_tree
>>> mk = lambda i, p, svc, kind, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, service=svc,
...     name=i, kind=kind, start_ns=s, end_ns=e)
>>> tree = build_tree(Trace(trace_id="t", spans=[mk("p", None, "fe", "SERVER", 0, 10_000_000),
...     mk("a", "p", "cart", "SERVER", 0, 3_000_000), mk("b", "p", "ads", "SERVER", 3_000_000, 5_000_000)]))
>>> [a] = detect(tree, {"p": 5_000_000, "a": 3_000_000, "b": 2_000_000}, AnomalyOptions())
>>> a.span_ids, a.metrics["saving_ns"]  # 3 ms + 2 ms - max(3 ms, 2 ms)
(['a', 'b'], 2000000)
"""

from __future__ import annotations

from graphtrace.analysis.anomalies.common import calls_of, label, ms, target_service
from graphtrace.analysis.anomalies.options import AnomalyOptions
from graphtrace.analysis.report import Anomaly, build
from graphtrace.analysis.tree import TraceTree
from graphtrace.model import is_connection_setup


def serial_runs(tree: TraceTree, parent_id: str, options: AnomalyOptions) -> list[list[tuple[str, str]]]:
    """The parent's runs of serial calls, each a list of ``(span_id, target service)``."""
    calls = calls_of(tree).get(parent_id)
    if not calls or len(calls) < options.min_serial_calls:
        return []
    spans, pattern, least = tree.spans, options.connection_pattern, options.min_serial_calls
    runs: list[list[tuple[str, str]]] = []
    run: list[tuple[str, str]] = []
    in_run: set[str] = set()  # the run's targets
    run_end = 0
    for cid in calls:
        child = spans[cid]
        if is_connection_setup(child.name, pattern):
            continue
        target = target_service(tree, cid)
        if target is None:
            continue
        if run and child.start_ns >= run_end and target not in in_run:
            run.append((cid, target))
            in_run.add(target)
            run_end = child.end_ns
            continue
        if len(run) >= least:
            runs.append(run)
        run, in_run, run_end = [(cid, target)], {target}, child.end_ns
    if len(run) >= least:
        runs.append(run)
    return runs


def saving_ns(durations_on_path: list[int]) -> int:
    """``sum - max`` of the on-path durations; 0 with fewer than two.

    >>> saving_ns([3, 2, 5]), saving_ns([7]), saving_ns([])
    (5, 0, 0)
    """
    if len(durations_on_path) < 2:
        return 0
    return sum(durations_on_path) - max(durations_on_path)


def detect(tree: TraceTree, cp_times: dict[str, int], options: AnomalyOptions) -> list[Anomaly]:
    """One anomaly per serial run that saves at least ``min_serial_saving_ms``."""
    out = []
    for pid in calls_of(tree):
        for run in serial_runs(tree, pid, options):
            anomaly = _anomaly(tree, pid, run, cp_times, options.min_serial_saving_ns)
            if anomaly is not None:
                out.append(anomaly)
    return out


def _anomaly(tree: TraceTree, pid: str, run: list[tuple[str, str]], cp_times: dict[str, int],
             min_saving: int) -> Anomaly | None:
    spans = tree.spans
    ids = [cid for cid, _ in run]
    durations = [spans[cid].duration_ns for cid in ids]
    on_path = [cid for cid in ids if cp_times.get(cid, 0) > 0]
    saving = saving_ns([spans[cid].duration_ns for cid in on_path])
    if saving < min_saving:
        return None
    targets = [t for _, t in run]
    metrics = {"calls": len(ids), "targets": targets, "durations_ns": durations,
               "total_ns": sum(durations), "longest_ns": max(durations),
               "on_critical_path": on_path, "saving_ns": saving}
    tail = (f"running them in parallel would save {ms(saving)} on the critical path" if saving
            else "they are not on the critical path together, so running them in parallel "
                 "would not shorten the trace")
    message = (f"{label(spans[pid])} called {', '.join(targets)} one after another "
               f"({ms(sum(durations))} in sequence); {tail}")
    return build(Anomaly, {"type": "serial_calls", "span_ids": ids, "metrics": metrics, "message": message})
