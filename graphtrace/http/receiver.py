"""The OTLP/HTTP receiver: ``POST /v1/traces``, protobuf or JSON, gzip or not.

Answers as the OTLP/HTTP spec says: 200 with an ``ExportTraceServiceResponse`` in the request's
encoding (``partialSuccess.rejectedSpans`` when some spans had no ids), 400 for a payload that
does not parse, 413 for an oversized body, 415 for another content type, 401 without the bearer
token, and 503 with ``Retry-After`` when the spool is full (the exporters retry); an error body
is a ``google.rpc.Status`` in the request's encoding.  The 200 is sent only once the batch is
fsync'd in the spool.
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
from graphtrace.http.errors import RETRY_AFTER_S, error_response, internal_error, status_of
from graphtrace.spool.records import JSON, PROTO

PROTOBUF_TYPES = ("application/x-protobuf", "application/protobuf")
# gRPC status codes for the google.rpc.Status of an error answer
_RPC_CODES = {400: 3, 401: 16, 413: 3, 415: 3, 500: 13, 503: 14}


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def rpc_status(code: int, message: str) -> bytes:
    """A ``google.rpc.Status`` message (field 1: code, field 2: message), the OTLP/HTTP error body.

    >>> rpc_status(3, "bad é")
    b'\\x08\\x03\\x12\\x06bad \\xc3\\xa9'
    """
    text = message.encode()
    return b"\x08" + _varint(code) + b"\x12" + _varint(len(text)) + text


def _error(kind: int | None, status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    """The error answer in the request's encoding, as OTLP/HTTP says: a ``google.rpc.Status``.

    A request in neither encoding (415) gets the API's JSON ``{error, detail}``.
    """
    code = _RPC_CODES.get(status, 2)
    if kind == PROTO:
        return Response(rpc_status(code, detail), status_code=status, headers=headers,
                        media_type="application/x-protobuf")
    if kind == JSON:
        return Response(orjson.dumps({"code": code, "message": detail}), status_code=status, headers=headers,
                        media_type="application/json")
    return error_response(status, "unsupported media type", detail, headers)


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
        kind = _kind(request.headers.get("content-type", ""))
        if not token_ok(request.headers.get("authorization"), token):
            return _error(kind, 401, "a valid bearer token is required")
        if kind is None:
            return _error(None, 415, "send application/x-protobuf or application/json")
        try:
            payload = await read_body(request, max_body, max_decompressed)
            _, rejected = await run_in_threadpool(service.accept, kind, payload)
        except TooLarge as exc:
            return _error(kind, 413, str(exc))
        except BadEncoding as exc:
            return _error(kind, 400, str(exc))
        except GraphtraceError as exc:
            status = status_of(exc)
            return _error(kind, status, str(exc), {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None)
        except Exception as exc:  # noqa: BLE001 -- never a stack trace to the client
            internal_error(exc)
            return _error(kind, 500, "internal error; see the server log")
        return _success(kind, rejected)

    return Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])
