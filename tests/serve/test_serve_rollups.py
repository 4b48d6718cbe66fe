"""A trace stored by ``graphtrace serve`` is in the rollups, as one stored by ``ingest`` is, so the rollup
recipes answer for it (without a fall-back to the span scan) and agree with the scan."""

from __future__ import annotations

import time

import httpx
import orjson

from graphtrace.jobs.recipe import answer_recipe, prepare_recipe
from graphtrace.recipes.rollup_choice import rollups_cover

TRACE = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e"
T0 = 1_700_000_000_000_000_000  # 2023-11-14T22:13:20Z: all three spans start in the same minute


def _span(span_id: str, parent: str | None, name: str, kind: int, start_ms: int, end_ms: int) -> dict:
    span = {"traceId": TRACE, "spanId": span_id, "name": name, "kind": kind,
            "startTimeUnixNano": str(T0 + start_ms * 1_000_000), "endTimeUnixNano": str(T0 + end_ms * 1_000_000)}
    if parent:
        span["parentSpanId"] = parent
    return span


def _resource(service: str, spans: list[dict]) -> dict:
    return {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
            "scopeSpans": [{"scope": {"name": "manual"}, "spans": spans}]}


def _request() -> bytes:
    """The collector's otlphttp JSON: web's SERVER root (0-10 ms) calls cart (CLIENT 2-9 ms), whose SERVER
    span runs 3-7 ms. One call on the edge web -> cart, lasting 7 ms (the client span)."""
    web = [_span("1000000000000001", None, "GET /", 2, 0, 10),
           _span("1000000000000002", "1000000000000001", "cart.Get", 3, 2, 9)]
    cart = [_span("2000000000000001", "1000000000000002", "cart.Get", 2, 3, 7)]
    return orjson.dumps({"resourceSpans": [_resource("web", web), _resource("cart", cart)]})


def test_a_trace_stored_by_serve_is_in_the_rollups(serve_factory, clean_db, neo4j_driver, neo4j_settings):
    serve = serve_factory().start()
    try:
        sent = httpx.post(serve.otlp_http, content=_request(), headers={"content-type": "application/json"},
                          timeout=10)
        assert sent.status_code == 200
        serve.wait_trace(TRACE, span_count=3)
        deadline = time.monotonic() + 30  # the rollups are added right after the write
        while not rollups_cover(neo4j_driver, database=neo4j_settings.database):
            assert time.monotonic() < deadline, "serve's trace never reached the rollups"
            time.sleep(0.2)
    finally:
        assert serve.stop() == 0
    recipe, given = prepare_recipe("slow-edges", {})
    rolled = answer_recipe(neo4j_driver, recipe, given, database=neo4j_settings.database)
    exact = answer_recipe(neo4j_driver, recipe, given, database=neo4j_settings.database, exact=True)
    assert rolled.note is None  # answered from the rollups, not by the fall-back scan
    edges = [(r["caller"], r["callee"], r["calls"]) for r in rolled.rows]
    assert edges == [("web", "cart", 1)] == [(r["caller"], r["callee"], r["calls"]) for r in exact.rows]
    # 7 ms within the sketch's 1 % relative error
    assert abs(rolled.rows[0]["p95_ns"] - 7_000_000) <= 70_000 and exact.rows[0]["p95_ns"] == 7_000_000
