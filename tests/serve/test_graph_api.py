"""The service graph API (``/api/graph``, ``/api/graph/change``, ``/api/graph/edge``) and the recipe detail
(``GET /api/recipes/{name}``) on the hand-written traces of ``graph_traces`` (every figure below is
derived there by hand; percentiles are percentileDisc, the nearest rank: sorted values, x = p * n,
index floor(x), minus one when x is whole)."""

from __future__ import annotations

import httpx
import pytest

from graphtrace.jobs.load import load
from tests.conftest import wipe
from tests.serve.conftest import ServeProcess
from tests.serve.graph_traces import MS, SECOND, T0, TRACE_IDS, write_traces


@pytest.fixture(scope="module")
def graph_serve(neo4j_target, neo4j_driver, neo4j_settings, tmp_path_factory):
    """The traces loaded once into an emptied database (clean_db's guard and wipe, for the whole
    module: every test here only reads), and one ``graphtrace serve`` on it."""
    if not neo4j_target.wipe_allowed:
        pytest.fail(f"refusing to delete all nodes: {neo4j_target.wipe_refusal}", pytrace=False)
    database = neo4j_target.settings.database
    wipe(neo4j_driver, database)
    tmp = tmp_path_factory.mktemp("graph")
    load([write_traces(tmp / "graph.jsonl")], neo4j_settings)
    serve = ServeProcess(neo4j_settings, tmp / "spool").start()
    try:
        yield serve
    finally:
        serve.stop()
        wipe(neo4j_driver, database)


def get(serve, path: str, **params) -> httpx.Response:
    return httpx.get(f"{serve.api}{path}", params=params, timeout=30)


def edges_by_pair(doc: dict) -> dict[tuple[str, str], dict]:
    return {(e["caller"], e["callee"]): e for e in doc["edges"]}


def test_graph_nodes_edges_and_percentiles(graph_serve):
    doc = get(graph_serve, "/api/graph").json()
    assert doc["nodes"] == [{"name": "api", "depth": 1}, {"name": "db", "depth": 2}, {"name": "web", "depth": 0}]
    edges = edges_by_pair(doc)
    assert set(edges) == {("web", "api"), ("api", "db")}
    web_api = edges[("web", "api")]
    # client ms [50, 100, 50, 200, 80] -> sorted [50, 50, 80, 100, 200]: p50 x=2.5 -> [2] 80; p95/p99 -> [4] 200
    assert (web_api["calls"], web_api["traces"]) == (5, 4)
    assert (web_api["p50_ns"], web_api["p95_ns"], web_api["p99_ns"]) == (80 * MS, 200 * MS, 200 * MS)
    # gaps ms [5, 10, 2, 4, 4] -> [2, 4, 4, 5, 10]: p50 4, p95 10; own [20, 40, 50, 160, 80]: p50 50, p95 160
    assert (web_api["gap_p50_ns"], web_api["gap_p95_ns"]) == (4 * MS, 10 * MS)
    assert (web_api["own_p50_ns"], web_api["own_p95_ns"]) == (50 * MS, 160 * MS)
    # on the critical path: T1, T2 and T3's second call; not T3's first call nor T4's
    assert (web_api["errors"], web_api["error_rate"], web_api["cp_calls"]) == (0, 0.0, 3)
    assert web_api["operations"] == ["api op"]
    api_db = edges[("api", "db")]
    # client ms [30, 60, 40] -> [30, 40, 60]: p50 x=1.5 -> 40, p95 60; gaps [2, 4, 2]; own [30, 60, 40]
    assert (api_db["calls"], api_db["p50_ns"], api_db["p95_ns"]) == (3, 40 * MS, 60 * MS)
    assert (api_db["gap_p50_ns"], api_db["gap_p95_ns"], api_db["own_p95_ns"]) == (2 * MS, 4 * MS, 60 * MS)
    assert (api_db["errors"], api_db["error_rate"], api_db["cp_calls"]) == (1, 1 / 3, 3)


def test_graph_window_keeps_calls_starting_in_it(graph_serve):
    # from T2's start to T4's: T2 and T3 -> web -> api client ms [100, 50, 200] -> p50 100, p95 200
    doc = get(graph_serve, "/api/graph", since=str(T0 + SECOND), until="2024-01-01T00:00:03Z").json()
    web_api = edges_by_pair(doc)[("web", "api")]
    assert (web_api["calls"], web_api["p50_ns"], web_api["p95_ns"]) == (3, 100 * MS, 200 * MS)
    assert doc["since_ns"] == T0 + SECOND and doc["until_ns"] == T0 + 3 * SECOND


def test_change_marks_the_edge_whose_own_time_grew(graph_serve):
    windows = {"a_since": str(T0), "a_until": str(T0 + 2 * SECOND), "b_since": str(T0 + 2 * SECOND)}
    doc = get(graph_serve, "/api/graph/change", min_calls="2", **windows).json()
    edges = edges_by_pair(doc)
    web_api = edges[("web", "api")]
    # own p95: A (T1, T2) [20, 40] -> x=1.9 -> 40 ms; B (T3, T4) [50, 160, 80] -> 160 ms: 4x >= 1.5x
    assert (web_api["a"]["own_p95_ns"], web_api["b"]["own_p95_ns"]) == (40 * MS, 160 * MS)
    assert (web_api["own_ratio_p95"], web_api["own_delta_p95_ns"], web_api["change"]) == (4.0, 120 * MS, "slower")
    # client p95: A [50, 100] -> 100 ms; B [50, 200, 80] -> 200 ms
    assert (web_api["ratio_p95"], web_api["delta_p95_ns"]) == (2.0, 100 * MS)
    assert edges[("api", "db")]["change"] == "few"  # B holds one call (T3), fewer than 2
    # min_calls 1: api -> db own p95 A [30, 60] -> 60 ms, B [40] -> 40 ms; 60 >= 40 * 1.5 exactly: faster
    doc = get(graph_serve, "/api/graph/change", min_calls="1", **windows).json()
    assert edges_by_pair(doc)[("api", "db")]["change"] == "faster"
    # the default min_calls (5) leaves both edges with too few calls
    doc = get(graph_serve, "/api/graph/change", **windows).json()
    assert {e["change"] for e in doc["edges"]} == {"few"} and doc["min_calls"] == 5


def test_change_without_windows_splits_the_stored_traces_in_half(graph_serve):
    doc = get(graph_serve, "/api/graph/change", min_calls="1").json()
    # trace starts T0 .. T0 + 3 s: the middle is T0 + 1.5 s; B ends just after the last start
    middle = T0 + 3 * SECOND // 2
    assert doc["windows"] == {"a_since_ns": T0, "a_until_ns": middle, "b_since_ns": middle,
                              "b_until_ns": T0 + 3 * SECOND + 1}


def test_edge_detail_lists_slowest_and_critical_path_traces(graph_serve):
    doc = get(graph_serve, "/api/graph/edge", caller="web", callee="api").json()
    assert doc["stats"]["p95_ns"] == 200 * MS
    # slowest call per trace: T3 200 ms (2 calls), T2 100, T4 80, T1 50
    assert [(r["trace_id"], r["max_ns"], r["calls"]) for r in doc["slowest"]] == [
        (TRACE_IDS[2], 200 * MS, 2), (TRACE_IDS[1], 100 * MS, 1), (TRACE_IDS[3], 80 * MS, 1), (TRACE_IDS[0], 50 * MS, 1)]
    # on the critical path: T4's call never is; in T3 only the 200 ms call is
    assert [(r["trace_id"], r["max_ns"], r["calls"]) for r in doc["critical"]] == [
        (TRACE_IDS[2], 200 * MS, 1), (TRACE_IDS[1], 100 * MS, 1), (TRACE_IDS[0], 50 * MS, 1)]
    doc = get(graph_serve, "/api/graph/edge", caller="web", callee="api", limit="2", until=str(T0 + 2 * SECOND)).json()
    assert [r["trace_id"] for r in doc["slowest"]] == [TRACE_IDS[1], TRACE_IDS[0]]


def test_graph_errors_are_json_answers(graph_serve):
    bad = get(graph_serve, "/api/graph", since="yesterday-ish")
    assert bad.status_code == 400 and bad.json()["error"] and "since" in bad.json()["detail"]
    assert get(graph_serve, "/api/graph", colour="red").status_code == 400
    assert get(graph_serve, "/api/graph/edge", caller="web").status_code == 400
    assert get(graph_serve, "/api/graph/change", threshold="1").status_code == 400
    assert get(graph_serve, "/api/graph/change", threshold="0").status_code == 400
    assert get(graph_serve, "/api/graph/edge", caller="web", callee="api", limit="0").status_code == 400


def test_recipe_detail_gives_hints_body_and_bound_params(graph_serve):
    doc = get(graph_serve, "/api/recipes/call-tree", trace_id=TRACE_IDS[0].upper()).json()
    assert doc["name"] == "call-tree" and doc["mode"] == "read"
    assert ["start_ns", "offset"] in doc["show"] and ["duration_ns", "duration"] in doc["show"]
    assert "MATCH" in doc["body"] and doc["params"] == {"trace_id": TRACE_IDS[0]}
    assert doc["browser_params"] == f":params {{trace_id: '{TRACE_IDS[0]}'}}"
    assert [p["name"] for p in doc["params_declared"]] == ["trace_id"] and doc["params_declared"][0]["required"]
    doc = get(graph_serve, "/api/recipes/slow-edges", since_ns="2024-01-01T00:00:01Z", limit="3").json()
    assert doc["params"]["since_ns"] == T0 + SECOND and doc["params"]["limit"] == 3
    assert get(graph_serve, "/api/recipes/slow-edges", limit="many").status_code == 400
    assert get(graph_serve, "/api/recipes/no-such-recipe").status_code in (400, 404)
