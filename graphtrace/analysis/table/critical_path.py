"""The critical path on a :class:`~graphtrace.analysis.table.tree.TableTree`: sections and time per row.

Exactly :func:`graphtrace.analysis.critical_path.path_and_times` (read its module docstring for the
rules): sanitising top-down (a child is clipped to its parent's effective interval, dropped with its
descendants when it starts at or after that interval's end or ends at or before its start, a CONSUMER
child of a PRODUCER pruned), then per root, in root order, the walk back from the root's end taking the
last-finishing child (ties: earliest start, then smallest span id), zero-length sections skipped.

As in the dict engine, a span's kept children are sanitised and sorted once, when the walk enters it
(a span's effective interval depends only on its parent's): a single child directly, a few as Python
tuples ``(-end, start, span id, row)``, a wide fan-out in numpy (one lexsort, span ids compared only
within ties).  The walk is a loop over ints with an explicit stack (parallel lists, no recursion), and
the kept children of the spans on the stack live in three flat lists, cut back as the stack unwinds.

Within one root the walk emits disjoint sections from the end backwards, so reversing them orders them
by start; several roots are merged by (start, end, span id), the order the dict engine sorts them in.

>>> from graphtrace.spantable import from_trace
>>> from graphtrace.analysis.table.tree import table_tree
>>> from graphtrace.model import Span, Trace
>>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
>>> # Jaeger UI's test1: C [1,101] with D [20,40] and E [50,60]
>>> (rows, starts, ends), cp = path_and_times(table_tree(from_trace(Trace(trace_id="t", spans=[
...     mk("C", None, 1, 101), mk("D", "C", 20, 40), mk("E", "C", 50, 60)]))))
>>> list(zip(rows.tolist(), starts.tolist(), ends.tolist()))
[(0, 1, 20), (1, 20, 40), (0, 40, 50), (2, 50, 60), (0, 60, 101)]
>>> cp.tolist()   # C: 19 + 10 + 41 = 70; D: 20; E: 10
[70, 20, 10]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from graphtrace.analysis.table.tree import TableTree
from graphtrace.spantable import KIND_CODE
from graphtrace.model import SpanKind

Sections = tuple[np.ndarray, np.ndarray, np.ndarray]
Flat = tuple[list[int], list[int], list[int]]
WIDE = 64
"""Children counts from which a span's kept children are sorted in numpy rather than as tuples."""
_PRODUCER, _CONSUMER = KIND_CODE[SpanKind.PRODUCER], KIND_CODE[SpanKind.CONSUMER]


def path_and_times(tree: TableTree) -> tuple[Sections, np.ndarray]:
    """``((row, start_ns, end_ns), cp_ns)``: the critical-path sections ordered as the dict engine
    orders them (by start, end, span id), and each row's critical-path time (int64, 0 off the path).

    >>> from graphtrace.spantable import from_trace
    >>> from graphtrace.analysis.table.tree import table_tree
    >>> from graphtrace.model import Span, Trace
    >>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
    >>> # X [1,101]; A [10,50] ends after C [20,60] starts, so only C is on the path
    >>> (rows, starts, ends), cp = path_and_times(table_tree(from_trace(Trace(trace_id="t", spans=[
    ...     mk("X", None, 1, 101), mk("A", "X", 10, 50), mk("C", "X", 20, 60)]))))
    >>> rows.tolist(), starts.tolist(), ends.tolist(), cp.tolist()
    ([0, 2, 0], [1, 20, 60], [20, 60, 101], [60, 0, 40])
    """
    n = tree.table.n
    rows, starts, ends, blocks = _walk(tree)
    row_a = np.array(rows, dtype=np.int64)
    start_a = np.array(starts, dtype=np.int64)
    end_a = np.array(ends, dtype=np.int64)
    cp = np.zeros(n, dtype=np.int64)
    np.add.at(cp, row_a, end_a - start_a)
    return _in_order(tree, row_a, start_a, end_a, blocks), cp


def _in_order(tree: TableTree, rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, blocks: int) -> Sections:
    """The sections by (start, end, span id); each root's block was emitted from the end backwards."""
    rows, starts, ends = rows[::-1], starts[::-1], ends[::-1]
    if blocks > 1:  # roots may overlap: merge them
        order = np.lexsort((ends, starts))
        rows, starts, ends = rows[order], starts[order], ends[order]
        tied = (starts[1:] == starts[:-1]) & (ends[1:] == ends[:-1])
        if tied.any():
            rows = _sort_ties(rows, tied, tree.table.span_id)
    return np.ascontiguousarray(rows), np.ascontiguousarray(starts), np.ascontiguousarray(ends)


def _sort_ties(rows: np.ndarray, tied: np.ndarray, ids: list[str]) -> np.ndarray:
    """``rows`` with each run of equal keys (``tied[j]``: ``j + 1`` ties ``j``) sorted by span id.

    >>> _sort_ties(np.array([0, 1, 2, 3]), np.array([False, True, True]), ["d", "c", "b", "a"]).tolist()
    [0, 3, 2, 1]
    """
    out = rows.copy()
    edges = np.diff(np.concatenate(([0], tied.astype(np.int8), [0])))
    key = ids.__getitem__
    for lo, hi in zip(np.flatnonzero(edges == 1).tolist(), (np.flatnonzero(edges == -1) + 1).tolist()):
        out[lo:hi] = sorted(out[lo:hi].tolist(), key=key)
    return out


def _kept_kids(tree: TableTree) -> tuple[Callable[[int, int, int], int], Flat]:
    """``(push, (ends, starts, rows))``: ``push(row, start, end)`` appends ``row``'s kept children,
    clipped to its effective ``[start, end]`` and in walk order (end desc, start asc, span id asc), to
    the three flat lists, and returns how many."""
    table = tree.table
    s_l, e_l, kind = table.start_ns.tolist(), table.end_ns.tolist(), table.kind.tolist()
    ptr, kid_l, ids = tree.kid_ptr.tolist(), tree.kids.tolist(), table.span_id
    fe: list[int] = []
    fs: list[int] = []
    fr: list[int] = []

    def push(row: int, ps: int, pe: int) -> int:
        a, b = ptr[row], ptr[row + 1]
        if a == b:
            return 0
        no_consumer = kind[row] == _PRODUCER
        if b - a == 1:
            c = kid_l[a]
            cs, ce = s_l[c], e_l[c]
            if cs >= pe or ce <= ps or (no_consumer and kind[c] == _CONSUMER):
                return 0
            fe.append(ce if ce < pe else pe)
            fs.append(cs if cs > ps else ps)
            fr.append(c)
            return 1
        if b - a >= WIDE:
            return _push_wide(tree, row, ps, pe, (fe, fs, fr))
        mine = [(-(ce if ce < pe else pe), cs if cs > ps else ps, ids[c], c)
                for c, cs, ce in ((c, s_l[c], e_l[c]) for c in kid_l[a:b])
                if cs < pe and ce > ps and not (no_consumer and kind[c] == _CONSUMER)]
        mine.sort()
        for neg_end, start, _, c in mine:
            fe.append(-neg_end)
            fs.append(start)
            fr.append(c)
        return len(mine)

    return push, (fe, fs, fr)


def _push_wide(tree: TableTree, row: int, ps: int, pe: int, flat: Flat) -> int:
    """:func:`_kept_kids`'s ``push`` for a span with many children, in numpy."""
    table = tree.table
    kids = tree.children(row)
    cs, ce = table.start_ns[kids], table.end_ns[kids]
    keep = (cs < pe) & (ce > ps)
    if table.kind[row] == _PRODUCER:
        keep &= table.kind[kids] != _CONSUMER
    kids = kids[keep]
    es, ee = np.maximum(cs[keep], ps), np.minimum(ce[keep], pe)
    order = np.lexsort((es, -ee))
    kids, es, ee = kids[order], es[order], ee[order]
    tied = (ee[1:] == ee[:-1]) & (es[1:] == es[:-1])
    if tied.any():
        kids = _sort_ties(kids, tied, table.span_id)
    fe, fs, fr = flat
    fe.extend(ee.tolist())
    fs.extend(es.tolist())
    fr.extend(kids.tolist())
    return len(kids)


def _walk(tree: TableTree) -> tuple[list[int], list[int], list[int], int]:
    """Every root's walk: sections ``(rows, starts, ends)``, each root's block from its end backwards,
    and the number of roots that emitted any section."""
    push, flat = _kept_kids(tree)
    has_kids = (tree.kid_ptr[1:] > tree.kid_ptr[:-1]).tolist()
    roots = tree.roots
    rows: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    blocks = 0
    for root, start, end in zip(roots.tolist(), tree.table.start_ns[roots].tolist(),
                                tree.table.end_ns[roots].tolist()):
        before = len(rows)
        if has_kids[root]:
            _walk_root(root, start, end, push, has_kids, flat, (rows, starts, ends))
        elif start < end:  # a lone root owns its whole interval
            rows.append(root)
            starts.append(start)
            ends.append(end)
        blocks += len(rows) > before
    return rows, starts, ends, blocks


def _walk_root(root: int, own: int, t: int, push: Callable[[int, int, int], int], has_kids: list[bool],
               flat: Flat, out: Flat) -> None:
    """Walk one root back from its end (see the module docstring), appending its sections to ``out``.

    The current frame lives in locals (span, next candidate ``i``, end of its children ``hi``, limit
    ``t``, first step?, own start, where its children begin in the flat lists); the frames below it
    on ``stack`` as tuples (first step is over for all of them)."""
    fe, fs, fr = flat
    add_row, add_start, add_end = out[0].append, out[1].append, out[2].append
    sid, base, first = root, len(fe), True
    i, hi = base, base + push(root, own, t)
    stack: list[tuple[int, int, int, int, int, int]] = []
    save, restore = stack.append, stack.pop
    while True:
        if not first:
            while i < hi and fe[i] >= t:
                i += 1
        if i < hi:
            c_end, c_start, c = fe[i], fs[i], fr[i]
            i += 1
            if c_end < t:
                add_row(sid)
                add_start(c_end)
                add_end(t)
            t, first = c_start, False
            c_base = len(fe)
            c_hi = c_base + push(c, c_start, c_end) if has_kids[c] else c_base
            if c_hi > c_base:
                save((sid, i, hi, t, own, base))
                sid, i, hi, t, first, own, base = c, c_base, c_hi, c_end, True, c_start, c_base
            elif c_start < c_end:  # a leaf of the walk owns all of its (effective) interval
                add_row(c)
                add_start(c_start)
                add_end(c_end)
        else:
            if own < t:
                add_row(sid)
                add_start(own)
                add_end(t)
            del fe[base:], fs[base:], fr[base:]
            if not stack:
                return
            sid, i, hi, t, own, base = restore()
            first = False
