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

import base64
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
    doc = json_format.MessageToDict(message)
    _restore_zero_times(doc)
    _hex_ids(doc)
    return doc


_ID_KEYS = ("traceId", "spanId", "parentSpanId")


def _hex_ids(doc: dict[str, Any]) -> None:
    """Span and link ids as OTLP JSON writes them (hex), not as protobuf's JSON mapping does (base64).

    Every byte length is kept as is (a 3-byte id is 6 hex digits), and messages name spans by
    the id a user sees in other tools.

    >>> doc = {"resourceSpans": [{"scopeSpans": [{"spans": [{"spanId": "AAECAwQFBgc=", "links": [
    ...     {"spanId": "AgIC"}]}]}]}]}
    >>> _hex_ids(doc)
    >>> span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    >>> span["spanId"], span["links"][0]["spanId"]
    ('0001020304050607', '020202')
    """
    for rs in doc.get("resourceSpans", ()):
        for group in rs.get("scopeSpans", ()):
            for span in group.get("spans", ()):
                for item in (span, *span.get("links", ())):
                    for key in _ID_KEYS:
                        if key in item:
                            item[key] = base64.b64decode(item[key]).hex()


def _restore_zero_times(doc: dict[str, Any]) -> None:
    """Put back the times protobuf leaves out because they are 0 (proto3 omits default values).

    A start of 0 is a legal UNIX time (1970-01-01), so a span with a real end and a start of 0
    is read as such (a very long span), not as "missing".  Only a span whose start *and* end
    are 0 has no times at all: both stay absent and the reader skips it as missing.  An event
    time of 0 is likewise restored.

    >>> doc = {"resourceSpans": [{"scopeSpans": [{"spans": [
    ...     {"endTimeUnixNano": "9"}, {}, {"startTimeUnixNano": "5", "events": [{"name": "e"}]}]}]}]}
    >>> _restore_zero_times(doc)
    >>> [(s.get("startTimeUnixNano"), s.get("endTimeUnixNano")) for s in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]]
    [('0', '9'), (None, None), ('5', '0')]
    >>> doc["resourceSpans"][0]["scopeSpans"][0]["spans"][2]["events"][0]["timeUnixNano"]
    '0'
    """
    for rs in doc.get("resourceSpans", ()):
        for group in rs.get("scopeSpans", ()):
            for span in group.get("spans", ()):
                has_start, has_end = "startTimeUnixNano" in span, "endTimeUnixNano" in span
                if has_start or has_end:
                    span.setdefault("startTimeUnixNano", "0")
                    span.setdefault("endTimeUnixNano", "0")
                for event in span.get("events", ()):
                    event.setdefault("timeUnixNano", "0")


def read_proto(data: bytes, file: str | None, ctx: ReadContext) -> Iterator[Item]:
    """Items for every span of one binary ExportTraceServiceRequest."""
    doc = parse_proto(data)
    if doc is None:
        yield BadItem(None, Diagnostic(file=file, record="document", field=None,
                                       message="not a valid OTLP protobuf ExportTraceServiceRequest"))
        return
    yield from read_document(doc, file, None, ctx)
