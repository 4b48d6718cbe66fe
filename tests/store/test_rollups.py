"""Per-minute rollups (issue #16 item 3), against a real Neo4j: answers within the sketch's stated error,
re-ingest and late pieces merge without double counting, deleted traces leave, Cypher = Python sketch.

Data: the five hand-built traces of tests/analysis/edge_scenario.py (the comments there derive every
call's duration, gap and critical-path status), t1..t4 shifted to minute M (T, minute-aligned) and t5
to minute M + 1 (T + 60 s).  Expected figures, from tests/analysis/test_edges.py's derivations:

* web -> cart "Cart/Get", all five traces: client durations t1 500, 300; t2 400; t4 200; t5 800 ->
  sorted 200 300 400 500 800, n = 5: p50 x = 2.5 -> index 2 -> 400; p95 x = 4.75 -> index 4 -> 800;
  gaps 100 20 300 20 700 -> sorted 20 20 100 300 700: p50 100, p95 700; calls 5, traces 4 (t1 twice),
  errors 1 (t1's s2), cp_traces 3 (t1 via c2, t2, t5; t4's c is off the path).
* the same edge in minute M only (t1..t4): durations 200 300 400 500, n = 4: p50 x = 2.0 whole ->
  index 1 -> 300; p95 x = 3.8 -> index 3 -> 500; gaps 20 20 100 300: p50 20, p95 300; calls 4,
  traces 3, errors 1, cp_traces 2.
* web -> payment "Pay/Charge": one call of 280 ns, gap 20, error (the client failed), on the path.
"""

from __future__ import annotations

import random

import pytest

from graphtrace.analysis.edges import percentile_disc
from graphtrace.analysis.rollup import Cell, add_cells, store_rows
from graphtrace.analysis.sketch import ALPHA, Sketch, bucket
from graphtrace.jobs.load import load_stream
from graphtrace.jobs.rollups import forget_traces, rebuild_rollups
from graphtrace.model import Trace
from graphtrace.recipes.catalog import get_recipe
from graphtrace.recipes.rollup_choice import pick
from graphtrace.recipes.run import run_recipe
from graphtrace.store.delete import delete_traces
from graphtrace.store.ingest import ingest
from graphtrace.store.rollups import apply_rollups
from tests.analysis.edge_scenario import scenario

T = 1733472000000000000  # 2024-12-06T08:00:00Z, a whole minute (1733472000 s = 28891200 min)
MIN = 60_000_000_000


def shifted() -> list[Trace]:
    """t1..t4 at T + their ns, t5 (5000..6000 ns) moved to T + 60 s + 5000 ns (minute M + 1)."""
    out = []
    for t in scenario():
        base = T + (MIN if t.trace_id == "t5" else 0)
        out.append(Trace(trace_id=t.trace_id, spans=[
            s.model_copy(update={"start_ns": base + s.start_ns, "end_ns": base + s.end_ns}) for s in t.spans]))
    return out


def load(driver, database, traces):
    return load_stream(driver, traces, database=database)


def rows(driver, database, name, **params):
    return run_recipe(driver, get_recipe(name), params, database=database)[1]


def near(got, want):
    """Within the sketch's stated error: ALPHA relative, plus the rounding to a whole ns."""
    return got is not None and abs(got - want) <= ALPHA * abs(want) + 0.5


def cells(driver, database):
    """Every rollup node's properties, by key (the state the tests compare)."""
    recs = driver.execute_query("MATCH (r:Rollup) RETURN r", database_=database).records
    return {r["r"]["rkey"]: dict(r["r"]) for r in recs}


def edge(rows_, callee):
    [row] = [r for r in rows_ if r["callee"] == callee]
    return row


def check_cart_all(row):
    assert (row["calls"], row["traces"], row["errors"], row["cp_traces"]) == (5, 4, 1, 3)
    assert near(row["p50_ns"], 400) and near(row["p95_ns"], 800) and near(row["p99_ns"], 800)
    assert near(row["gap_p50_ns"], 100) and near(row["gap_p95_ns"], 700)


@pytest.fixture
def db(clean_db, neo4j_settings):
    return clean_db, neo4j_settings.database


def test_slow_edges_rollup_within_the_stated_error(db):
    driver, database = db
    load(driver, database, shifted())
    check_cart_all(edge(rows(driver, database, "slow-edges-rollup"), "cart"))
    pay = edge(rows(driver, database, "slow-edges-rollup"), "payment")
    assert (pay["calls"], pay["traces"], pay["errors"], pay["cp_traces"]) == (1, 1, 1, 1)
    assert near(pay["p50_ns"], 280) and near(pay["gap_p50_ns"], 20)
    early = edge(rows(driver, database, "slow-edges-rollup", since_ns=T, until_ns=T + MIN), "cart")
    assert (early["calls"], early["traces"], early["errors"], early["cp_traces"]) == (4, 3, 1, 2)
    assert near(early["p50_ns"], 300) and near(early["p95_ns"], 500)
    assert near(early["gap_p50_ns"], 20) and near(early["gap_p95_ns"], 300)


def test_reingest_changes_no_count(db):
    driver, database = db
    load(driver, database, shifted())
    before = cells(driver, database)
    # every span once in the 'op' cells: 5 + 3 + 3 + 4 + 3 = 18
    assert sum(c["n"] for c in before.values() if c["kind"] == "op") == 18
    load(driver, database, shifted())
    load(driver, database, shifted()[:2])
    assert cells(driver, database) == before
    check_cart_all(edge(rows(driver, database, "slow-edges-rollup"), "cart"))


def test_late_piece_and_old_minute_merge(db):
    driver, database = db
    t1, t2, t3, t4, t5 = shifted()
    servers = {"s1", "s2"}
    first = Trace(trace_id="t1", spans=[s for s in t1.spans if s.span_id not in servers])
    late = Trace(trace_id="t1", spans=[s for s in t1.spans if s.span_id in servers])
    load(driver, database, [t5])            # minute M + 1 first
    load(driver, database, [first, t2, t3, t4])   # then the older minute M, t1 without its servers
    partial = edge(rows(driver, database, "slow-edges-rollup"), "cart")
    assert (partial["calls"], partial["traces"]) == (3, 3)   # t2, t4, t5: t1's clients have no server yet
    load(driver, database, [late])          # t1's server spans arrive late
    check_cart_all(edge(rows(driver, database, "slow-edges-rollup"), "cart"))
    assert sum(c["n"] for c in cells(driver, database).values() if c["kind"] == "op") == 18
    merged = cells(driver, database)
    rebuild_rollups(driver, database=database)   # from the stored spans: the same cells
    assert cells(driver, database) == merged


def test_deleted_trace_leaves_the_rollups(db):
    driver, database = db
    load(driver, database, shifted())
    assert forget_traces(driver, ["t3"], database=database) == 1
    delete_traces(driver, ["t3"], database=database)
    got = rows(driver, database, "slow-edges-rollup")
    assert [r["callee"] for r in got] == ["cart"]
    check_cart_all(got[0])
    assert not [c for c in cells(driver, database).values() if c["service"] == "payment"]
    assert forget_traces(driver, ["t3"], database=database) == 0   # gone already: nothing taken twice


def test_hotspots_rollup_hand_figures(db):
    """Critical-path time per service (tests/recipes/cross_trace_data.py derives every span's):
    web = t1 (r 700 + c2 20) + t2 (100 + 300) + t3 (20 + 20) + t4 (r 200 + x 800) + t5 (200 + 700) = 3060,
    10 spans, 5 traces, largest 800; cart = 280 + 100 + 100 = 480 (t1, t2, t5); payment 260 (t3).
    Total 3800."""
    driver, database = db
    load(driver, database, shifted())
    got = {r["service"]: r for r in rows(driver, database, "critical-path-hotspots-rollup", group_by="service")}
    web, cart, pay = got["web"], got["cart"], got["payment"]
    assert (web["cp_ns"], web["spans"], web["traces"], web["share"]) == (3060, 10, 5, 3060 / 3800)
    assert (cart["cp_ns"], cart["traces"], pay["cp_ns"]) == (480, 3, 260)
    assert near(web["max_cp_ns"], 800) and near(cart["max_cp_ns"], 280)
    only_m = {r["service"]: r["cp_ns"] for r in rows(driver, database, "critical-path-hotspots-rollup",
                                                      group_by="service", until_ns=T + MIN)}
    assert only_m == {"web": 3060 - 900, "cart": 480 - 100, "payment": 260}   # t5 is in minute M + 1


def test_compare_windows_rollup(db):
    """web -> cart: A = minute M (t1..t4: p50 300, p95 500), B = minute M + 1 (t5: 800)."""
    driver, database = db
    load(driver, database, shifted())
    got = rows(driver, database, "compare-windows-rollup", kind="edge", a_since_ns=T, a_until_ns=T + MIN,
               b_since_ns=T + MIN, b_until_ns=T + 2 * MIN, min_calls=1)
    [row] = got
    assert (row["service"], row["callee"], row["a_calls"], row["b_calls"]) == ("web", "cart", 4, 1)
    assert near(row["a_p50_ns"], 300) and near(row["a_p95_ns"], 500) and near(row["b_p95_ns"], 800)
    svc = rows(driver, database, "compare-windows-rollup", kind="service", a_until_ns=T + MIN,
               b_since_ns=T + MIN, min_calls=1)
    # entry spans: web's roots (one per trace: 4 in A, 1 in B) and cart's servers (t5's in B)
    assert {(r["service"], r["a_calls"], r["b_calls"]) for r in svc} == {("web", 4, 1), ("cart", 4, 1)}


def test_cypher_quantiles_equal_the_python_sketch(db):
    """Random durations and gaps (negative and 0 included) spread over cells of 3 minutes; the recipe's
    merged-bucket percentiles must equal Sketch.quantile, and both be within ALPHA of percentileDisc."""
    driver, database = db
    rng = random.Random(16)
    for n in (1, 2, 7, 100, 1000):
        driver.execute_query("MATCH (r:Rollup) DELETE r", database_=database)
        durs = [rng.choice([0, rng.randrange(1, 10**10), rng.randrange(1, 5000)]) for _ in range(n)]
        gaps = [rng.randrange(-10**6, 10**6) for _ in range(n)]
        total: dict = {}
        for i, (d, g) in enumerate(zip(durs, gaps)):
            cell = Cell()
            cell.time(d)
            cell.g[bucket(g)] = 1
            cell.traces = 1
            add_cells(total, {("edge", i % 3, "a", "b", "op"): cell})
        apply_rollups(driver, store_rows(total), database=database)
        [row] = rows(driver, database, "slow-edges-rollup")
        assert row["calls"] == n
        for q, col in ((0.5, "p50_ns"), (0.95, "p95_ns"), (0.99, "p99_ns")):
            assert row[col] == Sketch.of(durs).quantile(q)
            assert row["gap_" + col] == Sketch.of(gaps).quantile(q)
            assert near(row[col], percentile_disc(durs, q)) and near(row["gap_" + col], percentile_disc(gaps, q))


def test_exact_when_the_rollups_do_not_cover_the_store(db):
    driver, database = db
    slow = get_recipe("slow-edges")
    assert slow.rollup == "slow-edges-rollup"
    same = [(p.name, p.type, p.default, p.choices) for p in slow.params]
    assert [(p.name, p.type, p.default, p.choices) for p in get_recipe("slow-edges-rollup").params] == same
    assert [c.name for c in get_recipe("slow-edges-rollup").columns] == [c.name for c in slow.columns]
    load(driver, database, shifted()[:2])
    assert pick(driver, slow, exact=False, database=database)[0].name == "slow-edges-rollup"
    assert pick(driver, slow, exact=True, database=database) == (slow, None)
    ingest(driver, shifted()[2:3], database=database)   # written without the rollup step
    chosen, note = pick(driver, slow, exact=False, database=database)
    assert chosen.name == "slow-edges" and "not in the rollups" in note


def test_check_rollups_agrees_then_catches_a_wrong_cell(db):
    from graphtrace.jobs.check_rollups import check_rollups

    driver, database = db
    load(driver, database, shifted())
    clean = check_rollups(driver, database=database)
    assert clean.problems == [] and clean.rows > 20
    driver.execute_query("MATCH (r:Rollup {kind: 'edge', callee: 'payment'}) SET r.n = r.n + 1", database_=database)
    assert [p for p in check_rollups(driver, database=database).problems if "calls" in p["quantity"]] == [
        {"quantity": "rollups: slow-edges web -> payment -> Pay/Charge: calls", "neo4j": 2, "networkx": 1}]


def test_ingest_rolled_up_merges_a_late_piece(db):
    """The writer for paths other than the load job (serve): t1 without its servers, then the servers."""
    from graphtrace.jobs.rollups import ingest_rolled_up

    driver, database = db
    t1, *others = shifted()
    servers = {"s1", "s2"}
    ingest_rolled_up(driver, [Trace(trace_id="t1", spans=[s for s in t1.spans if s.span_id not in servers]),
                              *others], database=database)
    ingest_rolled_up(driver, [Trace(trace_id="t1", spans=[s for s in t1.spans if s.span_id in servers])],
                     database=database)
    got = edge(rows(driver, database, "slow-edges-rollup"), "cart")
    assert (got["calls"], got["traces"], got["errors"]) == (5, 4, 1)   # cp_traces needs no annotate: computed
    assert near(got["p50_ns"], 400) and near(got["gap_p95_ns"], 700)


def test_cli_answers_from_the_rollups_unless_exact(db, neo4j_settings):
    """A window that does not start on a whole minute shows which answered: since = T + 1 ns.  The span
    scan counts every web -> cart call starting at or after it (t1's two, t2's, t4's, t5's: 5); the
    rollups count the minutes that start in the window, so minute M (starting at T) is out: t5's 1."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    driver, database = db
    load(driver, database, shifted())
    env = {**os.environ, "NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user,
           "NEO4J_PASSWORD": neo4j_settings.password.get_secret_value(), "NEO4J_DATABASE": database}

    def calls(*extra):
        out = subprocess.run([str(Path(sys.executable).parent / "graphtrace"), "recipe", "run", "slow-edges",
                              "-p", "since_ns", str(T + 1), "--format", "json", *extra],
                             env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return {r["callee"]: r["calls"] for r in json.loads(out.stdout)}

    assert calls() == {"cart": 1}
    assert calls("--exact") == {"cart": 5, "payment": 1}


def test_graphtrace_check_all_compares_the_rollups(db):
    from graphtrace.jobs.check import check_traces

    driver, database = db
    load(driver, database, shifted())
    assert check_traces(driver, database=database).ok
    driver.execute_query("MATCH (r:Rollup {kind: 'cp_svc', service: 'payment'}) SET r.sum_ns = 1", database_=database)
    [bad] = check_traces(driver, database=database).disagreements
    # t3's payment server owns 260 ns of its critical path (tests/recipes/cross_trace_data.py)
    assert (bad.quantity, bad.neo4j, bad.networkx) == ("rollups: critical-path-hotspots payment: cp_ns", 1, 260)
