"""The OTLP/HTTP receiver: ``POST /v1/traces``, protobuf or JSON, gzip or not.

Answers as the OTLP/HTTP spec says: 200 with an ``ExportTraceServiceResponse`` in the request's
encoding (``partialSuccess.rejectedSpans`` when some spans had no ids), 400 for a payload that
does not parse, 413 for an oversized body, 415 for another content type, 401 without the bearer
token, and 503 with ``Retry-After`` when the spool is full (the exporters retry).  The 200 is
sent only once the batch is fsync'd in the spool.
"""

from __future__ import annotations

import orjson
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from graphtrace.errors import GraphtraceError
from graphtrace.http.body import BadEncoding, TooLarge, read_body, token_ok
from graphtrace.http.errors import error_response, from_exception, internal_error
from graphtrace.spool.records import JSON, PROTO

PROTOBUF_TYPES = ("application/x-protobuf", "application/protobuf")


def _kind(content_type: str) -> int | None:
    """Record kind for a Content-Type header.

    >>> _kind("application/x-protobuf"), _kind("application/json; charset=utf-8"), _kind("text/plain")
    (1, 2, None)
    """
    base = content_type.split(";")[0].strip().lower()
    if base in PROTOBUF_TYPES:
        return PROTO
    if base == "application/json":
        return JSON
    return None


def _success(kind: int, rejected: int) -> Response:
    """The ExportTraceServiceResponse, with partial success when spans were rejected."""
    if kind == PROTO:
        message = ExportTraceServiceResponse()
        if rejected:
            message.partial_success.rejected_spans = rejected
            message.partial_success.error_message = "spans without a trace id or span id were rejected"
        return Response(message.SerializeToString(), media_type="application/x-protobuf")
    body = {} if not rejected else {"partialSuccess": {
        "rejectedSpans": str(rejected), "errorMessage": "spans without a trace id or span id were rejected"}}
    return Response(orjson.dumps(body), media_type="application/json")


def receiver_app(service, *, token: str | None, max_body: int, max_decompressed: int) -> Starlette:
    """The Starlette app of the OTLP/HTTP receiver, writing through ``service.accept``."""

    async def traces(request: Request) -> Response:
        if not token_ok(request.headers.get("authorization"), token):
            return error_response(401, "unauthorized", "a valid bearer token is required")
        kind = _kind(request.headers.get("content-type", ""))
        if kind is None:
            return error_response(415, "unsupported media type",
                                  "send application/x-protobuf or application/json")
        try:
            payload = await read_body(request, max_body, max_decompressed)
            _, rejected = await run_in_threadpool(service.accept, kind, payload)
        except TooLarge as exc:
            return error_response(413, "payload too large", str(exc))
        except BadEncoding as exc:
            return error_response(400, "bad request", str(exc))
        except GraphtraceError as exc:
            return from_exception(exc)
        except Exception as exc:  # noqa: BLE001 -- never a stack trace to the client
            return internal_error(exc)
        return _success(kind, rejected)

    return Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])
