"""The per-trace recipes (call-tree, self-time, critical-path, bottlenecks) and the annotate
maintenance recipe on hand-made traces, with every expected value derived by hand below.

The traces are written with plain Cypher (tests/recipes/span_graph.py) under distinctive ids
and removed afterwards; the shared dev server is never wiped."""

from __future__ import annotations

import uuid
from fractions import Fraction

import pytest

from graphtrace.recipes.catalog import builtin_dir
from graphtrace.recipes.catalog import load_recipe
from graphtrace.recipes.annotate import annotate_traces
from graphtrace.recipes.run import run_recipe

from span_graph import delete_traces, span, write_spans

RUN = uuid.uuid4().hex[:8]


def tid(name: str) -> str:
    return f"gt6a-{RUN}-{name}"


# --- the traces ---------------------------------------------------------------------------------
# MIXED: A [0,100] SERVER with B [10,40] CLIENT (C [15,35] SERVER below it), D [30,90] (E [50,120]
# below it, overflowing D and A), F [95,100]; G [5,7] names a parent "zz" that is absent: an orphan root.
MIXED = [("A", None, 0, 100, "SERVER"), ("B", "A", 10, 40, "CLIENT"), ("C", "B", 15, 35, "SERVER"),
         ("D", "A", 30, 90, "INTERNAL"), ("E", "D", 50, 120, "INTERNAL"), ("F", "A", 95, 100, "INTERNAL"),
         ("G", "zz", 5, 7, "INTERNAL")]
# TIES: R [0,10]; X [0,10] and Y [2,10] both end at R.end; Z [0,4].
TIES = [("R", None, 0, 10, "SERVER"), ("X", "R", 0, 10, "INTERNAL"), ("Y", "R", 2, 10, "INTERNAL"),
        ("Z", "R", 0, 4, "INTERNAL")]
# PRODCONS: P [0,100] PRODUCER; Q [10,200] CONSUMER under P (pruned) with Q1 [20,30];
# W [100,150] starts at P's end (dropped) with W1 [110,120]; V [40,60].
PRODCONS = [("P", None, 0, 100, "PRODUCER"), ("Q", "P", 10, 200, "CONSUMER"), ("Q1", "Q", 20, 30, "INTERNAL"),
            ("W", "P", 100, 150, "INTERNAL"), ("W1", "W", 110, 120, "INTERNAL"), ("V", "P", 40, 60, "INTERNAL")]
# SKEW: R [100,200]; S [50,150] starts before R (clipped to [100,150]); T [60,120] under S
# (clipped to [100,120]); U [40,90] under S ends before S's *sanitised* start 100: dropped.
SKEW = [("R", None, 100, 200, "SERVER"), ("S", "R", 50, 150, "SERVER"), ("T", "S", 60, 120, "INTERNAL"),
        ("U", "S", 40, 90, "INTERNAL")]
# STRICT: R [0,100]; A [50,100]; B [20,50] ends exactly at the limit 50 (strict <: skipped); C [10,30].
STRICT = [("R", None, 0, 100, "SERVER"), ("A", "R", 50, 100, "INTERNAL"), ("B", "R", 20, 50, "INTERNAL"),
          ("C", "R", 10, 30, "INTERNAL")]
TRACES = {"mixed": MIXED, "ties": TIES, "prodcons": PRODCONS, "skew": SKEW, "strict": STRICT}

# --- expected, by hand ----------------------------------------------------------------------------
# Walks (children sorted by end desc, start asc, id; first step <= S.end, later steps < t):
# MIXED  A: F(100<=100) -> [100,100] empty, t=95; D(90<95) -> A [90,95], t=30; B(40<30? no); A [0,30].
#        D: E clipped [50,90] -> [90,90] empty, t=50; D [30,50].  E: [50,90].  F: [95,100].  G: [5,7].
# TIES   R: X(10<=10) -> empty, t=0; Y(10<0? no); Z(4<0? no); R [0,0] empty.  X: [0,10].
# PRODCONS P: kept kids V only (Q pruned, W dropped): V -> P [60,100], t=40; P [0,40].  V: [40,60].
# SKEW   R: S [100,150] -> R [150,200], t=100; R [100,100] empty.  S: T [100,120] -> S [120,150];
#        S [100,100] empty.  T: [100,120].
# STRICT R: A -> empty, t=50; B (50<50? no); C (30<50) -> R [30,50], t=10; R [0,10].  A: [50,100]. C: [10,30].
SECTIONS = {
    "mixed": [("A", 0, 30), ("G", 5, 7), ("D", 30, 50), ("E", 50, 90), ("A", 90, 95), ("F", 95, 100)],
    "ties": [("X", 0, 10)],
    "prodcons": [("P", 0, 40), ("V", 40, 60), ("P", 60, 100)],
    "skew": [("T", 100, 120), ("S", 120, 150), ("R", 150, 200)],
    "strict": [("R", 0, 10), ("C", 10, 30), ("R", 30, 50), ("A", 50, 100)],
}
# Self time = duration - union(children clipped to the span), raw spans, every child:
# MIXED A: B[10,40]+D[30,90]=[10,90] 80, F 5 -> 100-85=15; B: C 20 -> 10; D: E->[50,90] 40 -> 20.
# TIES R: X covers [0,10] -> 0.  PRODCONS P: Q->[10,100], W->[100,100] empty, V inside -> 100-90=10;
# Q: Q1 10 -> 190-10=180; W: W1 10 -> 40.  SKEW R: S->[100,150] 50 -> 50; S: T[60,120]+U[50,90]
# = [50,120] 70 -> 100-70=30.  STRICT R: A+B+C = [10,100] 90 -> 10.
SELF = {
    "mixed": {"A": 15, "B": 10, "C": 20, "D": 20, "E": 70, "F": 5, "G": 2},
    "ties": {"R": 0, "X": 10, "Y": 8, "Z": 4},
    "prodcons": {"P": 10, "Q": 180, "Q1": 10, "W": 40, "W1": 10, "V": 20},
    "skew": {"R": 50, "S": 30, "T": 60, "U": 50},
    "strict": {"R": 10, "A": 50, "B": 30, "C": 20},
}
# On the path: reached by the walk (R in TIES owns 0 ns but is a root, so reached).
ON_CP = {"mixed": {"A", "D", "E", "F", "G"}, "ties": {"R", "X"}, "prodcons": {"P", "V"},
         "skew": {"R", "S", "T"}, "strict": {"R", "A", "C"}}
# Pre-order: roots then children, each by (start, end, id).
# TIES: Z (0,4) < X (0,10) < Y (2,10); SKEW: U starts at 40, before T at 60.
PREORDER = {"mixed": ["A", "B", "C", "D", "E", "F", "G"], "ties": ["R", "Z", "X", "Y"],
            "prodcons": ["P", "Q", "Q1", "V", "W", "W1"], "skew": ["R", "S", "U", "T"],
            "strict": ["R", "C", "B", "A"]}
DEPTH = {"mixed": {"A": 0, "B": 1, "C": 2, "D": 1, "E": 2, "F": 1, "G": 0},
         "ties": {"R": 0, "X": 1, "Y": 1, "Z": 1},
         "prodcons": {"P": 0, "Q": 1, "Q1": 2, "W": 1, "W1": 2, "V": 1},
         "skew": {"R": 0, "S": 1, "T": 2, "U": 2}, "strict": {"R": 0, "A": 1, "B": 1, "C": 1}}
# Trace duration for the bottleneck share = latest end - earliest start:
# MIXED 120-0, TIES 10, PRODCONS 200-0, SKEW 200-40, STRICT 100.
TRACE_NS = {"mixed": 120, "ties": 10, "prodcons": 200, "skew": 160, "strict": 100}


def cp_ns(name: str) -> dict[str, int]:
    out = {sid: 0 for sid, *_ in TRACES[name]}
    for sid, lo, hi in SECTIONS[name]:
        out[sid] += hi - lo
    return out


DATABASE = "neo4j"  # replaced by the fixture with the test server's database


@pytest.fixture(scope="module")
def driver(neo4j_driver, neo4j_settings):
    global DATABASE
    DATABASE = database = neo4j_settings.database
    rows = [span(tid(name), sid, parent, lo, hi, service=f"svc-{sid.lower()}", kind=kind)
            for name, spans in TRACES.items() for sid, parent, lo, hi, kind in spans]
    write_spans(neo4j_driver, rows, database=database)
    annotate_traces(neo4j_driver, [tid(name) for name in TRACES], database=database)  # as ingest does
    yield neo4j_driver
    delete_traces(neo4j_driver, [tid(name) for name in TRACES], database=database)


def run(driver, recipe: str, **params):
    r = load_recipe(builtin_dir() / f"{recipe}.cypher")
    columns, rows = run_recipe(driver, r, params, database=DATABASE)
    assert columns == [c.name for c in r.columns], "returned columns must be the declared ones"
    return rows


@pytest.mark.parametrize("name", TRACES)
def test_critical_path_sections(driver, name):
    rows = run(driver, "critical-path", trace_id=tid(name))
    assert [(r["span_id"], r["start_ns"], r["end_ns"]) for r in rows] == SECTIONS[name]
    assert all(r["duration_ns"] == r["end_ns"] - r["start_ns"] > 0 for r in rows)
    assert all(r["service"] == f"svc-{r['span_id'].lower()}" for r in rows)


@pytest.mark.parametrize("name", TRACES)
def test_call_tree(driver, name):
    rows = run(driver, "call-tree", trace_id=tid(name))
    assert [r["span_id"] for r in rows] == PREORDER[name]
    assert {r["span_id"]: r["depth"] for r in rows} == DEPTH[name]
    assert {r["span_id"]: r["self_ns"] for r in rows} == SELF[name]
    assert {r["span_id"]: r["cp_ns"] for r in rows} == cp_ns(name)
    assert {r["span_id"] for r in rows if r["on_cp"]} == ON_CP[name]


@pytest.mark.parametrize("name", TRACES)
def test_self_time(driver, name):
    rows = run(driver, "self-time", trace_id=tid(name))
    durations = {sid: hi - lo for sid, _, lo, hi, _ in TRACES[name]}
    expected = sorted(SELF[name].items(), key=lambda kv: (-kv[1], kv[0]))
    assert [(r["span_id"], r["self_ns"]) for r in rows] == expected
    for r in rows:
        assert r["children_ns"] == durations[r["span_id"]] - SELF[name][r["span_id"]]
    assert len(run(driver, "self-time", trace_id=tid(name), limit=2)) == 2


@pytest.mark.parametrize("name", TRACES)
def test_bottlenecks(driver, name):
    rows = run(driver, "bottlenecks", trace_id=tid(name), limit=100)
    expected = sorted(((s, ns) for s, ns in cp_ns(name).items() if ns > 0), key=lambda kv: (-kv[1], kv[0]))
    assert [(r["span_id"], r["cp_ns"]) for r in rows] == expected
    for r in rows:
        assert Fraction(r["share"]).limit_denominator(10**6) == Fraction(r["cp_ns"], TRACE_NS[name])
        assert r["self_ns"] == SELF[name][r["span_id"]]
    assert [r["span_id"] for r in run(driver, "bottlenecks", trace_id=tid(name))] == [s for s, _ in expected][:5]


def test_mixed_bottleneck_shares_by_hand(driver):
    rows = run(driver, "bottlenecks", trace_id=tid("mixed"), limit=2)
    # E owns 40 of 120 ns, A 35 of 120 ns
    assert [(r["span_id"], round(r["share"], 6)) for r in rows] == [("E", 0.333333), ("A", 0.291667)]


def test_unknown_trace_gives_no_rows(driver):
    for recipe in ("call-tree", "critical-path", "self-time", "bottlenecks"):
        assert run(driver, recipe, trace_id=tid("absent")) == []


def test_annotate_writes_the_same_numbers(driver):
    names = list(TRACES)
    r = load_recipe(builtin_dir() / "annotate.cypher")
    _, rows = run_recipe(driver, r, {"trace_ids": [tid(n) for n in names] + [tid("absent")]},
                         database=DATABASE, write=True)
    # every trace here is far under 64 levels and 25,000 rows: one run finishes all, none is left in `more`
    assert rows == [{"traces": len(names), "spans": sum(len(TRACES[n]) for n in names), "more": []}]
    records, _, _ = driver.execute_query(
        "UNWIND $ids AS id MATCH (t:Trace {trace_id: id})-[:HAS_SPAN]->(s) "
        "RETURN id, t.annotated AS annotated, s.span_id AS sid, s.self_ns AS self_ns, s.cp_ns AS cp_ns, "
        "s.on_cp AS on_cp, s.depth AS depth", ids=[tid(n) for n in names], database_=DATABASE)
    for name in names:
        got = [rec for rec in records if rec["id"] == tid(name)]
        assert all(rec["annotated"] is True for rec in got)
        assert {rec["sid"]: rec["self_ns"] for rec in got} == SELF[name]
        assert {rec["sid"]: rec["cp_ns"] for rec in got} == cp_ns(name)
        assert {rec["sid"] for rec in got if rec["on_cp"]} == ON_CP[name]
        assert {rec["sid"]: rec["depth"] for rec in got} == DEPTH[name]


def _cli(neo4j_settings, *args: str):
    import subprocess
    import sys
    from pathlib import Path

    conn = ["--uri", neo4j_settings.uri, "--user", neo4j_settings.user,
            "--password", neo4j_settings.password.get_secret_value(), "--database", neo4j_settings.database]
    return subprocess.run([str(Path(sys.executable).with_name("graphtrace")), *args, *conn],
                          capture_output=True, text=True, timeout=120)


def test_cli_recipe_run(driver, neo4j_settings):
    import json

    proc = _cli(neo4j_settings, "recipe", "run", "critical-path", "-p", "trace_id", tid("strict"), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert [(r["span_id"], r["start_ns"], r["end_ns"]) for r in json.loads(proc.stdout)] == SECTIONS["strict"]
    csv_out = _cli(neo4j_settings, "recipe", "run", "bottlenecks", "-p", f"trace_id={tid('strict')}",
                   "-p", "limit", "1", "--format", "csv")
    # STRICT: A owns 50 of 100 ns, the most
    assert csv_out.stdout.splitlines() == ["span_id,service,name,self_ns,cp_ns,share", "A,svc-a,A,50,50,0.5"]
    bad = _cli(neo4j_settings, "recipe", "run", "critical-path", "-p", "trace", "x")
    assert bad.returncode == 2 and bad.stderr.startswith("Error: ") and "valid parameters: trace_id" in bad.stderr
    refused = _cli(neo4j_settings, "recipe", "run", "annotate", "-p", "trace_ids", tid("strict"))
    assert refused.returncode == 2 and "--write" in refused.stderr
    assert "Traceback" not in bad.stderr + refused.stderr
