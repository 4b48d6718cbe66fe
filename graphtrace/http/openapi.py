"""The OpenAPI 3.1 description of the ``graphtrace serve`` API (served at ``/openapi.json``).

>>> sorted(openapi_document()["paths"])[:3]
['/api/compare', '/api/edges', '/api/graph']
"""

from __future__ import annotations

from typing import Any

_ERROR = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_ERRORS = {"400": _ERROR, "401": _ERROR, "404": _ERROR, "503": _ERROR}


def _q(name: str, text: str, type_: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": text, "schema": {"type": type_}}


def _op(summary: str, params: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "parameters": params or [],
            "responses": {"200": {"description": "OK", "content": {"application/json": {}}}, **_ERRORS}, **extra}


def _recipe_params(names: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [_q(n, t) for n, t in names]


def openapi_document() -> dict[str, Any]:
    """The document (built on each call; it is small)."""
    window = "ISO-8601 time or integer ns since the epoch"
    paths = {
        "/api/traces": {"get": _op("Search stored traces, newest first", [
            _q("service", "a span of this service"), _q("operation", "a span with this name"),
            _q("min_duration", "trace duration at least this (250ms, 1.5s, 2m or ns)"),
            _q("error", "true: a span has status ERROR; false: none has", "boolean"),
            _q("since", f"trace start >= this ({window})"), _q("until", f"trace start < this ({window})"),
            _q("limit", "at most this many (default 20, max 1000)", "integer")])},
        "/api/traces/{trace_id}": {"get": _op(
            "The analysis of one stored trace: the document `graphtrace analyze --format json` prints",
            [{"name": "trace_id", "in": "path", "required": True, "schema": {"type": "string"}}])},
        "/api/traces/{trace_id}/view": {"get": _op(
            "The web UI's view of one stored trace: per span (tree pre-order) its times from the trace start, "
            "self time, critical-path time and sections, anomalies, attributes, events, links and client/server "
            "pair; the narrative, bottlenecks and anomalies",
            [{"name": "trace_id", "in": "path", "required": True, "schema": {"type": "string"}}])},
        "/api/recipes": {"get": _op("Every recipe with its parameters")},
        "/api/recipes/{name}": {"get": _op(
            "One recipe for the recipes page: parameters, columns, display hints, Cypher body, and the query "
            "string's values bound as `recipe run` binds them (`params`, `browser_params` for Neo4j Browser)",
            [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}]), "post": _op(
            "Run a read-only recipe; the body is a JSON object of parameters (validated as `recipe run` does)",
            [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            requestBody={"content": {"application/json": {"schema": {"type": "object"}}}})},
        "/api/edges": {"get": _op("Slow service edges (the slow-edges recipe)", _recipe_params([
            ("since_ns", window), ("until_ns", window), ("service", "caller or callee"),
            ("min_calls", "integer"), ("order_by", "column"), ("limit", "integer")]))},
        "/api/compare": {"get": _op("Compare two time windows (the compare-windows recipe)", _recipe_params([
            ("a_since_ns", window), ("a_until_ns", window), ("b_since_ns", window), ("b_until_ns", window),
            ("kind", "edge or operation"), ("min_calls", "integer"), ("order_by", "column"), ("limit", "integer")]))},
        "/api/graph": {"get": _op("The service graph: services (with call depth) and one edge per caller -> callee "
                                  "with p50/p95/p99, gap, own time (gap + server self time), error rate",
                                  [_q("since", f"client start >= this ({window})"),
                                   _q("until", f"client start < this ({window})")])},
        "/api/graph/change": {"get": _op(
            "The service graph across two windows: each edge's stats in A and B and its change "
            "(slower/faster/same/new/gone/few by the own-time p95); no window given: the stored traces' halves",
            [_q("a_since", window), _q("a_until", window), _q("b_since", window), _q("b_until", window),
             _q("threshold", "own p95 ratio that counts as a change (default 1.5)", "number"),
             _q("min_calls", "calls needed in each window (default 5)", "integer")])},
        "/api/graph/edge": {"get": _op("One edge: its stats and example traces (slowest; on the critical path)", [
            _q("caller", "calling service"), _q("callee", "called service"), _q("since", window),
            _q("until", window), _q("limit", "examples of each kind (default 5)", "integer")])},
        "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text format"}}}},
        "/healthz": {"get": {"summary": "The process is up", "responses": {"200": {"description": "up"}}}},
        "/readyz": {"get": {"summary": "Neo4j is reachable", "responses": {"200": {"description": "ready"},
                                                                           "503": _ERROR}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "graphtrace serve", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": {"Error": {"type": "object", "required": ["error", "detail"],
                                  "properties": {"error": {"type": "string"}, "detail": {"type": "string"}}}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{}, {"bearer": []}],
    }
