"""Real OpenTelemetry SDK clients for the serve tests: spans made by the SDK, sent by its OTLP exporters."""

from __future__ import annotations

import time

from opentelemetry import trace as otel
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from grpc import Compression as GrpcCompression
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode


def http_exporter(serve, timeout: float = 10, gzip: bool = False) -> HttpExporter:
    compression = Compression.Gzip if gzip else Compression.NoCompression
    return HttpExporter(endpoint=serve.otlp_http, headers=serve.headers(), timeout=timeout, compression=compression)


def grpc_exporter(serve, timeout: float = 10, gzip: bool = False) -> GrpcExporter:
    """gzip: what a collector's ``otlp`` exporter does by default."""
    compression = GrpcCompression.Gzip if gzip else GrpcCompression.NoCompression
    return GrpcExporter(endpoint=serve.otlp_grpc, insecure=True, headers=serve.headers() or None, timeout=timeout,
                        compression=compression)


def record_spans(service: str, build) -> list:
    """The finished SDK spans of ``build(tracer)``, captured in memory (nothing sent yet)."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    build(provider.get_tracer("graphtrace-tests"))
    provider.shutdown()
    return list(memory.get_finished_spans())


def checkout(tracer) -> None:
    """GET /checkout -> (charge card [error], reserve stock): three spans, one with status ERROR."""
    with tracer.start_as_current_span("GET /checkout", kind=otel.SpanKind.SERVER):
        with tracer.start_as_current_span("charge card", kind=otel.SpanKind.CLIENT) as charge:
            time.sleep(0.002)
            charge.set_status(Status(StatusCode.ERROR, "card declined"))
        with tracer.start_as_current_span("reserve stock"):
            time.sleep(0.001)


def many_traces(count: int, spans_per_trace: int):
    """``count`` traces of ``spans_per_trace`` spans each (a root and children)."""
    def build(tracer) -> None:
        for i in range(count):
            with tracer.start_as_current_span(f"job {i}"):
                for j in range(spans_per_trace - 1):
                    with tracer.start_as_current_span(f"step {j}"):
                        pass
    return build


def hex_trace_id(span) -> str:
    return format(span.context.trace_id, "032x")


def hex_span_id(span) -> str:
    return format(span.context.span_id, "016x")


def proto_bytes(spans) -> bytes:
    """The ExportTraceServiceRequest the SDK's own encoder makes of ``spans``."""
    return encode_spans(spans).SerializeToString()
