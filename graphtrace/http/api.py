"""The HTTP JSON API of ``graphtrace serve`` (and ``/metrics``, ``/healthz``, ``/readyz``, ``/openapi.json``).

Every endpoint is one call into :mod:`graphtrace.jobs.serve_api` (the CLI's library calls), run in
a worker thread; errors are ``{error, detail}`` with the status of :mod:`graphtrace.http.errors`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from graphtrace.errors import GraphtraceError
from graphtrace.http.body import BadEncoding, TooLarge, read_body, token_ok
from graphtrace.http.compress import body_response
from graphtrace.http.errors import error_response, from_exception, internal_error
from graphtrace.http.metrics import prometheus_text
from graphtrace.http.openapi import openapi_document
from graphtrace.http.ui import ui_routes
from graphtrace.jobs import serve_api, serve_graph, serve_recipes
from graphtrace.jobs import trace_view as trace_views

MAX_API_BODY = 1024 * 1024
_OPEN = ("/healthz", "/readyz", "/openapi.json")


def _json(value: Any) -> Response:
    return Response(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS), media_type="application/json")


def api_app(service, *, token: str | None) -> Starlette:
    """The Starlette app of the API, answering through ``service`` (a :class:`ServeService`)."""
    database = service.config.settings.database

    async def call(request: Request, work: Callable[[], Any]) -> Response:
        if request.url.path not in _OPEN and not token_ok(request.headers.get("authorization"), token):
            return error_response(401, "unauthorized", "a valid bearer token is required")
        try:
            return await run_in_threadpool(work)
        except GraphtraceError as exc:
            return from_exception(exc)
        except Exception as exc:  # noqa: BLE001 -- never a stack trace to the client
            return internal_error(exc)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        if service.ready():
            return JSONResponse({"status": "ready"})
        return error_response(503, "unavailable", "Neo4j is not reachable; traces wait in the spool",
                              {"Retry-After": "5"})

    async def metrics(request: Request) -> Response:
        return await call(request, lambda: PlainTextResponse(prometheus_text(service.snapshot()),
                                                             media_type="text/plain; version=0.0.4"))

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    async def traces(request: Request) -> Response:
        query = dict(request.query_params)
        return await call(request, lambda: _json(
            {"traces": serve_api.search(service.driver(), query, database=database)}))

    async def trace(request: Request) -> Response:
        trace_id = request.path_params["trace_id"]
        return await call(request, lambda: Response(
            serve_api.trace_document(service.driver(), trace_id, database=database), media_type="application/json"))

    async def trace_view(request: Request) -> Response:
        trace_id = request.path_params["trace_id"]
        accept = request.headers.get("accept-encoding")
        return await call(request, lambda: body_response(*trace_views.stored_view_body(
            service.driver(), trace_id, database=database, cache=getattr(service, "view_cache", None)), accept))

    async def recipes(request: Request) -> Response:
        return await call(request, lambda: _json({"recipes": serve_api.recipe_list()}))

    async def run_recipe(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            body = await read_body(request, MAX_API_BODY, MAX_API_BODY)
            params = orjson.loads(body) if body.strip() else {}
        except TooLarge as exc:
            return error_response(413, "payload too large", str(exc))
        except (BadEncoding, orjson.JSONDecodeError) as exc:
            return error_response(400, "bad request", f"the body must be a JSON object of parameters: {exc}")
        return await call(request, lambda: _json(
            serve_api.recipe_rows(service.driver(), name, params, database=database)))

    def fixed_recipe(name: str) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            params = dict(request.query_params)
            return await call(request, lambda: _json(
                serve_api.recipe_rows(service.driver(), name, params, database=database)))
        return endpoint

    async def recipe_detail(request: Request) -> Response:
        name, query = request.path_params["name"], dict(request.query_params)
        return await call(request, lambda: _json(serve_recipes.recipe_detail(name, query)))

    def graph_call(job: Callable[..., Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            query = dict(request.query_params)
            return await call(request, lambda: _json(job(service.driver(), query, database=database)))
        return endpoint

    routes = [
        Route("/api/graph", graph_call(serve_graph.graph)), Route("/api/graph/change", graph_call(serve_graph.change)),
        Route("/api/graph/edge", graph_call(serve_graph.edge_detail)),
        Route("/api/recipes/{name}", recipe_detail, methods=["GET"]),
        Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics),
        Route("/openapi.json", openapi),
        Route("/api/traces", traces), Route("/api/traces/{trace_id}", trace),
        Route("/api/traces/{trace_id}/view", trace_view),
        Route("/api/recipes", recipes), Route("/api/recipes/{name}", run_recipe, methods=["POST"]),
        Route("/api/edges", fixed_recipe("slow-edges")), Route("/api/compare", fixed_recipe("compare-windows")),
        *ui_routes(),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        return error_response(status, "not found" if status == 404 else "method not allowed",
                              f"{request.method} {request.url.path}")

    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})
