"""``annotate`` on deep and wide traces: the values agree with the in-memory engine (the oracle
``graphtrace check`` uses), across the 64-level passes, and a trace is marked annotated only once its
last level is written.
"""

from __future__ import annotations

import uuid

import pytest

from graphtrace.analysis.critical_path import critical_path, critical_path_times, on_path, sanitize
from graphtrace.analysis.self_time import self_times
from graphtrace.analysis.tree import build_tree
from graphtrace.model import Span, SpanKind, Trace
from graphtrace.recipes.annotate import annotate_recipe, annotate_traces
from graphtrace.recipes.run import run_recipe

US = 1_000


def _span(tid, sid, parent, start, end, kind=SpanKind.INTERNAL) -> Span:
    return Span(trace_id=tid, span_id=sid, parent_span_id=parent, service="svc", name=sid, kind=kind,
                start_ns=start, end_ns=end)


def skewed_chain(tid: str, n: int) -> Trace:
    """c0 -> c1 -> ... ; each child starts 1 us after its parent; it ends 1 us before, except every
    third ends 1 us after (sticks out: sanitising clips it); every span also has a 1 us leaf at its
    start (a second child, not on the path's main line)."""
    spans, start, end = [], 0, 4 * n * US
    for i in range(n):
        spans.append(_span(tid, f"c{i}", f"c{i - 1}" if i else None, start, end))
        spans.append(_span(tid, f"l{i}", f"c{i}", start, start + US))
        start += US
        end += US if i % 3 == 2 else -US
    return Trace(trace_id=tid, spans=spans)


def boundary_tree(tid: str) -> Trace:
    """A 150-deep main line with side branches around the pass boundaries (levels 63-66, 127-129):
    a dropped child (starts after its parent's end) with descendants, a PRODUCER -> CONSUMER edge,
    and two children ending together (tie: earlier start wins) below the boundary."""
    spans = []
    for i in range(150):
        kind = SpanKind.PRODUCER if i == 100 else SpanKind.INTERNAL
        spans.append(_span(tid, f"m{i}", f"m{i - 1}" if i else None, i * US, (1000 - i) * US, kind))
    for d in (62, 63, 64, 126, 127):
        # dropped: starts at the parent's end; its child goes with it
        spans.append(_span(tid, f"x{d}", f"m{d}", (1000 - d) * US, (1001 - d) * US))
        spans.append(_span(tid, f"xx{d}", f"x{d}", (1000 - d) * US, (1001 - d) * US))
        # tie with the main line's child on end: ends where m{d+1} ends, starts earlier than it
        spans.append(_span(tid, f"t{d}", f"m{d}", d * US, (999 - d) * US))
        spans.append(_span(tid, f"tt{d}", f"t{d}", d * US, (d + 3) * US))
    spans.append(_span(tid, "consumer", "m100", 100 * US, 200 * US, SpanKind.CONSUMER))
    spans.append(_span(tid, "under-consumer", "consumer", 110 * US, 120 * US))
    spans.append(_span(tid, "orphan", "missing", 5 * US, 9 * US))
    return Trace(trace_id=tid, spans=spans)


def wide(tid: str, n: int) -> Trace:
    """One root, n children staggered by 1 us, each 5 us long; every 50th sticks out past the root."""
    kids = [_span(tid, f"k{i}", "r", i * US, i * US + (5 if i % 50 else 900) * US, SpanKind.CLIENT)
            for i in range(1, n + 1)]
    return Trace(trace_id=tid, spans=[_span(tid, "r", None, 0, (n + 3) * US, SpanKind.SERVER), *kids])


def expected(trace: Trace) -> dict[str, tuple]:
    """(self_ns, cp_ns, on_cp, depth) per span from graphtrace.analysis (the check's oracle)."""
    tree = build_tree(trace)
    cp = critical_path_times(critical_path(tree))
    on = on_path(tree)
    selfs = self_times(tree)
    return {sid: (selfs[sid], cp.get(sid, 0), sid in on, tree.depth(sid)) for sid in tree.spans}


def stored(store, tid: str) -> tuple[dict[str, tuple], dict]:
    records, _, _ = store.driver.execute_query(
        "MATCH (t:Trace {trace_id: $tid})-[:HAS_SPAN]->(s) "
        "RETURN properties(t) AS t, s.span_id AS sid, s.self_ns AS a, s.cp_ns AS b, s.on_cp AS c, s.depth AS d",
        tid=tid, database_=store.database)
    return {r["sid"]: (r["a"], r["b"], r["c"], r["d"]) for r in records}, records[0]["t"]


@pytest.fixture(scope="module")
def prefix() -> str:
    return f"gt-annotate-deep-{uuid.uuid4().hex[:8]}-"


@pytest.mark.parametrize("shape", ["chain", "boundary", "wide"])
def test_annotate_agrees_with_the_engine(store, prefix, shape):
    tid = prefix + shape
    trace = {"chain": lambda: skewed_chain(tid, 2000), "boundary": lambda: boundary_tree(tid),
             "wide": lambda: wide(tid, 3000)}[shape]()
    store([trace])  # ingest + annotate_traces
    got, props = stored(store, tid)
    want = expected(trace)
    assert {sid: v for sid, v in got.items() if v != want[sid]} == {}
    assert set(got) == set(want)
    assert props["annotated"] is True
    assert not {k for k in props if k.startswith("annotate_")}  # no pass state left behind


def test_the_boundary_tree_exercises_what_it_claims(prefix):
    """The oracle's own view of boundary_tree, derived by hand.

    m{i} is [i, 1000 - i] us, so the main line nests and is kept down to m149 (depth 149).  At m62 the
    walk starts at its end, 938 us: m63 and t62 both end at 937 us; the tie goes to the earlier start
    (t62 at 62 us, m63 at 63 us), and after t62 the limit is 62 us, so m63 (ending at 937) is not taken:
    the critical path leaves the main line at m62, and every span below m63 is off it (the "off"
    state crosses the 64-level boundaries).  x{d} starts at its parent's end: dropped with xx{d}.
    The CONSUMER child of the PRODUCER m100 is pruned with its child.
    """
    want = expected(boundary_tree(prefix + "b"))
    assert want["m149"][2:] == (False, 149) and want["m62"][2:] == (True, 62) and want["t62"][2] is True
    assert want["m63"][2] is False and want["t63"][2] is False and want["t127"][2:] == (False, 128)
    assert all(want[f"x{d}"][1:3] == (0, False) and want[f"xx{d}"][1:3] == (0, False) for d in (62, 63, 64))
    assert want["consumer"][1:3] == (0, False) and want["under-consumer"][3] == 102
    assert want["orphan"][2:] == (True, 0)


def test_one_run_of_a_deep_trace_leaves_it_unmarked(store, prefix):
    tid = prefix + "partial"
    trace = skewed_chain(tid, 200)
    store([trace])
    got, props = stored(store, tid)
    assert props["annotated"] is True
    # c_i is at depth i, its leaf l_i at depth i + 1.  A fresh run writes depths 0..63: c0..c63 (64)
    # and l0..l62 (63) = 127 spans, keeps c64 and l63 (depth 64) as the frontier, and unmarks the
    # trace: a half-annotated trace is never marked annotated.
    _, rows = run_recipe(store.driver, annotate_recipe(), {"trace_ids": [tid]}, database=store.database,
                         write=True)
    assert rows == [{"traces": 0, "spans": 127, "more": []}]
    _, props = stored(store, tid)
    assert props.get("annotated") is None and sorted(props["annotate_ids"]) == ["c64", "l63"]
    # Resumed runs: depths 64..127 and 128..191 (64 c + 64 l = 128 each), then 192..200: c192..c199
    # (8) and l191..l199 (9) = 17; 127 + 128 + 128 + 17 = 400 spans; the last run marks the trace.
    for expected_rows in ({"traces": 0, "spans": 128, "more": []}, {"traces": 0, "spans": 128, "more": []},
                          {"traces": 1, "spans": 17, "more": []}):
        _, rows = run_recipe(store.driver, annotate_recipe(), {"trace_ids": [tid], "resume": True},
                             database=store.database, write=True)
        assert rows == [expected_rows]
    got, props = stored(store, tid)
    assert props["annotated"] is True and got == expected(trace)


def test_a_pass_over_its_server_side_timeout_is_stopped_and_leaves_nothing_running(store, prefix):
    """One trace of 50,001 spans (a root and 50,000 children): each run of its first pass walks the
    root's 50,000 children (3.7 s for the first run, untimed, on a quiet machine), far over a 0.2 s
    timeout: Neo4j's transaction monitor checks every 2 s by default, so any run longer than 2.2 s is
    seen over its timeout and stopped.  (80,000 children kept the dying run's memory long enough for
    the clean-up's delete to find the transaction pool full.)  Many small traces would not do:
    since a pass runs in chunks and the walk got faster, their runs end before the monitor looks."""
    from graphtrace.errors import RecipeError
    from graphtrace.store.delete import delete_traces
    from graphtrace.store.ingest import ingest

    tids = [f"{prefix}timeout"]
    try:
        ingest(store.driver, [wide(tids[0], 50_000)], database=store.database)
        with pytest.raises(RecipeError, match="timed out"):
            annotate_traces(store.driver, tids, database=store.database, timeout_s=0.2)
        _nothing_left(store, tids)
    finally:
        delete_traces(store.driver, tids, database=store.database)


def _nothing_left(store, tids):
    records, _, _ = store.driver.execute_query(
        "SHOW TRANSACTIONS YIELD metaData WHERE metaData.recipe = 'annotate' RETURN count(*) AS n",
        database_=store.database)
    assert records[0]["n"] == 0
    records, _, _ = store.driver.execute_query(
        "UNWIND $ids AS id MATCH (t:Trace {trace_id: id}) RETURN count(t.annotated) AS n", ids=tids,
        database_=store.database)
    assert records[0]["n"] == 0  # the timed-out pass rolled back: nothing marked


@pytest.mark.parametrize("shape", ["chain", "boundary", "wide"])
def test_what_the_read_recipes_use_agrees_with_the_engine(store, prefix, shape):
    """The properties the per-trace read recipes read instead of walking the tree (docs/schema.md):
    the sanitised interval and kept flag, the sections each span owns on the critical path, and the
    pre-order key, against the engine's sanitize, critical_path and tree pre-order."""
    tid = prefix + "read-" + shape
    trace = {"chain": lambda: skewed_chain(tid, 300), "boundary": lambda: boundary_tree(tid),
             "wide": lambda: wide(tid, 3000)}[shape]()
    store([trace])
    records = assert_read_properties(store, trace)
    # pre_key: a span at depth d is written by run d // 64 and its key has d // 64 + 1 ints; the
    # deepest span is l299 at depth 300: 300 // 64 + 1 = 5 ints, never one per level
    if shape == "chain":
        assert max(len(r["pre"]) for r in records) == 5


def spaced(tid: str) -> Trace:
    """Root r [0, 100] us; k_i [2i, 2i + 1] us for i = 0..49 (a 1 us gap between neighbours); for every
    i % 5 == 0 also s_i [2i + 0.5, 2i + 1] us, ending with k_i; k_i of odd i has a leaf under it."""
    spans = [_span(tid, "r", None, 0, 100 * US, SpanKind.SERVER)]
    for i in range(50):
        spans.append(_span(tid, f"k{i}", "r", 2 * i * US, (2 * i + 1) * US, SpanKind.CLIENT))
        if i % 5 == 0:
            spans.append(_span(tid, f"s{i}", "r", 2 * i * US + 500, (2 * i + 1) * US, SpanKind.CLIENT))
        if i % 2:
            spans.append(_span(tid, f"l{i}", f"k{i}", 2 * i * US, 2 * i * US + 300))
    return Trace(trace_id=tid, spans=spans)


def test_the_walk_agrees_across_its_blocks_of_chosen_children(store, prefix):
    """The walk keeps the children it chooses in blocks of ``block`` (256; a list appended to once per
    choice overflowed the server's stack at 16,000 choices): with blocks of 7, 50 choices cross 7 block
    boundaries, and everything annotate writes still agrees with the engine."""
    tid = prefix + "blocks"
    trace = spaced(tid)
    store([trace])
    forget_annotation(store, [tid])
    done = annotate_traces(store.driver, [tid], database=store.database, block=7)
    assert done == {"traces": 1, "spans": 1 + 50 + 10 + 25}  # r, k0..k49, s0..s45, l1..l49 (odd)
    got, props = stored(store, tid)
    assert got == expected(trace) and props["annotated"] is True
    # By hand: from r's end (100 us) the walk takes k49 (ends 99 <= 100), then each k_{i-1}, which
    # ends at 2i - 1 < 2i = k_i's start; s_i ties with k_i on end and starts later, so k_i wins, and
    # s_i (ending at 2i + 1, not < 2i) is never taken: 50 choices.  r owns [99, 100] us and the 49
    # gaps [2i + 1, 2i + 2] us: 50 us.  An even k_i owns all of its 1 us; in an odd k_i the walk takes
    # the leaf (ends at 2i + 0.3 <= 2i + 1), so k_i owns [2i + 0.3, 2i + 1] = 700 ns and l_i 300 ns.
    on = {sid for sid, v in got.items() if v[2]}
    assert on == {"r"} | {f"k{i}" for i in range(50)} | {f"l{i}" for i in range(1, 50, 2)}
    assert got["r"][1] == 50 * US
    assert all(got[f"k{i}"][1] == (700 if i % 2 else US) for i in range(50))
    assert all(got[f"l{i}"][1] == 300 for i in range(1, 50, 2))


def assert_read_properties(store, trace: Trace) -> list:
    """The stored san_lo / san_hi / kept, cp_secs and pre_key of ``trace`` agree with the engine's
    sanitize, critical path and pre-order; returns the stored rows (in pre_key order)."""
    records, _, _ = store.driver.execute_query(
        "MATCH (:Trace {trace_id: $tid})-[:HAS_SPAN]->(s) RETURN s.span_id AS sid, s.san_lo AS lo, "
        "s.san_hi AS hi, s.kept AS kept, s.cp_secs AS secs, s.pre_key AS pre, s.annotate_prefix AS left "
        "ORDER BY s.pre_key", tid=trace.trace_id, database_=store.database)
    tree = build_tree(trace)
    san = sanitize(tree)
    want_secs: dict[str, list[tuple[int, int]]] = {}
    for sec in critical_path(tree):
        want_secs.setdefault(sec.span_id, []).append((sec.start_ns, sec.end_ns))
    on = on_path(tree)
    assert [r["sid"] for r in records] == tree.preorder()
    assert {r["sid"]: (r["lo"], r["hi"]) for r in records if r["kept"]} == san
    assert {r["sid"] for r in records if r["kept"] is False} == set(tree.spans) - set(san)
    got_secs = {r["sid"]: sorted(zip(r["secs"][::2], r["secs"][1::2], strict=True))
                for r in records if r["secs"]}
    assert got_secs == {sid: sorted(v) for sid, v in want_secs.items()}
    assert {r["sid"] for r in records if r["secs"] is not None} == on  # [] for 0 ns on the path
    assert all(r["left"] is None for r in records)  # no pass state left on the spans
    return records


@pytest.mark.parametrize("shape", ["spaced", "boundary", "two"])
def test_a_pass_written_in_chunks_agrees_with_the_engine(store, prefix, shape):
    """A pass written 7 rows at a time (one transaction each; the pre-order ranks of one pass are
    shared by its chunks): spaced has 86 rows in its one pass (13 chunks), boundary 3 passes with
    side branches at the boundaries, and "two" is a batch of both, one trace needing more chunks than
    the other (a trace is run again only while its pass has rows left)."""
    tid = f"{prefix}chunks-{shape}"
    traces = {"spaced": lambda: [spaced(tid)], "boundary": lambda: [boundary_tree(tid)],
              "two": lambda: [spaced(tid + "-a"), boundary_tree(tid + "-b")]}[shape]()
    store(traces)
    ids = [t.trace_id for t in traces]
    forget_annotation(store, ids)
    done = annotate_traces(store.driver, ids, database=store.database, block=7, chunk_rows=7)
    assert done == {"traces": len(traces), "spans": sum(len(t.spans) for t in traces)}
    for trace in traces:
        got, props = stored(store, trace.trace_id)
        assert got == expected(trace) and props["annotated"] is True
        assert not {k for k in props if k.startswith("annotate_")}
        assert_read_properties(store, trace)


def forget_annotation(store, ids: list[str]) -> None:
    """Remove what annotate wrote, so that a second run's values are its own."""
    store.driver.execute_query(
        "UNWIND $ids AS id MATCH (t:Trace {trace_id: id})-[:HAS_SPAN]->(s) "
        "REMOVE t.annotated, s.self_ns, s.cp_ns, s.on_cp, s.depth, s.san_lo, s.san_hi, s.kept, s.cp_secs, "
        "s.pre_key", ids=ids, database_=store.database)
