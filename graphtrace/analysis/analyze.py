"""Analyse whole traces: tree, self time, critical path, bottlenecks, anomalies, narrative.

:func:`analyze_trace` fills every field of :class:`~graphtrace.analysis.report.TraceReport`:

* ``start_ns``/``end_ns``/``duration_ns``: earliest span start, latest span end (all roots);
* ``services``: the distinct services, sorted;
* ``spans``: every span in tree pre-order (roots, then children, in start order) with its
  depth, self time, critical-path time, kind name and status (``OK``/``ERROR``/``UNSET``);
* ``critical_path``: the sections of every root, ordered by start;
* ``bottlenecks``: the top 5 by critical-path time (share of the trace duration);
* ``anomalies``: :func:`~graphtrace.analysis.anomalies.find_anomalies`;
* ``narrative``: :func:`~graphtrace.analysis.narrative.narrate` of the finished report.

>>> from graphtrace.model import Span, Trace
>>> mk = lambda i, p, s, e: Span(trace_id="ab", span_id=i, parent_span_id=p, service="shop",
...                              name=i, start_ns=s, end_ns=e)
>>> r = analyze_trace(Trace(trace_id="ab", spans=[mk("a", None, 0, 100), mk("b", "a", 10, 70)]))
>>> r.duration_ns, [(s.span_id, s.depth, s.self_time_ns, s.critical_path_ns) for s in r.spans]
(100, [('a', 0, 40, 40), ('b', 1, 60, 60)])
>>> [(s.span_id, s.start_ns, s.end_ns) for s in r.critical_path]
[('a', 0, 10), ('b', 10, 70), ('a', 70, 100)]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from graphtrace.analysis.anomalies import find_anomalies
from graphtrace.analysis.bottlenecks import bottlenecks, trace_bounds
from graphtrace.analysis.critical_path import path_and_times
from graphtrace.analysis.narrative import narrate
from graphtrace.analysis.report import SpanReport, TraceReport, build, build_all
from graphtrace.analysis.self_time import self_times
from graphtrace.analysis.tree import TraceTree, build_tree
from graphtrace.gcpause import gc_paused
from graphtrace.model import SpanKind, StatusCode, Trace

# enum -> its text; a dict lookup is cheaper than Enum.value (a Python-level property)
_KIND = {k: k.value for k in SpanKind}
_STATUS = {c: c.value for c in StatusCode}


def span_reports(tree: TraceTree, self_ns: dict[str, int], cp_ns: dict[str, int]) -> list[SpanReport]:
    """One :class:`SpanReport` per span, in tree pre-order.

    >>> from graphtrace.model import Span, Trace
    >>> s = Span(trace_id="t", span_id="a", kind=3, status_code=2, start_ns=1, end_ns=4)
    >>> [(r.kind, r.status, r.depth) for r in span_reports(build_tree(Trace(trace_id="t", spans=[s])),
    ...                                                     {"a": 3}, {"a": 3})]
    [('CLIENT', 'ERROR', 0)]
    """
    spans, depth, kinds, statuses = tree.spans, tree._depth, _KIND, _STATUS
    self_get, cp_get = self_ns.get, cp_ns.get
    rows = []
    for sid in tree._preorder:
        s = spans[sid]
        start, end = s.start_ns, s.end_ns
        rows.append({
            "span_id": sid, "parent_span_id": s.parent_span_id, "service": s.service, "name": s.name,
            "kind": kinds[s.kind], "start_ns": start, "end_ns": end, "duration_ns": end - start,
            "self_time_ns": self_get(sid, 0), "critical_path_ns": cp_get(sid, 0), "depth": depth[sid],
            "status": statuses[s.status_code],
        })
    return build_all(SpanReport, rows)


def analyze_tree(tree: TraceTree) -> TraceReport:
    """The :class:`TraceReport` of an already built tree (see :func:`analyze_trace`).

    >>> from graphtrace.model import Span, Trace
    >>> t = Trace(trace_id="t", spans=[Span(trace_id="t", span_id="a", start_ns=5, end_ns=5)])
    >>> r = analyze_tree(build_tree(t))
    >>> r.duration_ns, r.critical_path, r.bottlenecks
    (0, [], [])
    """
    st = self_times(tree)
    sections, cp = path_and_times(tree)
    start, end = trace_bounds(tree)
    report = build(TraceReport, {
        "trace_id": tree.trace.trace_id,
        "root_span_ids": list(tree.roots),
        "start_ns": start, "end_ns": end, "duration_ns": end - start,
        "span_count": len(tree.spans),
        "services": sorted({s.service for s in tree.spans.values()}),
        "spans": span_reports(tree, st, cp),
        "critical_path": sections,
        "bottlenecks": bottlenecks(tree, st, cp),
        "anomalies": find_anomalies(tree, cp),
        "narrative": "",
    })
    report.narrative = narrate(report)
    return report


def analyze_trace(trace: Trace) -> TraceReport:
    """Build the tree of ``trace`` and analyse it (see the module docstring).

    Raises :class:`~graphtrace.errors.InputError` when the trace's parent links
    form a cycle or repeat a span id (``build_tree``).

    Runs with CPython's cyclic garbage collector paused (and restored as it was): the
    analysis allocates thousands of short-lived containers per trace but creates no
    reference cycles (refcounting frees all of it; tests check it), so the collector
    has nothing to find -- yet, when a caller keeps its reports (``analyze --format
    json`` keeps them all), each collection would rescan every report kept so far,
    which doubled the cost per span at 10^4 traces.
    """
    with gc_paused():
        return analyze_tree(build_tree(trace))


def analyze_traces(traces: Iterable[Trace]) -> Iterator[TraceReport]:
    """Lazily analyse each trace of ``traces`` (e.g. a reader's ``TraceStream``), in order.

    >>> from graphtrace.model import Span, Trace
    >>> ts = [Trace(trace_id=t, spans=[Span(trace_id=t, span_id="a", start_ns=0, end_ns=2)]) for t in "xy"]
    >>> [r.trace_id for r in analyze_traces(ts)]
    ['x', 'y']
    """
    for trace in traces:
        yield analyze_trace(trace)
