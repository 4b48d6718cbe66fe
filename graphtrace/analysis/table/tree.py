"""The forest of a :class:`~graphtrace.analysis.table.SpanTable`: parent rows, children, pre-order, depth.

The same tree as :func:`graphtrace.analysis.tree.build_tree` (the dict engine), as arrays of
rows: children and roots ordered by (start, end, span id), a span whose parent is not in the
trace is an extra root and an *orphan*, a repeated span id or a parent cycle raises the same
:class:`~graphtrace.errors.InputError`.  Everything is a loop or a numpy call: no recursion.

>>> from graphtrace.spantable import from_trace
>>> from graphtrace.model import Span, Trace
>>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
>>> t = table_tree(from_trace(Trace(trace_id="t", spans=[mk("a", None, 0, 10), mk("c", "a", 5, 9),
...                                                       mk("b", "a", 1, 4), mk("d", "zz", 2, 3)])))
>>> ids = t.table.span_id
>>> [ids[i] for i in t.roots], [ids[i] for i in t.orphans], [ids[i] for i in t.children(0)]
(['a', 'd'], ['d'], ['b', 'c'])
>>> [ids[i] for i in t.preorder], t.depth.tolist(), t.parent.tolist()
(['a', 'b', 'c', 'd'], [0, 1, 1, 0], [-1, 0, 0, -1])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graphtrace.spantable import SpanTable
from graphtrace.errors import InputError


@dataclass(eq=False)
class TableTree:
    """Rows of ``table`` arranged as a forest (all arrays int64, indexed by row unless said).

    * ``parent``: the parent's row, ``-1`` for a root;
    * ``order``: every row, sorted by (start, end, span id); ``rank``: each row's place in it;
    * ``kids`` / ``kid_ptr``: the children of row ``i`` are ``kids[kid_ptr[i]:kid_ptr[i + 1]]``,
      in (start, end, span id) order (CSR; ``kid_ptr`` has ``n + 1`` entries);
    * ``roots``: the rows with no parent in the trace, in (start, end, span id) order;
      ``orphans``: those of them whose ``parent_span_id`` names a span the trace lacks;
    * ``preorder``: every row depth first, roots and children in start order (as ``TraceTree.preorder``);
    * ``depth``: 0 for a root, 1 for its children, and so on.
    """

    table: SpanTable
    parent: np.ndarray
    order: np.ndarray
    rank: np.ndarray
    kids: np.ndarray
    kid_ptr: np.ndarray
    roots: np.ndarray
    orphans: np.ndarray
    preorder: np.ndarray
    depth: np.ndarray

    def children(self, row: int) -> np.ndarray:
        """The child rows of ``row``, in (start, end, span id) order."""
        return self.kids[self.kid_ptr[row]:self.kid_ptr[row + 1]]


def _row_index(table: SpanTable) -> dict[str, int]:
    """Row by span id; ``InputError`` on a repeated id (the first repeat in input order)."""
    index = {sid: i for i, sid in enumerate(table.span_id)}
    if len(index) != table.n:
        seen: set[str] = set()
        for sid in table.span_id:
            if sid in seen:
                raise InputError("duplicate span id in one trace", record=f"trace {table.trace_id} span {sid}",
                                 field="span_id")
            seen.add(sid)
    return index


def sort_order(table: SpanTable) -> np.ndarray:
    """Rows sorted by (start, end, span id), as Python sorts ``(start_ns, end_ns, span_id)`` tuples.

    >>> from graphtrace.spantable import from_trace
    >>> from graphtrace.model import Span, Trace
    >>> sp = [Span(trace_id="t", span_id=i, start_ns=s, end_ns=e) for i, s, e in
    ...       [("b", 0, 5), ("a", 0, 5), ("c", 0, 4), ("d", -1, 9)]]
    >>> sort_order(from_trace(Trace(trace_id="t", spans=sp))).tolist()
    [3, 2, 1, 0]
    """
    start, end = table.start_ns, table.end_ns
    order = np.lexsort((end, start)).astype(np.int64)
    if table.n < 2:
        return order
    s, e = start[order], end[order]
    tied = (s[1:] == s[:-1]) & (e[1:] == e[:-1])  # order[k + 1] ties with order[k] on (start, end)
    if not tied.any():
        return order
    ids = table.span_id
    if tied.sum() * 4 < table.n:  # a few ties: sort each run of tied rows by id in Python
        bounds = np.flatnonzero(np.diff(np.concatenate(([False], tied, [False])).astype(np.int8)))
        for a, b in zip(bounds[::2].tolist(), bounds[1::2].tolist()):  # run = order[a:b + 1]
            order[a:b + 1] = sorted(order[a:b + 1].tolist(), key=ids.__getitem__)
        return order
    if any("\x00" in sid for sid in ids):  # numpy's fixed-width strings drop trailing NULs: sort in Python
        return np.array(sorted(range(table.n), key=lambda i: (int(start[i]), int(end[i]), ids[i])), dtype=np.int64)
    id_rank = np.empty(table.n, dtype=np.int64)
    id_rank[np.argsort(np.array(ids, dtype=str), kind="stable")] = np.arange(table.n, dtype=np.int64)
    return np.lexsort((id_rank, end, start)).astype(np.int64)


def _preorder(n: int, roots: np.ndarray, kids: np.ndarray, kid_ptr: np.ndarray, parent: np.ndarray
              ) -> tuple[list[int], list[int]]:
    """Pre-order rows and the depth of each row (``-1`` where not reached), by an explicit stack."""
    kid_l, ptr, par = kids.tolist(), kid_ptr.tolist(), parent.tolist()
    depth = [-1] * (n + 1)  # depth[-1] (index n) is a root's "parent": -1
    out: list[int] = []
    append, stack = out.append, roots[::-1].tolist()
    pop, extend = stack.pop, stack.extend
    while stack:
        i = pop()
        append(i)
        depth[i] = depth[par[i]] + 1
        a, b = ptr[i], ptr[i + 1]
        if a != b:
            extend(kid_l[b - 1:a - 1:-1] if a else kid_l[b - 1::-1])
    del depth[n]
    return out, depth


def table_tree(table: SpanTable) -> TableTree:
    """The :class:`TableTree` of ``table``; ``InputError`` on a repeated span id or a parent cycle."""
    n = table.n
    index = _row_index(table)
    get = index.get
    parent = np.array([-1 if p is None else get(p, -1) for p in table.parent_span_id], dtype=np.int64)
    order = sort_order(table)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n, dtype=np.int64)
    parent_in_order = parent[order]
    is_root = parent_in_order < 0
    roots = order[is_root]
    named = np.array([p is not None for p in table.parent_span_id], dtype=bool)
    orphans = roots[named[roots]]
    child_rows = order[~is_root]
    kids = child_rows[np.argsort(parent[child_rows], kind="stable")]
    kid_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(parent[child_rows], minlength=n), out=kid_ptr[1:])
    pre, depth = _preorder(n, roots, kids, kid_ptr, parent)
    if len(pre) != n:
        stuck = sorted(sid for sid, d in zip(table.span_id, depth) if d < 0)
        raise InputError(f"parent links form a cycle through spans {', '.join(stuck[:6])}",
                         record=f"trace {table.trace_id}", field="parent_span_id")
    return TableTree(table, parent, order, rank, kids, kid_ptr, roots, orphans,
                     np.array(pre, dtype=np.int64), np.array(depth, dtype=np.int64))
