"""The eight anomaly detectors on a :class:`~graphtrace.analysis.table.tree.TableTree`.

:func:`find_anomalies` returns exactly what the dict engine's
:func:`graphtrace.analysis.anomalies.find_anomalies` returns for the same trace (the same
``Anomaly`` models, metrics and messages, in the same order): the rules are that engine's, one
module per type here as there, on rows and numpy columns instead of ``Span`` objects.  Each
detector is a numpy pass over all rows, plus a loop over only the rows it reports or must walk;
Python objects are made only for the anomalies found.

>>> import numpy as np
>>> from graphtrace.model import Span, Trace
>>> from graphtrace.spantable import from_trace
>>> from graphtrace.analysis.table.tree import table_tree
>>> s = Span(trace_id="t", span_id="a", parent_span_id="gone", start_ns=0, end_ns=5)
>>> tree = table_tree(from_trace(Trace(trace_id="t", spans=[s])))
>>> [a.type for a in find_anomalies(tree, np.array([5], dtype=np.int64))]
['orphan_span']
"""

from __future__ import annotations

from operator import itemgetter

import numpy as np

from graphtrace.analysis.anomalies import TYPE_ORDER
from graphtrace.analysis.anomalies.options import AnomalyOptions
from graphtrace.analysis.report import Anomaly
from graphtrace.analysis.table.anomalies import (
    client_server_gap,
    clock_skew,
    cold_connection,
    error_origin,
    orphan_span,
    repeated_calls,
    retry,
    serial_calls,
)
from graphtrace.analysis.table.anomalies.common import Rows
from graphtrace.analysis.table.tree import TableTree
from graphtrace.gcpause import gc_paused

DETECTORS = tuple(sorted((
    ("client_server_gap", client_server_gap.detect),
    ("cold_connection", cold_connection.detect),
    ("serial_calls", serial_calls.detect),
    ("repeated_calls", repeated_calls.detect),
    ("error_origin", error_origin.detect),
    ("retry", retry.detect),
    ("clock_skew", clock_skew.detect),
    ("orphan_span", orphan_span.detect),
), key=lambda d: TYPE_ORDER[d[0]]))
_DEFAULTS = AnomalyOptions()
_ANOMALY = itemgetter(2)

__all__ = ["AnomalyOptions", "DETECTORS", "find_anomalies"]


def find_anomalies(tree: TableTree, cp_ns: np.ndarray, *, options: AnomalyOptions | None = None) -> list[Anomaly]:
    """Every anomaly of the tree, ordered by type (``TYPE_ORDER``), then by the start of the anomaly's
    first span, then by its span ids.  ``cp_ns`` is the critical-path ns by row (int64)."""
    rows = Rows(tree, cp_ns, options or _DEFAULTS)
    out: list[Anomaly] = []
    with gc_paused():  # many small dicts and lists, none garbage, no cycles (as analyze_trace's own pause)
        for _, detect in DETECTORS:
            found = detect(rows)
            # (start, span ids) never ties within one type (no two anomalies of a type share their span
            # ids), so the anomalies themselves are never compared; detectors emit in nearly this order
            found.sort()
            out.extend(map(_ANOMALY, found))
    return out
