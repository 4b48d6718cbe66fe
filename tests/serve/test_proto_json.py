"""The spool's protobuf fast path gives exactly the spans of the careful reader (readers.otlp_proto)."""

from __future__ import annotations

from opentelemetry import trace as otel
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.trace import Link, Status, StatusCode

from graphtrace.readers.build import BadItem, SpanItem
from graphtrace.readers.context import ReadContext
from graphtrace.readers.otlp_proto import read_proto
from graphtrace.spool.decode import _fast, decode_spans
from graphtrace.spool.records import PROTO
from tests.serve.sdk import proto_bytes, record_spans


def _careful(payload: bytes) -> list:
    return [item.span for item in read_proto(payload, "x", ReadContext()) if type(item) is SpanItem]


def _rich(tracer) -> None:
    with tracer.start_as_current_span("root", kind=otel.SpanKind.SERVER, attributes={
            "s": "é✓", "i": -7, "f": 1.5, "b": True, "li": [1, 2], "ls": ["a", "b"], "lb": [True]}) as root:
        root.add_event("cache miss", {"key": "k1", "n": 3})
        with tracer.start_as_current_span("call", kind=otel.SpanKind.CLIENT,
                                          links=[Link(root.get_span_context(), {"why": "retry"})]) as call:
            call.set_status(Status(StatusCode.ERROR, "boom"))
        with tracer.start_as_current_span("", kind=otel.SpanKind.CONSUMER):
            pass


def test_sdk_spans_of_every_shape_decode_equally_on_both_paths():
    payload = proto_bytes(record_spans("shop", _rich))
    assert _fast(PROTO, payload, "x") is not None          # the fast path really took it
    spans, bad = decode_spans(PROTO, payload, "x", ReadContext())
    assert bad == 0 and spans == _careful(payload) and len(spans) == 3


def test_hand_made_edge_cases_decode_equally():
    msg = ExportTraceServiceRequest()
    rs = msg.resource_spans.add()                           # no resource: service "unknown"
    group = rs.scope_spans.add()
    a = group.spans.add()
    a.trace_id, a.span_id, a.end_time_unix_nano = b"\x01" * 16, b"\x02" * 8, 50   # start 0: a legal time
    b = group.spans.add()
    b.trace_id, b.span_id, b.parent_span_id = b"\x01" * 16, b"\x03" * 8, b"\x02" * 8
    b.start_time_unix_nano, b.end_time_unix_nano = 10, 20
    kv = b.attributes.add()
    kv.key = "raw"
    kv.value.bytes_value = b"\x00\xff"
    nested = b.attributes.add()
    nested.key = "map"
    inner = nested.value.kvlist_value.values.add()
    inner.key, inner.value.double_value = "x", 2.0
    unset = b.attributes.add()
    unset.key = "nothing"
    payload = msg.SerializeToString()
    spans, bad = decode_spans(PROTO, payload, "x", ReadContext())
    assert spans == _careful(payload) and [s.span_id for s in spans] == ["0202020202020202", "0303030303030303"]
    assert spans[0].start_ns == 0 and spans[0].service == "unknown"


def test_a_span_without_times_is_skipped_on_both_paths():
    msg = ExportTraceServiceRequest()
    span = msg.resource_spans.add().scope_spans.add().spans.add()
    span.trace_id, span.span_id, span.name = b"\x01" * 16, b"\x02" * 8, "timeless"
    payload = msg.SerializeToString()
    ctx = ReadContext()
    spans, bad = decode_spans(PROTO, payload, "x", ctx)
    careful = list(read_proto(payload, "x", ReadContext()))
    assert spans == [] and bad == 1 and isinstance(careful[0], BadItem)
    assert ctx.skipped[0].message == careful[0].diagnostic.message
