"""Recipes on traces without span kinds (issue #10, items 5 and 7), against a real Neo4j.

The data: tests/fixtures/readers/nokind_checkout.ndjson and nokind_mixed.ndjson, described (with the
remote calls derived by hand) in tests/analysis/test_inferred_calls.py.  Times below are ms after
T = 1733472000000000000 ns (trace 1 at T, trace 2 at T + 1000 ms, the mixed trace at T + 5000 ms).

Each test empties the database (``clean_db``): slow-edges and compare-windows answer for all of it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from graphtrace.jobs.check import check_traces
from graphtrace.model import Span, Trace
from graphtrace.readers import read_traces
from graphtrace.recipes.annotate import annotate_traces
from graphtrace.recipes.catalog import get_recipe
from graphtrace.recipes.emptiness import NO_REMOTE_CALLS, NO_TRACES, why_no_rows
from graphtrace.recipes.run import run_recipe
from graphtrace.store.ingest import ingest
from graphtrace.store.schema import init_schema

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readers"
CHECKOUT, MIXED = FIXTURES / "nokind_checkout.ndjson", FIXTURES / "nokind_mixed.ndjson"
MS = 1_000_000
T = 1733472000000000000
T1, T2, T3 = "5b8efff798038103d269b633813fc60c", "00000000000000004bf92f3577b34da6", "7c2a9e0d3b1f4a5e8d6c0b9a1e2f3d4c"


def load(driver, database: str, *paths: Path) -> list[str]:
    init_schema(driver, database=database)
    traces = list(read_traces([str(p) for p in paths]))
    ingest(driver, traces, database=database)
    ids = [t.trace_id for t in traces]
    annotate_traces(driver, ids, database=database)
    return ids


def run(driver, database: str, name: str, **params) -> list[dict]:
    return run_recipe(driver, get_recipe(name, ()), params, database=database)[1]


def pick(rows: list[dict], *cols: str) -> list[tuple]:
    return [tuple(r[c] for c in cols) for r in rows]


EDGE_COLS = ("caller", "callee", "operation", "calls", "traces", "p50_ns", "p95_ns", "p99_ns", "gap_p50_ns",
             "gap_p95_ns", "gap_p99_ns", "errors", "error_rate", "cp_traces", "cp_share", "inferred_calls",
             "unknown_gaps")


def test_slow_edges_on_kindless_data(clean_db, neo4j_settings):
    db = neo4j_settings.database
    load(clean_db, db, CHECKOUT, MIXED)
    # Derivation of the three checkout edges: tests/analysis/test_inferred_calls.py::test_edge_stats_on_kindless_traces.
    # Mixed trace: gateway -> cart GET /cart is the real pair (client Y 40 ms, gap 10 ms); cart -> redis HGET is
    # inferred (parent Z2 18 ms, its only child: gap 8 ms).  Both parents are reached by the critical-path walk
    # (X's last-finishing child is Y; in Z the walk goes V [34,38], then P [31,33], then Z2 [12,30]).
    # Ordered by p95 desc: 100, 80 (commit < reserve), 80, 40, 18 ms.
    assert pick(run(clean_db, db, "slow-edges"), *EDGE_COLS) == [
        ("gateway", "orders", "orders.place", 2, 2, 60 * MS, 100 * MS, 100 * MS, 10 * MS, 20 * MS, 20 * MS,
         0, 0.0, 2, 1.0, 2, 0),
        ("orders", "stock", "stock.commit", 1, 1, 80 * MS, 80 * MS, 80 * MS, None, None, None, 1, 1.0, 1, 1.0, 1, 1),
        ("orders", "stock", "stock.reserve", 2, 2, 50 * MS, 80 * MS, 80 * MS, 48 * MS, 48 * MS, 48 * MS,
         0, 0.0, 2, 1.0, 2, 1),
        ("gateway", "cart", "GET /cart", 1, 1, 40 * MS, 40 * MS, 40 * MS, 10 * MS, 10 * MS, 10 * MS, 0, 0.0, 1, 1.0, 0, 0),
        ("cart", "redis", "HGET", 1, 1, 18 * MS, 18 * MS, 18 * MS, 8 * MS, 8 * MS, 8 * MS, 0, 0.0, 1, 1.0, 1, 0),
    ]
    # by the median gap: 48 (reserve), 10 (gateway->orders: [10, 20] -> index 0), 10 (gateway->cart), 8, then
    # stock.commit, which has no known gap, last; the 10 ms tie goes by caller, callee: gateway/cart < gateway/orders
    assert [r["operation"] for r in run(clean_db, db, "slow-edges", order_by="gap_p50_ns")] == [
        "stock.reserve", "GET /cart", "orders.place", "HGET", "stock.commit"]
    assert [r["operation"] for r in run(clean_db, db, "slow-edges", order_by="inferred_calls", limit=2)] == [
        "orders.place", "stock.reserve"]  # 2 each, tie by caller: gateway < orders


def test_compare_windows_edges_on_kindless_data(clean_db, neo4j_settings):
    db = neo4j_settings.database
    load(clean_db, db, CHECKOUT, MIXED)
    cut = T + 500 * MS  # A: trace 1 (calls start at T, T + 10 ms); B: trace 2 and the mixed trace
    rows = run(clean_db, db, "compare-windows", kind="edge", a_until_ns=cut, b_since_ns=cut, min_calls=1)
    # stock.commit is only in A and the mixed trace's two edges only in B: left out (min 1 call in each).
    # reserve: A [B's 80 ms], B [B' 50 ms] -> delta -30 ms, ratio 50/80; orders.place: A 100, B 60 -> -40 ms, 0.6.
    # Ranked by delta_p95 desc: -30 before -40.
    assert pick(rows, "kind", "service", "callee", "operation", "a_calls", "a_p50_ns", "a_p95_ns", "b_calls",
                "b_p50_ns", "b_p95_ns", "delta_p50_ns", "delta_p95_ns", "ratio_p50", "ratio_p95",
                "inferred_calls") == [
        ("edge", "orders", "stock", "stock.reserve", 1, 80 * MS, 80 * MS, 1, 50 * MS, 50 * MS, -30 * MS, -30 * MS,
         0.625, 0.625, 2),
        ("edge", "gateway", "orders", "orders.place", 1, 100 * MS, 100 * MS, 1, 60 * MS, 60 * MS, -40 * MS, -40 * MS,
         0.6, 0.6, 2),
    ]
    ops = run(clean_db, db, "compare-windows", kind="operation", a_until_ns=cut, b_since_ns=cut, min_calls=1)
    assert ops and all(r["inferred_calls"] is None for r in ops)


GAP_COLS = ("trace_id", "client_span_id", "server_span_id", "caller", "callee", "operation", "client_ns",
            "server_ns", "gap_ns", "before_ns", "after_ns", "ratio", "inferred")


def test_client_server_gaps_on_kindless_data(clean_db, neo4j_settings):
    db = neo4j_settings.database
    load(clean_db, db, CHECKOUT, MIXED)
    b2c = (T2, "b000000000000002", "c000000000000003", "orders", "stock", "stock.reserve", 50 * MS, 2 * MS,
           48 * MS, 5 * MS, 43 * MS, 25.0, True)
    # defaults (gap >= 10 ms and ratio >= 5): only B' -> C1' (48 ms, 25x); the pair Y -> Z has ratio 40/30
    assert pick(run(clean_db, db, "client-server-gaps"), *GAP_COLS) == [b2c]
    a2b = (T1, "a000000000000001", "b000000000000001", "gateway", "orders", "orders.place", 100 * MS, 80 * MS,
           20 * MS, 10 * MS, 10 * MS, 1.25, True)
    a2b2 = (T2, "a000000000000002", "b000000000000002", "gateway", "orders", "orders.place", 60 * MS, 50 * MS,
            10 * MS, 5 * MS, 5 * MS, 1.2, True)
    y2z = (T3, "e000000000000002", "f000000000000001", "gateway", "cart", "GET /cart", 40 * MS, 30 * MS,
           10 * MS, 5 * MS, 5 * MS, 40 / 30, False)
    z2w = (T3, "f000000000000002", "0a00000000000001", "cart", "redis", "HGET", 18 * MS, 10 * MS,
           8 * MS, 3 * MS, 5 * MS, 1.8, True)
    # gap >= 10 ms alone: 48, 20, then the 10 ms tie by trace id (T2 < T3); unknown gaps never pass a bound
    assert pick(run(clean_db, db, "client-server-gaps", min_ratio=None), *GAP_COLS) == [b2c, a2b, a2b2, y2z]
    # no bound at all: every call, the two with an unknown gap last (B -> C1, B -> C2)
    unknown = [(T1, "b000000000000001", c, "orders", "stock", op, 80 * MS, s, None, None, None, None, True)
               for c, op, s in (("c000000000000001", "stock.reserve", 20 * MS),
                                ("c000000000000002", "stock.commit", 40 * MS))]
    assert pick(run(clean_db, db, "client-server-gaps", min_ratio=None, min_gap_ms=None), *GAP_COLS) == [
        b2c, a2b, a2b2, y2z, z2w, *unknown]
    # ratio >= 5 alone: an unknown gap (null ratio) is not "a 0 ns server": it does not pass
    assert pick(run(clean_db, db, "client-server-gaps", min_gap_ms=None), *GAP_COLS) == [b2c]


def test_check_agrees_on_kindless_data(clean_db, neo4j_settings):
    db = neo4j_settings.database
    ids = load(clean_db, db, CHECKOUT, MIXED)
    report = check_traces(clean_db, database=db)
    assert report.traces_checked == len(ids) == 3
    assert report.disagreements == []
    assert report.edges_checked == 5


def test_why_no_rows(clean_db, neo4j_settings):
    db = neo4j_settings.database
    init_schema(clean_db, database=db)
    slow = get_recipe("slow-edges", ())
    assert why_no_rows(clean_db, slow, {}, database=db).reason == NO_TRACES
    # one service only, no kinds: spans but no remote call of either sort
    one = Trace(trace_id="aa" * 16, spans=[
        Span(trace_id="aa" * 16, span_id="01" * 8, service="solo", name="main", start_ns=T, end_ns=T + 9),
        Span(trace_id="aa" * 16, span_id="02" * 8, parent_span_id="01" * 8, service="solo", name="work",
             start_ns=T + 1, end_ns=T + 5)])
    ingest(clean_db, [one], database=db)
    assert run(clean_db, db, "slow-edges") == []
    assert why_no_rows(clean_db, slow, {}, database=db).reason == NO_REMOTE_CALLS
    assert why_no_rows(clean_db, get_recipe("client-server-gaps", ()), {}, database=db).reason == NO_REMOTE_CALLS
    windows = get_recipe("compare-windows", ())
    assert why_no_rows(clean_db, windows, {"kind": "edge"}, database=db).reason == NO_REMOTE_CALLS
    assert why_no_rows(clean_db, windows, {"kind": "operation"}, database=db) is None  # needs no call
    missing = why_no_rows(clean_db, get_recipe("call-tree", ()), {"trace_id": "bb" * 16}, database=db)
    assert (missing.reason, missing.not_found) == (f"trace {'bb' * 16} not found", True)
    assert why_no_rows(clean_db, get_recipe("call-tree", ()), {"trace_id": "aa" * 16}, database=db) is None
    # with calls loaded, an empty answer is the parameters' doing: no reason
    load(clean_db, db, CHECKOUT)
    assert run(clean_db, db, "slow-edges", service="nobody") == []
    assert why_no_rows(clean_db, slow, {"service": "nobody"}, database=db) is None


def _cli(settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEO4J_URI": settings.uri, "NEO4J_USER": settings.user,
           "NEO4J_PASSWORD": settings.password.get_secret_value(), "NEO4J_DATABASE": settings.database}
    return subprocess.run([str(Path(sys.executable).parent / "graphtrace"), *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_cli_trace_ids_and_empty_answers(clean_db, neo4j_settings):
    db = neo4j_settings.database
    init_schema(clean_db, database=db)
    solo = Trace(trace_id="aa" * 16, spans=[Span(trace_id="aa" * 16, span_id="01" * 8, service="solo",
                                                 start_ns=T, end_ns=T + 9)])
    ingest(clean_db, [solo], database=db)
    empty = _cli(neo4j_settings, "recipe", "run", "slow-edges")
    assert empty.returncode == 0 and empty.stdout == ""
    # ingested without the rollup step (store.ingest alone): the CLI says why it scanned the spans
    note, reason = empty.stderr.strip().split("\n")
    assert note.startswith("note: slow-edges: some stored traces are not in the rollups")
    assert reason == f"slow-edges: no rows: {NO_REMOTE_CALLS}"
    load(clean_db, db, CHECKOUT)
    # trace 2's id the way some exporters write it: uppercase, leading zeros stripped
    found = _cli(neo4j_settings, "recipe", "run", "call-tree", "-p", "trace_id", "4BF92F3577B34DA6", "--format", "csv")
    assert found.returncode == 0, found.stderr
    assert [line.split(",")[0] for line in found.stdout.splitlines()[1:]] == [
        "a000000000000002", "b000000000000002", "c000000000000003"]
    lost = _cli(neo4j_settings, "recipe", "run", "call-tree", "-p", "trace_id", "971A659583CB354E")
    assert lost.returncode == 2 and lost.stdout == ""
    assert lost.stderr.strip() == "Error: trace_id: trace 0000000000000000971a659583cb354e not found"
