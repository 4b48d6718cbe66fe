"""The OTLP/gRPC receiver: ``opentelemetry.proto.collector.trace.v1.TraceService/Export``.

The request arrives parsed; it is serialised back into the spool (the spool stores the same
protobuf bytes either way).  Backpressure is ``UNAVAILABLE`` (the exporters retry it), a missing
token ``UNAUTHENTICATED``, an invalid request ``INVALID_ARGUMENT``.
"""

from __future__ import annotations

import logging
from concurrent import futures

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from graphtrace.errors import GraphtraceError, ServerError
from graphtrace.http.body import token_ok
from graphtrace.http.errors import status_of
from graphtrace.spool.records import PROTO

log = logging.getLogger("graphtrace.serve")


class TraceServicer(trace_service_pb2_grpc.TraceServiceServicer):
    """``Export`` through ``service.accept``."""

    def __init__(self, service, token: str | None) -> None:
        self.service = service
        self.token = token

    def Export(self, request, context):  # noqa: N802 -- the generated stub's name
        metadata = dict(context.invocation_metadata())
        if not token_ok(metadata.get("authorization"), self.token):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "a valid bearer token is required")
        try:
            _, rejected = self.service.accept(PROTO, request.SerializeToString())
        except GraphtraceError as exc:
            code = grpc.StatusCode.UNAVAILABLE if status_of(exc) == 503 else grpc.StatusCode.INVALID_ARGUMENT
            context.abort(code, str(exc))
        except Exception:  # noqa: BLE001 -- never a stack trace to the client
            log.exception("serve: internal error in the gRPC receiver")
            context.abort(grpc.StatusCode.INTERNAL, "internal error; see the server log")
        response = ExportTraceServiceResponse()
        if rejected:
            response.partial_success.rejected_spans = rejected
            response.partial_success.error_message = "spans without a trace id or span id were rejected"
        return response


def grpc_server(service, host: str, port: int, *, token: str | None, max_body: int, workers: int = 8) -> grpc.Server:
    """A started gRPC server on ``host:port`` (``grpc.Server.stop`` ends it)."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="graphtrace-grpc"),
                         options=[("grpc.max_receive_message_length", max_body)])
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(TraceServicer(service, token), server)
    try:
        bound = server.add_insecure_port(f"{host}:{port}")
    except RuntimeError:
        bound = 0
    if bound == 0:
        raise ServerError(f"cannot listen on {host}:{port} (OTLP/gRPC; in use?)")
    server.start()
    return server
