"""OTLP protobuf: one binary ``ExportTraceServiceRequest`` message.

The message is parsed with ``opentelemetry-proto`` and converted with
protobuf's own ``json_format.MessageToDict`` into exactly the OTLP JSON shape
(bytes ids arrive as base64, int64 as strings, enums as ``SPAN_KIND_*``
names), which :mod:`.otlp_json` then reads: one copy of the span logic.
Length-delimited streams of several messages are not supported.

>>> from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
>>> from graphtrace.readers.context import ReadContext
>>> msg = ExportTraceServiceRequest()
>>> span = msg.resource_spans.add().scope_spans.add().spans.add()
>>> span.trace_id, span.span_id = bytes(range(16)), bytes(range(8))
>>> span.name, span.start_time_unix_nano, span.end_time_unix_nano = "op", 5, 9
>>> [item] = read_proto(msg.SerializeToString(), "t.pb", ReadContext())
>>> item.span.trace_id, item.span.span_id, item.span.duration_ns
('000102030405060708090a0b0c0d0e0f', '0001020304050607', 4)
"""

from __future__ import annotations

from typing import Any, Iterator

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from graphtrace.model import Diagnostic
from graphtrace.readers.build import BadItem, Item
from graphtrace.readers.context import ReadContext
from graphtrace.readers.otlp_json import read_document


def parse_proto(data: bytes) -> dict[str, Any] | None:
    """The message as an OTLP JSON dict, or None when the bytes are not an ExportTraceServiceRequest.

    >>> parse_proto(b"\\xff\\xfe not protobuf") is None
    True
    """
    try:
        message = ExportTraceServiceRequest.FromString(data)
    except (DecodeError, RuntimeWarning, ValueError):
        return None
    return json_format.MessageToDict(message)


def read_proto(data: bytes, file: str | None, ctx: ReadContext) -> Iterator[Item]:
    """Items for every span of one binary ExportTraceServiceRequest."""
    doc = parse_proto(data)
    if doc is None:
        yield BadItem(None, Diagnostic(file=file, record="document", field=None,
                                       message="not a valid OTLP protobuf ExportTraceServiceRequest"))
        return
    yield from read_document(doc, file, None, ctx)
