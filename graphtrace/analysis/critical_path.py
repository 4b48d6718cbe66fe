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

from pydantic import TypeAdapter

from graphtrace.analysis.report import Section
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


def _sanitize(tree: TraceTree) -> tuple[dict[str, Interval], dict[str, list[str]]]:
    """:func:`sanitize`, plus each kept span's kept children ordered by (end desc, start asc, id asc)."""
    spans = tree.spans
    children = tree.children
    kept: dict[str, Interval] = {}
    kids_of: dict[str, list[str]] = {}
    stack: list[str] = []
    for root in tree.roots:
        span = spans[root]
        kept[root] = (span.start_ns, span.end_ns)
        stack.append(root)
    producer, consumer = SpanKind.PRODUCER, SpanKind.CONSUMER
    while stack:
        sid = stack.pop()
        p_start, p_end = kept[sid]
        p_is_producer = spans[sid].kind is producer
        mine: list[str] = []
        for kid in children(sid):
            child = spans[kid]
            c_start, c_end = child.start_ns, child.end_ns
            if c_start >= p_end or c_end <= p_start:
                continue
            if p_is_producer and child.kind is consumer:
                continue
            kept[kid] = (c_start if c_start > p_start else p_start, c_end if c_end < p_end else p_end)
            mine.append(kid)
        if mine:
            if len(mine) > 1:
                mine.sort(key=lambda k: (-kept[k][1], kept[k][0], k))
            kids_of[sid] = mine
            stack.extend(mine)
    return kept, kids_of


_SECTIONS = TypeAdapter(list[Section])


def walk(tree: TraceTree) -> tuple[list[Section], set[str]]:
    """The critical-path sections (ordered by start) and the set of spans the walk reached.

    A span is *reached* when the walk steps into it, even if it then owns 0 ns
    (e.g. a child ending exactly where its parent does, fully covered by its own child).

    >>> from graphtrace.model import Span, Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
    >>> sections, reached = walk(build_tree(Trace(trace_id="t", spans=[mk("a", None, 0, 4),
    ...                                                                mk("b", "a", 1, 4)])))
    >>> [(s.span_id, s.start_ns, s.end_ns) for s in sections], sorted(reached)
    ([('a', 0, 1), ('b', 1, 4)], ['a', 'b'])
    """
    kept, kids_of = _sanitize(tree)
    raw: list[tuple[int, int, str]] = []
    reached: set[str] = set()
    for root in tree.roots:
        _walk_root(root, kept, kids_of, raw, reached)
    raw.sort()
    sections = _SECTIONS.validate_python([{"span_id": sid, "start_ns": s, "end_ns": e} for s, e, sid in raw])
    return sections, reached


def _walk_root(
    root: str,
    kept: dict[str, Interval],
    kids_of: dict[str, list[str]],
    out: list[tuple[int, int, str]],
    reached: set[str],
) -> None:
    """Walk one root back from its end, appending ``(start, end, span_id)`` sections to ``out``."""
    empty: list[str] = []
    reached.add(root)
    # frame: [span id, index of the next candidate child, limit t, first step?]
    stack: list[list] = [[root, 0, kept[root][1], True]]
    while stack:
        frame = stack[-1]
        sid, i, t, first = frame
        kids = kids_of.get(sid, empty)
        n = len(kids)
        if not first:
            while i < n and kept[kids[i]][1] >= t:
                i += 1
        if i < n:
            lfc = kids[i]
            lfc_start, lfc_end = kept[lfc]
            if lfc_end < t:
                out.append((lfc_end, t, sid))
            frame[1], frame[2], frame[3] = i + 1, lfc_start, False
            reached.add(lfc)
            stack.append([lfc, 0, lfc_end, True])
        else:
            start = kept[sid][0]
            if start < t:
                out.append((start, t, sid))
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
    for section in sections:
        out[section.span_id] = out.get(section.span_id, 0) + section.end_ns - section.start_ns
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
