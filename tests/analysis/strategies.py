"""Hypothesis strategies for random (but valid) traces, for any graphtrace test.

Import with ``from tests.analysis.strategies import traces, trees, chain_trace``
(pytest is run from the repository root as ``python -m pytest``).

``traces()`` draws a :class:`graphtrace.model.Trace` whose spans are unique by
id and free of parent cycles (a span's parent is always drawn earlier), shuffled
into a random order.  On a small time grid (so equal timestamps are common) it
produces every shape the analysis must survive:

* children inside, overlapping each other, equal to their parent, zero-length;
* async children outliving their parent (clipped by the critical path);
* children starting before their parent (clock skew) or covering it on both sides;
* children entirely after or entirely before their parent (dropped with descendants);
* several roots, and orphans (a parent id the trace does not contain);
* PRODUCER -> CONSUMER pairs (the consumer is not blocking);
* any mix of kinds, services and statuses.
"""

from __future__ import annotations

from hypothesis import strategies as st

from graphtrace.analysis.tree import TraceTree, build_tree
from graphtrace.model import Span, SpanKind, StatusCode, Trace

PLACEMENTS = (
    "inside", "inside", "inside",   # the common case, weighted
    "equal",          # same interval as the parent
    "zero",           # zero-length, anywhere in or at the edges of the parent
    "outlive",        # starts inside, ends after the parent (async)
    "skew_before",    # starts before the parent, ends inside
    "cover",          # starts before and ends after the parent
    "after",          # starts at or after the parent's end
    "before",         # ends at or before the parent's start
)
KINDS = [k for k in SpanKind] + [SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.CLIENT, SpanKind.SERVER]
SERVICES = ("frontend", "cart", "redis", "checkout")


def _interval(draw, placement: str, p_start: int, p_end: int, spread: int) -> tuple[int, int]:
    """Draw ``(start, end)`` for a child placed relative to its parent ``[p_start, p_end]``."""
    ints = st.integers
    if placement == "inside":
        start = draw(ints(p_start, p_end))
        return start, draw(ints(start, p_end))
    if placement == "equal":
        return p_start, p_end
    if placement == "zero":
        at = draw(ints(max(0, p_start - 1), p_end + 1))
        return at, at
    if placement == "outlive":
        start = draw(ints(p_start, p_end))
        return start, draw(ints(p_end + 1, p_end + spread))
    if placement == "skew_before":
        start = draw(ints(max(0, p_start - spread), max(0, p_start - 1))) if p_start > 0 else 0
        return start, draw(ints(max(start, p_start), p_end))
    if placement == "cover":
        start = draw(ints(max(0, p_start - spread), p_start))
        return start, draw(ints(p_end, p_end + spread))
    if placement == "after":
        start = draw(ints(p_end, p_end + spread))
        return start, draw(ints(start, start + spread))
    # "before"
    end = draw(ints(0, p_start))
    return draw(ints(max(0, end - spread), end)), end


@st.composite
def traces(
    draw,
    *,
    min_spans: int = 1,
    max_spans: int = 12,
    max_time: int = 40,
    root_chance: float = 0.12,
    orphan_chance: float = 0.08,
    placements: tuple[str, ...] = PLACEMENTS,
    trace_id: str = "7e57",
) -> Trace:
    """A random valid :class:`Trace` (see the module docstring).

    ``max_time`` bounds root start times and how far a child may stick out
    of its parent; keep it small to get many equal timestamps.  Pass
    ``placements=("inside",)`` for well-nested traces only.
    """
    n = draw(st.integers(min_spans, max_spans))
    spans: list[Span] = []
    for i in range(n):
        sid = f"s{i:02d}"
        kind = draw(st.sampled_from(KINDS))
        choice = draw(st.integers(0, 99)) / 100 if i else 0.0
        if i == 0 or choice < root_chance:
            parent, start = None, draw(st.integers(0, max_time))
            end = draw(st.integers(start, start + max_time))
        elif choice < root_chance + orphan_chance:
            parent, start = f"gone{i}", draw(st.integers(0, max_time))
            end = draw(st.integers(start, start + max_time))
        else:
            p = spans[draw(st.integers(0, i - 1))]
            parent = p.span_id
            if p.kind is SpanKind.PRODUCER and draw(st.booleans()):
                kind = SpanKind.CONSUMER
            placement = draw(st.sampled_from(placements))
            start, end = _interval(draw, placement, p.start_ns, p.end_ns, max(1, max_time // 2))
        spans.append(Span(
            trace_id=trace_id, span_id=sid, parent_span_id=parent, start_ns=start, end_ns=end,
            kind=kind, service=draw(st.sampled_from(SERVICES)), name=f"op{draw(st.integers(0, 3))}",
            status_code=draw(st.sampled_from([StatusCode.UNSET, StatusCode.UNSET, StatusCode.OK,
                                              StatusCode.ERROR])),
        ))
    order = draw(st.permutations(range(n)))
    return Trace(trace_id=trace_id, spans=[spans[i] for i in order])


@st.composite
def trees(draw, **kwargs) -> TraceTree:
    """``build_tree`` of a :func:`traces` draw (same keyword arguments)."""
    return build_tree(draw(traces(**kwargs)))


def chain_trace(depth: int, *, trace_id: str = "deadbeef") -> Trace:
    """A single chain ``c00000 -> c00001 -> ...`` of ``depth`` spans, each 1 ns shorter at both ends
    than its parent would allow: span k covers ``[k, 2*depth - k]``.

    >>> [(s.span_id, s.start_ns, s.end_ns) for s in chain_trace(3).spans]
    [('c00000', 0, 6), ('c00001', 1, 5), ('c00002', 2, 4)]
    """
    return Trace(trace_id=trace_id, spans=[
        Span(trace_id=trace_id, span_id=f"c{k:05d}", parent_span_id=f"c{k - 1:05d}" if k else None,
             start_ns=k, end_ns=2 * depth - k, service="svc", name=f"level{k}")
        for k in range(depth)
    ])
