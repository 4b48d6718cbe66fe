"""Anomalies of one trace: one module per type, run together by :func:`find_anomalies`.

Types, in report order: ``client_server_gap``, ``cold_connection``, ``serial_calls``,
``repeated_calls``, ``error_origin``, ``retry``, ``clock_skew``, ``orphan_span`` (rules in
each module's docstring; thresholds in :class:`AnomalyOptions`).  Each anomaly is a
``report.Anomaly`` with measured numbers in ``metrics`` (ns ints, ratios) and a one-line
``message`` (ms with 2 decimals).

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.analysis.tree import build_tree
>>> s = Span(trace_id="t", span_id="a", parent_span_id="gone", start_ns=0, end_ns=5)
>>> [a.type for a in find_anomalies(build_tree(Trace(trace_id="t", spans=[s])), {"a": 5})]
['orphan_span']
"""

from __future__ import annotations

from graphtrace.analysis.anomalies import (
    client_server_gap,
    clock_skew,
    cold_connection,
    error_origin,
    orphan_span,
    repeated_calls,
    retry,
    serial_calls,
)
from graphtrace.analysis.anomalies.options import AnomalyOptions
from graphtrace.analysis.report import Anomaly
from graphtrace.analysis.tree import TraceTree

DETECTORS = (
    ("client_server_gap", client_server_gap.detect),
    ("cold_connection", cold_connection.detect),
    ("serial_calls", serial_calls.detect),
    ("repeated_calls", repeated_calls.detect),
    ("error_origin", error_origin.detect),
    ("retry", retry.detect),
    ("clock_skew", clock_skew.detect),
    ("orphan_span", orphan_span.detect),
)
TYPE_ORDER = {name: i for i, (name, _) in enumerate(DETECTORS)}
_DEFAULTS = AnomalyOptions()

__all__ = ["AnomalyOptions", "DETECTORS", "TYPE_ORDER", "find_anomalies"]


def find_anomalies(
    tree: TraceTree, cp_times: dict[str, int], *, options: AnomalyOptions | None = None
) -> list[Anomaly]:
    """Every anomaly of the tree, ordered by type (the order above), then by the start of the
    anomaly's first span, then by its span ids.  ``cp_times`` maps span id -> critical-path ns."""
    options = options or _DEFAULTS
    found: list[Anomaly] = []
    for _, detect in DETECTORS:
        found.extend(detect(tree, cp_times, options))

    def key(a: Anomaly) -> tuple:
        first = tree.spans.get(a.span_ids[0]) if a.span_ids else None
        return (TYPE_ORDER[a.type], first.start_ns if first else 0, a.span_ids)

    return sorted(found, key=key)
