"""Bottlenecks on a :class:`~graphtrace.analysis.table.tree.TableTree`: the rows owning the most critical-path time.

Exactly :mod:`graphtrace.analysis.bottlenecks`: the ``limit`` rows with the most critical-path time
(descending, ties by span id, rows owning none never listed), ``share`` = that time divided by the
trace duration (latest end minus earliest start over every span; 0.0 for a trace lasting 0 ns).
Only the candidates that can make the top ``limit`` are compared as Python values (``np.partition``
finds the cut-off time; of the rows tied at it, ``heapq.nsmallest`` keeps the smallest span ids).

>>> from graphtrace.spantable import from_trace
>>> from graphtrace.analysis.table.tree import table_tree
>>> from graphtrace.model import Span, Trace
>>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
>>> tree = table_tree(from_trace(Trace(trace_id="t", spans=[mk("a", None, 0, 100), mk("b", "a", 10, 70)])))
>>> [(b.span_id, b.critical_path_ns, b.share) for b in bottlenecks(tree, np.array([40, 60]), np.array([40, 60]))]
[('b', 60, 0.6), ('a', 40, 0.4)]
"""

from __future__ import annotations

import heapq

import numpy as np

from graphtrace.analysis.report import Bottleneck, build
from graphtrace.analysis.table.tree import TableTree


def trace_bounds(tree: TableTree) -> tuple[int, int]:
    """``(earliest start, latest end)`` over every row, as Python ints; ``(0, 0)`` for an empty trace.

    >>> from graphtrace.spantable import from_trace
    >>> from graphtrace.analysis.table.tree import table_tree
    >>> from graphtrace.model import Span, Trace
    >>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
    >>> trace_bounds(table_tree(from_trace(Trace(trace_id="t", spans=[mk("a", None, 5, 9), mk("b", "a", 3, 12)]))))
    (3, 12)
    """
    table = tree.table
    if not table.n:
        return 0, 0
    return int(table.start_ns.min()), int(table.end_ns.max())


def bottlenecks(tree: TableTree, self_ns: np.ndarray, cp_ns: np.ndarray, limit: int = 5) -> list[Bottleneck]:
    """The ``limit`` rows with the most critical-path time (``cp_ns``, by row), as
    :class:`~graphtrace.analysis.report.Bottleneck` models; ``self_ns`` is the self time by row.

    >>> from graphtrace.spantable import from_trace
    >>> from graphtrace.analysis.table.tree import table_tree
    >>> from graphtrace.model import Span, Trace
    >>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
    >>> tree = table_tree(from_trace(Trace(trace_id="t", spans=[mk("b", None, 0, 8), mk("a", None, 0, 8),
    ...                                                         mk("c", None, 0, 8)])))
    >>> # a tie at 4 ns goes to the smaller span id; c owns nothing; share = 4 / 8
    >>> [(b.span_id, b.share) for b in bottlenecks(tree, np.array([8, 8, 8]), np.array([4, 4, 0]), limit=1)]
    [('a', 0.5)]
    """
    table = tree.table
    start, end = trace_bounds(tree)
    duration = end - start
    if limit <= 0:
        return []
    ids = table.span_id
    rows = np.flatnonzero(cp_ns > 0)
    if len(rows) > limit:  # only the rows above the limit-th greatest time, and the smallest ids at it
        cut = np.partition(cp_ns[rows], len(rows) - limit)[len(rows) - limit]
        above, at = rows[cp_ns[rows] > cut], rows[cp_ns[rows] == cut]
        rows = np.concatenate((above, heapq.nsmallest(limit - len(above), at.tolist(), key=ids.__getitem__)))
        rows = rows.astype(np.int64)
    ranked = sorted((-ns, ids[row], row) for row, ns in zip(rows.tolist(), cp_ns[rows].tolist()))
    out: list[Bottleneck] = []
    for neg_ns, sid, row in ranked[:limit]:
        ns = -neg_ns
        out.append(build(Bottleneck, {
            "span_id": sid, "service": table.services[table.service[row]], "name": table.name[row],
            "self_time_ns": int(self_ns[row]), "critical_path_ns": ns,
            "share": ns / duration if duration else 0.0,
        }))
    return out
