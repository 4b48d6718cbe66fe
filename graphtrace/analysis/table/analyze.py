"""Analyse one trace with the columnar engine: :func:`analyze_table`, the twin of ``analyze_trace``.

Tree (:mod:`.tree`), self time, critical path, bottlenecks, anomalies (the numpy kernels of this
package), then :func:`~graphtrace.analysis.table.report.table_report`: the same report as
:func:`graphtrace.analysis.analyze.analyze_trace` (``model_dump`` equal, byte for byte as JSON),
with the span rows kept as columns.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.spantable import from_trace
>>> mk = lambda i, p, s, e: Span(trace_id="ab", span_id=i, parent_span_id=p, service="shop",
...                              name=i, start_ns=s, end_ns=e)
>>> r = analyze_table(from_trace(Trace(trace_id="ab", spans=[mk("a", None, 0, 100), mk("b", "a", 10, 70)])))
>>> r.duration_ns, [(s["span_id"], s["depth"], s["self_time_ns"], s["critical_path_ns"])
...                 for s in r.model_dump()["spans"]]
(100, [('a', 0, 40, 40), ('b', 1, 60, 60)])
>>> [(s["span_id"], s["start_ns"], s["end_ns"]) for s in r.model_dump()["critical_path"]]
[('a', 0, 10), ('b', 10, 70), ('a', 70, 100)]
"""

from __future__ import annotations

from graphtrace.analysis.table.anomalies import find_anomalies
from graphtrace.analysis.table.bottlenecks import bottlenecks
from graphtrace.analysis.table.critical_path import path_and_times
from graphtrace.analysis.table.report import TableReport, table_report
from graphtrace.analysis.table.self_time import self_times
from graphtrace.analysis.table.tree import table_tree
from graphtrace.gcpause import gc_paused
from graphtrace.spantable import SpanTable


def analyze_table(table: SpanTable) -> TableReport:
    """The :class:`TableReport` of ``table`` (see the module docstring).

    Raises :class:`~graphtrace.errors.InputError` as ``analyze_trace`` does (a repeated span id, a
    parent cycle).  Runs with CPython's cyclic GC paused, as ``analyze_trace`` does (nothing it
    allocates is cyclic garbage).
    """
    with gc_paused():
        tree = table_tree(table)
        self_ns = self_times(tree)
        sections, cp_ns = path_and_times(tree)
        return table_report(tree, self_ns, cp_ns, sections, bottlenecks(tree, self_ns, cp_ns),
                            find_anomalies(tree, cp_ns))
