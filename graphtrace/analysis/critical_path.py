"""The critical path of a trace (Jaeger UI's semantics, docs/architecture.md tie rules).

1. :func:`sanitize`, top-down: a span's effective interval is its interval
   intersected with its sanitised parent's.  It is dropped, with its
   descendants, when it starts at or after the parent's (effective) end or
   ends at or before the parent's start; a CONSUMER child of a PRODUCER is
   pruned.  Roots (orphans included) are kept as they are.
2. The walk, per root: at span S with limit t (initially S.end) take the
   last-finishing child (LFC), i.e. the kept child with the greatest end among
   those ending ``< t`` (``<= S.end`` on the first step); ties go to the
   earliest start, then the smallest span id.  Emit ``[LFC.end, t]`` for S,
   walk into the LFC, then continue in S with ``t = LFC.start``.  When no child
   qualifies emit ``[S.start, t]`` for S and return to the parent.  Zero-length
   sections are skipped.

The walk is a single pass over S's children sorted by (end desc, start asc,
id asc), run with an explicit stack (no recursion: traces can be 10^4 deep).

Differences from Jaeger UI: Jaeger also prunes every FOLLOWS_FROM child (we
keep them: only PRODUCER->CONSUMER is non-blocking here); Jaeger breaks ties
on end by the order the spans came in (we use start, then id); Jaeger keeps a
zero-length child starting exactly at its parent's start (we drop it: it ends
at or before the parent's start; it could only ever own 0 ns).

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.analysis.tree import build_tree
>>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
>>> # Jaeger UI's test1: C [1,101] with D [20,40] and E [50,60]
>>> tree = build_tree(Trace(trace_id="t", spans=[mk("C", None, 1, 101), mk("D", "C", 20, 40),
...                                              mk("E", "C", 50, 60)]))
>>> [(s.span_id, s.start_ns, s.end_ns) for s in critical_path(tree)]
[('C', 1, 20), ('D', 20, 40), ('C', 40, 50), ('E', 50, 60), ('C', 60, 101)]
"""

from __future__ import annotations

from collections.abc import Iterable

from graphtrace.analysis.report import Section, build_all
from graphtrace.analysis.tree import TraceTree
from graphtrace.model import SpanKind

Interval = tuple[int, int]


def sanitize(tree: TraceTree) -> dict[str, Interval]:
    """Effective ``(start, end)`` of every span the walk may use; dropped spans are absent.

    >>> from graphtrace.model import Span, Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
    >>> # b overflows a's end (clipped); c starts at a's end (dropped); d under c goes too
    >>> sanitize(build_tree(Trace(trace_id="t", spans=[mk("a", None, 0, 10), mk("b", "a", 5, 15),
    ...                                                mk("c", "a", 10, 12), mk("d", "c", 10, 11)])))
    {'a': (0, 10), 'b': (5, 10)}
    """
    return _sanitize(tree)[0]


Kid = tuple[int, int, str]   # (-effective end, effective start, span id): sorts in walk order
_NONE: list[Kid] = []
_PRODUCER, _CONSUMER = SpanKind.PRODUCER, SpanKind.CONSUMER


def _kept_kids(tree: TraceTree, sid: str, p_start: int, p_end: int) -> list[Kid]:
    """The children of ``sid`` that sanitising keeps inside its effective ``[p_start, p_end]``,
    clipped to it, as ``(-end, start, id)`` sorted: end desc, start asc, id asc (walk order)."""
    kids = tree._children.get(sid)
    if not kids:
        return _NONE
    spans = tree.spans
    no_consumer = spans[sid].kind is _PRODUCER
    mine: list[Kid] = []
    for kid in kids:
        child = spans[kid]
        c_start, c_end = child.start_ns, child.end_ns
        if c_start >= p_end or c_end <= p_start or (no_consumer and child.kind is _CONSUMER):
            continue
        mine.append((-(c_end if c_end < p_end else p_end), c_start if c_start > p_start else p_start, kid))
    if len(mine) > 1:
        mine.sort()
    return mine


def _sanitize(tree: TraceTree) -> tuple[dict[str, Interval], dict[str, list[Kid]]]:
    """:func:`sanitize`, plus each kept span's kept children (:func:`_kept_kids`)."""
    kept: dict[str, Interval] = {}
    kids_of: dict[str, list[Kid]] = {}
    stack: list[str] = []
    for root in tree.roots:
        span = tree.spans[root]
        kept[root] = (span.start_ns, span.end_ns)
        stack.append(root)
    while stack:
        sid = stack.pop()
        mine = _kept_kids(tree, sid, *kept[sid])
        if mine:
            kids_of[sid] = mine
            for neg_end, start, kid in mine:
                kept[kid] = (start, -neg_end)
                stack.append(kid)
    return kept, kids_of


def walk(tree: TraceTree) -> tuple[list[Section], set[str]]:
    """The critical-path sections (ordered by start) and the set of spans the walk reached.

    A span is *reached* when the walk steps into it, even if it then owns 0 ns
    (e.g. a child ending exactly where its parent does, fully covered by its own child).
    Sanitising happens on the way down, only for the spans the walk enters (a span's
    effective interval depends only on its parent's).

    >>> from graphtrace.model import Span, Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
    >>> sections, reached = walk(build_tree(Trace(trace_id="t", spans=[mk("a", None, 0, 4),
    ...                                                                mk("b", "a", 1, 4)])))
    >>> [(s.span_id, s.start_ns, s.end_ns) for s in sections], sorted(reached)
    ([('a', 0, 1), ('b', 1, 4)], ['a', 'b'])
    """
    raw, reached = _walk_raw(tree)
    return _sections(raw), reached


def _walk_raw(tree: TraceTree) -> tuple[list[tuple[int, int, str]], set[str]]:
    """:func:`walk` with the sections as sorted ``(start, end, span id)`` tuples."""
    raw: list[tuple[int, int, str]] = []
    reached: set[str] = set()
    for root in tree.roots:
        _walk_root(tree, root, raw, reached)
    raw.sort()
    return raw, reached


def _sections(raw: list[tuple[int, int, str]]) -> list[Section]:
    return build_all(Section, [{"span_id": sid, "start_ns": s, "end_ns": e} for s, e, sid in raw])


def path_and_times(tree: TraceTree) -> tuple[list[Section], dict[str, int]]:
    """``critical_path(tree)`` and ``critical_path_times`` of it, from one walk.

    >>> from graphtrace.model import Span, Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
    >>> sections, times = path_and_times(build_tree(Trace(trace_id="t", spans=[mk("a", None, 0, 9),
    ...                                                                         mk("b", "a", 2, 5)])))
    >>> len(sections), times
    (3, {'a': 6, 'b': 3})
    """
    raw, _ = _walk_raw(tree)
    times: dict[str, int] = {}
    get = times.get
    for start, end, sid in raw:
        times[sid] = get(sid, 0) + end - start
    return _sections(raw), times


def _walk_root(tree: TraceTree, root: str, out: list[tuple[int, int, str]], reached: set[str]) -> None:
    """Walk one root back from its end, appending ``(start, end, span_id)`` sections to ``out``."""
    append, reach, children = out.append, reached.add, tree._children
    span = tree.spans[root]
    reach(root)
    # frame: [span id, its kept children, index of the next candidate, limit t, first step?, own start]
    stack: list[list] = [[root, _kept_kids(tree, root, span.start_ns, span.end_ns), 0, span.end_ns, True,
                          span.start_ns]]
    while stack:
        frame = stack[-1]
        sid, kids, i, t, first, start = frame
        n = len(kids)
        if not first:
            while i < n and -kids[i][0] >= t:
                i += 1
        if i < n:
            neg_end, lfc_start, lfc = kids[i]
            lfc_end = -neg_end
            if lfc_end < t:
                append((lfc_end, t, sid))
            frame[2], frame[3], frame[4] = i + 1, lfc_start, False
            reach(lfc)
            lfc_kids = _kept_kids(tree, lfc, lfc_start, lfc_end) if lfc in children else _NONE
            if lfc_kids:
                stack.append([lfc, lfc_kids, 0, lfc_end, True, lfc_start])
            elif lfc_start < lfc_end:  # a leaf of the walk owns all of its (effective) interval
                append((lfc_start, lfc_end, lfc))
        else:
            if start < t:
                append((start, t, sid))
            stack.pop()


def critical_path(tree: TraceTree) -> list[Section]:
    """The critical-path sections of every root of ``tree``, ordered by start.

    >>> from graphtrace.model import Span, Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
    >>> # X [1,101]; A [10,50] ends after C [20,60] starts, so only C is on the path
    >>> tree = build_tree(Trace(trace_id="t", spans=[mk("X", None, 1, 101), mk("A", "X", 10, 50),
    ...                                              mk("C", "X", 20, 60)]))
    >>> [(s.span_id, s.start_ns, s.end_ns) for s in critical_path(tree)]
    [('X', 1, 20), ('C', 20, 60), ('X', 60, 101)]
    """
    return walk(tree)[0]


def critical_path_times(sections: Iterable[Section]) -> dict[str, int]:
    """Critical-path time per span: the sum of its sections (spans without sections are absent).

    >>> critical_path_times([Section(span_id="a", start_ns=0, end_ns=5),
    ...                      Section(span_id="b", start_ns=5, end_ns=7),
    ...                      Section(span_id="a", start_ns=7, end_ns=10)])
    {'a': 8, 'b': 2}
    """
    out: dict[str, int] = {}
    get = out.get
    for section in sections:
        sid = section.span_id
        out[sid] = get(sid, 0) + section.end_ns - section.start_ns
    return out


def on_path(tree: TraceTree) -> set[str]:
    """Span ids the walk reaches, including ones that own 0 ns of the path.

    >>> from graphtrace.model import Span, Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
    >>> # b ends with a and c covers b entirely: b owns 0 ns but is reached; d is not
    >>> sorted(on_path(build_tree(Trace(trace_id="t", spans=[mk("a", None, 0, 10), mk("b", "a", 4, 10),
    ...                                                      mk("c", "b", 4, 10), mk("d", "a", 1, 5)]))))
    ['a', 'b', 'c']
    """
    return walk(tree)[1]
