"""``orphan_span`` on rows (the rule: :mod:`graphtrace.analysis.anomalies.orphan_span`).

An orphan is a root, so its subtree is the run of the pre-order from it up to the next root:
its descendant count is that run's length minus one (numpy, no walk per orphan).

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.spantable import from_trace
>>> from graphtrace.analysis.table.tree import table_tree
>>> mk = lambda i, p: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=0, end_ns=1)
>>> tree = table_tree(from_trace(Trace(trace_id="t", spans=[mk("a", "x"), mk("b", "a"), mk("c", "b"), mk("r", None)])))
>>> descendant_counts(tree, tree.orphans).tolist()  # a -> b -> c: 2 below a
[2]
"""

from __future__ import annotations

import numpy as np

from graphtrace.analysis.report import Anomaly, build
from graphtrace.analysis.table.anomalies.common import Found, Rows
from graphtrace.analysis.table.tree import TableTree


def descendant_counts(tree: TableTree, roots: np.ndarray) -> np.ndarray:
    """How many rows lie below each of ``roots`` (root rows): the distance in the pre-order to
    the next root, minus one."""
    n = len(tree.preorder)
    position = np.empty(n, dtype=np.int64)
    position[tree.preorder] = np.arange(n, dtype=np.int64)
    root_pos = np.sort(position[tree.roots])  # the roots' places in the pre-order (the first is 0)
    next_root = np.append(root_pos[1:], n)
    at = np.searchsorted(root_pos, position[roots])
    return next_root[at] - position[roots] - 1


def detect(rows: Rows) -> list[Found]:
    """One anomaly per orphan root."""
    out: list[Found] = []
    orphans = rows.tree.orphans
    if not len(orphans):
        return out
    ids, parents, start, end = rows.ids, rows.table.parent_span_id, rows.start, rows.end
    for r, below in zip(orphans.tolist(), descendant_counts(rows.tree, orphans).tolist()):
        missing = parents[r]
        metrics = {"missing_parent_span_id": missing, "descendants": below, "duration_ns": end[r] - start[r]}
        message = (f"{rows.label(r)} names parent {missing}, which is not in the trace "
                   f"({below} span{'' if below == 1 else 's'} below it)")
        span_ids = [ids[r]]
        out.append((start[r], span_ids, build(Anomaly, {"type": "orphan_span", "span_ids": span_ids,
                                                        "metrics": metrics, "message": message})))
    return out

