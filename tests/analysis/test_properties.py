"""Properties of self time and the critical path over random traces (hypothesis).

The oracles here are written independently of graphtrace.analysis: a recursive
transcription of GUIDE.md section 1 / docs/architecture.md (sanitise, then
walk back from each root's end), and self time by counting every nanosecond.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from graphtrace.analysis.critical_path import critical_path, critical_path_times, sanitize, walk
from graphtrace.analysis.self_time import self_times
from graphtrace.analysis.tree import TraceTree
from graphtrace.model import SpanKind
from tests.analysis.strategies import trees

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- independent oracles ------------------------------------------------------------------------

def oracle_sanitize(tree: TraceTree) -> dict[str, tuple[int, int]]:
    """GUIDE 1, step 1, recursively: intersect with the parent, drop outside spans and consumers."""
    spans = tree.trace.spans
    by_id = {s.span_id: s for s in spans}
    kids: dict[str, list[str]] = {}
    for s in spans:
        if s.parent_span_id in by_id:
            kids.setdefault(s.parent_span_id, []).append(s.span_id)
    out: dict[str, tuple[int, int]] = {}

    def visit(sid: str, lo: int, hi: int) -> None:
        out[sid] = (lo, hi)
        for k in kids.get(sid, []):
            c = by_id[k]
            outside = c.start_ns >= hi or c.end_ns <= lo
            non_blocking = by_id[sid].kind == SpanKind.PRODUCER and c.kind == SpanKind.CONSUMER
            if not outside and not non_blocking:
                visit(k, max(lo, c.start_ns), min(hi, c.end_ns))

    for s in spans:
        if s.parent_span_id not in by_id:
            visit(s.span_id, s.start_ns, s.end_ns)
    return out


def oracle_critical_path(tree: TraceTree, reached: set[str] | None = None) -> list[tuple[str, int, int]]:
    """GUIDE 1, step 2, recursively, choosing each LFC with min() over all candidates.

    Spans the walk steps into are added to ``reached`` when it is given."""
    iv = oracle_sanitize(tree)
    by_id = {s.span_id: s for s in tree.trace.spans}
    kids: dict[str, list[str]] = {}
    for sid in iv:
        p = by_id[sid].parent_span_id
        if p in iv:
            kids.setdefault(p, []).append(sid)
    found: list[tuple[str, int, int]] = []

    def run(sid: str) -> None:
        if reached is not None:
            reached.add(sid)
        start, t = iv[sid]
        first = True
        while True:
            ok = [k for k in kids.get(sid, []) if (iv[k][1] <= t if first else iv[k][1] < t)]
            if not ok:
                found.append((sid, start, t))
                return
            lfc = min(ok, key=lambda k: (-iv[k][1], iv[k][0], k))
            found.append((sid, iv[lfc][1], t))
            run(lfc)
            t, first = iv[lfc][0], False

    for s in tree.trace.spans:
        if s.parent_span_id not in by_id:
            run(s.span_id)
    return sorted((x for x in found if x[2] > x[1]), key=lambda x: (x[1], x[2], x[0]))


def oracle_self_time(tree: TraceTree, sid: str) -> int:
    """Count the nanoseconds ``[t, t+1)`` of the span that no (clipped) child covers."""
    span = tree.spans[sid]
    children = [s for s in tree.trace.spans if s.parent_span_id == sid]
    return sum(
        1 for t in range(span.start_ns, span.end_ns)
        if not any(c.start_ns <= t < c.end_ns for c in children)
    )


def root_of(tree: TraceTree, sid: str) -> str:
    while (parent := tree.spans[sid].parent_span_id) in tree.spans:
        sid = parent
    return sid


# --- properties ------------------------------------------------------------------------------------

@SETTINGS
@given(trees())
def test_walk_agrees_with_recursive_oracle(tree: TraceTree) -> None:
    sections, reached = walk(tree)
    expected_reached: set[str] = set()
    assert [(s.span_id, s.start_ns, s.end_ns) for s in sections] == oracle_critical_path(tree, expected_reached)
    assert reached == expected_reached
    assert critical_path(tree) == sections
    assert sanitize(tree) == oracle_sanitize(tree)


@SETTINGS
@given(trees())
def test_sections_tile_each_root(tree: TraceTree) -> None:
    sections, reached = walk(tree)
    per_root: dict[str, list] = {}
    for s in sections:
        assert s.end_ns > s.start_ns, "zero-length sections are skipped"
        assert s.span_id in reached
        per_root.setdefault(root_of(tree, s.span_id), []).append(s)
    for root in tree.roots:
        span, mine = tree.spans[root], per_root.get(root, [])
        if span.duration_ns == 0:
            assert mine == []
            continue
        assert mine[0].start_ns == span.start_ns and mine[-1].end_ns == span.end_ns
        for a, b in zip(mine, mine[1:]):
            assert a.end_ns == b.start_ns, "contiguous, no overlap"
    assert set(per_root) <= set(tree.roots)


@SETTINGS
@given(trees())
def test_path_time_sums_to_root_durations(tree: TraceTree) -> None:
    cp = critical_path_times(critical_path(tree))
    assert sum(cp.values()) == sum(tree.spans[r].duration_ns for r in tree.roots)
    assert all(v > 0 for v in cp.values())


@SETTINGS
@given(trees())
def test_sections_inside_sanitised_interval(tree: TraceTree) -> None:
    kept = sanitize(tree)
    sections, reached = walk(tree)
    assert reached <= set(kept)
    for s in sections:
        lo, hi = kept[s.span_id]
        assert lo <= s.start_ns < s.end_ns <= hi
    for sid, (lo, hi) in kept.items():
        raw = tree.spans[sid]
        assert raw.start_ns <= lo <= hi <= raw.end_ns


@SETTINGS
@given(trees(max_time=30))
def test_self_time_bounds_and_brute_force(tree: TraceTree) -> None:
    st = self_times(tree)
    assert set(st) == set(tree.spans)
    for sid, value in st.items():
        assert 0 <= value <= tree.spans[sid].duration_ns
        assert value == oracle_self_time(tree, sid)
