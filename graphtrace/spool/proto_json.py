"""A parsed ``ExportTraceServiceRequest`` as OTLP JSON bytes, for the readers' msgspec fast path.

``json_format.MessageToDict`` (what :mod:`graphtrace.readers.otlp_proto` uses) costs about 26 us a
span; walking the message costs a fraction of that.  The JSON made here is what the OTLP JSON
encoding says (hex ids, enums as integers, int64 as strings); fields at their proto3 default
are left out, as ``MessageToDict`` leaves them out, and a span whose start and end are both 0
has no times, as in :func:`graphtrace.readers.otlp_proto._restore_zero_times`.  The decoder
(:func:`graphtrace.spool.decode.decode_spans`) falls back to the careful reader for anything
the fast path refuses, so both paths give equal spans (``tests/serve/test_proto_json.py``).

>>> from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
>>> msg = ExportTraceServiceRequest()
>>> span = msg.resource_spans.add().scope_spans.add().spans.add()
>>> span.trace_id, span.span_id, span.name, span.end_time_unix_nano = bytes(range(16)), bytes(8), "op", 9
>>> request_json(msg)
b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"000102030405060708090a0b0c0d0e0f","spanId":"0000000000000000","name":"op","startTimeUnixNano":"0","endTimeUnixNano":"9"}]}]}]}'
"""

from __future__ import annotations

import base64
from typing import Any

import orjson


def any_value(value: Any) -> dict[str, Any]:
    """One AnyValue message as its OTLP JSON object (``{}`` when unset, as MessageToDict)."""
    which = value.WhichOneof("value")
    if which is None:
        return {}
    if which == "string_value":
        return {"stringValue": value.string_value}
    if which == "int_value":
        return {"intValue": str(value.int_value)}
    if which == "bool_value":
        return {"boolValue": value.bool_value}
    if which == "double_value":
        return {"doubleValue": value.double_value}
    if which == "bytes_value":
        return {"bytesValue": base64.b64encode(value.bytes_value).decode()}
    if which == "array_value":
        return {"arrayValue": {"values": [any_value(v) for v in value.array_value.values]}}
    return {"kvlistValue": {"values": key_values(value.kvlist_value.values)}}


def key_values(kvs: Any) -> list[dict[str, Any]]:
    """Repeated KeyValue as OTLP JSON."""
    return [{"key": kv.key, "value": any_value(kv.value)} if kv.HasField("value") else {"key": kv.key}
            for kv in kvs]


def _span(span: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"traceId": span.trace_id.hex(), "spanId": span.span_id.hex()}
    if span.parent_span_id:
        out["parentSpanId"] = span.parent_span_id.hex()
    if span.name:
        out["name"] = span.name
    if span.kind:
        out["kind"] = span.kind
    if span.start_time_unix_nano or span.end_time_unix_nano:
        out["startTimeUnixNano"] = str(span.start_time_unix_nano)
        out["endTimeUnixNano"] = str(span.end_time_unix_nano)
    if span.attributes:
        out["attributes"] = key_values(span.attributes)
    if span.events:
        out["events"] = [_event(e) for e in span.events]
    if span.links:
        out["links"] = [_link(link) for link in span.links]
    if span.HasField("status"):
        status: dict[str, Any] = {}
        if span.status.code:
            status["code"] = span.status.code
        if span.status.message:
            status["message"] = span.status.message
        out["status"] = status
    return out


def _event(event: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"timeUnixNano": str(event.time_unix_nano)}
    if event.name:
        out["name"] = event.name
    if event.attributes:
        out["attributes"] = key_values(event.attributes)
    return out


def _link(link: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if link.trace_id:
        out["traceId"] = link.trace_id.hex()
    if link.span_id:
        out["spanId"] = link.span_id.hex()
    if link.attributes:
        out["attributes"] = key_values(link.attributes)
    return out


def _scope(group: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if group.HasField("scope"):
        scope = {k: v for k, v in (("name", group.scope.name), ("version", group.scope.version)) if v}
        out["scope"] = scope
    out["spans"] = [_span(s) for s in group.spans]
    return out


def request_json(message: Any) -> bytes:
    """The whole request as OTLP JSON bytes."""
    resource_spans = []
    for rs in message.resource_spans:
        item: dict[str, Any] = {}
        if rs.HasField("resource"):
            item["resource"] = {"attributes": key_values(rs.resource.attributes)}
        item["scopeSpans"] = [_scope(g) for g in rs.scope_spans]
        resource_spans.append(item)
    return orjson.dumps({"resourceSpans": resource_spans})
