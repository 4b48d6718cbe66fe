"""Self time on a :class:`~graphtrace.analysis.table.tree.TableTree`, in numpy.

Exactly :func:`graphtrace.analysis.self_time.self_times` (Jaeger's definition): a span's duration
minus the union of its children's intervals, each clipped to the span, never below 0.

The children of a parent are contiguous in ``tree.kids`` and in start order, which clipping keeps.
The union of a run of intervals sorted by start is the sum, over the run, of what each interval adds
beyond the greatest end before it: ``max(0, end - max(start, running max of the earlier ends))``.
The running max restarts at each parent: one ``np.maximum.accumulate`` over the ends, each shifted
by its parent's offset (the total length of the parents before it, so each parent's values lie above
all earlier ones); when those offsets could overflow int64 (times near ``+-2^62``), a segmented scan
by doubling (``log2`` of the widest fan-out passes) instead.

>>> from graphtrace.spantable import from_trace
>>> from graphtrace.analysis.table.tree import table_tree
>>> from graphtrace.model import Span, Trace
>>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
>>> # a [0,36] with children b [3,20] and c [15,34]: union [3,34] = 31, self = 36 - 31 = 5
>>> self_times(table_tree(from_trace(Trace(trace_id="t", spans=[
...     mk("a", None, 0, 36), mk("b", "a", 3, 20), mk("c", "a", 15, 34)])))).tolist()
[5, 17, 19]
"""

from __future__ import annotations

import numpy as np

from graphtrace.analysis.table.tree import TableTree

_OFFSET_LIMIT = 2 ** 62


def self_times(tree: TableTree) -> np.ndarray:
    """Self time of every row of ``tree`` (int64, by row); see the module docstring.

    >>> from graphtrace.spantable import from_trace
    >>> from graphtrace.analysis.table.tree import table_tree
    >>> from graphtrace.model import Span, Trace
    >>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
    >>> # p [10,50]: a [0,100] covers it on both sides (self 0); b [20,30] under a: a keeps 90
    >>> self_times(table_tree(from_trace(Trace(trace_id="t", spans=[
    ...     mk("p", None, 10, 50), mk("a", "p", 0, 100), mk("b", "a", 20, 30)])))).tolist()
    [0, 90, 10]
    """
    table = tree.table
    start, end = table.start_ns, table.end_ns
    out = end - start
    kids = tree.kids
    if not len(kids):
        return out
    par = tree.parent[kids]
    p_start, p_end = start[par], end[par]
    # each child clipped to its parent, relative to the parent's start: 0 <= rs <= re <= duration;
    # clipping keeps the start order, and a child outside its parent becomes empty at one edge
    rs = np.clip(start[kids], p_start, p_end) - p_start
    re = np.clip(end[kids], p_start, p_end) - p_start
    before = _segment_prev_max(re, par, out)
    added = re - np.maximum(rs, before)
    np.maximum(added, 0, out=added)
    ptr = tree.kid_ptr
    has_kids = np.flatnonzero(ptr[1:] > ptr[:-1])
    out[has_kids] -= np.add.reduceat(added, ptr[has_kids])
    return out


def _segment_prev_max(values: np.ndarray, seg: np.ndarray, length: np.ndarray) -> np.ndarray:
    """For each position, the max of the earlier ``values`` with the same ``seg`` (0 for the first).

    ``seg`` is non-decreasing (runs of equal ids); ``0 <= values[j] <= length[seg[j]]``.

    >>> _segment_prev_max(np.array([3, 1, 5, 2, 0]), np.array([0, 0, 0, 1, 1]), np.array([9, 9])).tolist()
    [0, 3, 3, 0, 2]
    """
    lengths = length[seg]
    first = np.ones(len(seg), dtype=bool)
    first[1:] = seg[1:] != seg[:-1]
    starts = np.flatnonzero(first)
    seg_len = lengths[starts] + 1
    if float(seg_len.astype(np.float64).sum()) < _OFFSET_LIMIT:
        offset = np.zeros(len(starts), dtype=np.int64)
        np.cumsum(seg_len[:-1], out=offset[1:])
        off = np.repeat(offset, np.diff(np.append(starts, len(seg))))
        run = np.maximum.accumulate(values + off) - off  # earlier segments lie below this one's offset
    else:
        run = _segment_cummax(values, seg, int(np.diff(np.append(starts, len(seg))).max()))
    prev = np.empty_like(values)
    prev[1:] = run[:-1]
    prev[first] = 0
    return prev


def _segment_cummax(values: np.ndarray, seg: np.ndarray, widest: int) -> np.ndarray:
    """Running max of ``values`` restarting at each change of ``seg`` (a Hillis-Steele scan).

    >>> _segment_cummax(np.array([3, 1, 5, 2, 0]), np.array([0, 0, 0, 1, 1]), 3).tolist()
    [3, 3, 5, 2, 2]
    """
    run = values.copy()
    shift = 1
    while shift < widest:
        same = seg[shift:] == seg[:-shift]
        run[shift:] = np.where(same, np.maximum(run[shift:], run[:-shift]), run[shift:])
        shift *= 2
    return run
