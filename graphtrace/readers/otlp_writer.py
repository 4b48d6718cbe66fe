"""Writing traces as OTLP JSON: one ``ExportTraceServiceRequest`` per trace, one per line (NDJSON).

The output is what the collector's file exporter writes, so
``read_traces`` reads it back unchanged for OTLP-shaped traces: consecutive
spans with the same (service, resource) share one ``resourceSpans``, so span
order is kept; the resource always
carries ``service.name`` (added from ``span.service`` when missing); ints
are written as strings (proto3 JSON int64), times as strings, kind and status
as ints.  Not representable in OTLP, hence not round-tripped: a
``FOLLOWS_FROM`` parent (read back as CHILD_OF) and a link's ref_type.

>>> from graphtrace.model import Span, Trace
>>> t = Trace(trace_id="0af7651916cd43dd8448eb211c80319c", spans=[Span(
...     trace_id="0af7651916cd43dd8448eb211c80319c", span_id="b7ad6b7169203331",
...     service="cart", name="GetCart", kind="server", start_ns=1, end_ns=3)])
>>> print(write_otlp_json([t]).decode()[:70])
{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","va
"""

from __future__ import annotations

from typing import Any, Iterable

import orjson

from graphtrace.model import Span, SpanKind, StatusCode, Trace

_KIND = {SpanKind.UNSPECIFIED: 0, SpanKind.INTERNAL: 1, SpanKind.SERVER: 2, SpanKind.CLIENT: 3,
         SpanKind.PRODUCER: 4, SpanKind.CONSUMER: 5}
_STATUS = {StatusCode.UNSET: 0, StatusCode.OK: 1, StatusCode.ERROR: 2}


def to_any_value(value: Any) -> dict[str, Any]:
    """Plain Python value -> OTLP AnyValue object.

    >>> to_any_value(3), to_any_value(True), to_any_value(["a"])
    ({'intValue': '3'}, {'boolValue': True}, {'arrayValue': {'values': [{'stringValue': 'a'}]}})
    """
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, (list, tuple)):
        return {"arrayValue": {"values": [to_any_value(v) for v in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": to_key_values(value)}}
    return {"stringValue": str(value)}


def to_key_values(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    """A dict -> list of ``{"key", "value"}`` (OTLP attributes).

    >>> to_key_values({"a": "b"})
    [{'key': 'a', 'value': {'stringValue': 'b'}}]
    """
    return [{"key": str(k), "value": to_any_value(v)} for k, v in attributes.items()]


def span_to_otlp(span: Span) -> dict[str, Any]:
    """One span as an OTLP JSON span object."""
    out: dict[str, Any] = {
        "traceId": span.trace_id, "spanId": span.span_id, "parentSpanId": span.parent_span_id or "",
        "name": span.name, "kind": _KIND[span.kind],
        "startTimeUnixNano": str(span.start_ns), "endTimeUnixNano": str(span.end_ns),
        "attributes": to_key_values(span.attributes),
        "status": {"code": _STATUS[span.status_code], "message": span.status_message},
    }
    if span.events:
        out["events"] = [{"timeUnixNano": str(e.time_ns), "name": e.name,
                          "attributes": to_key_values(e.attributes)} for e in span.events]
    if span.links:
        out["links"] = [{"traceId": link.trace_id, "spanId": link.span_id,
                         "attributes": to_key_values(link.attributes)} for link in span.links]
    return out


def trace_to_otlp(trace: Trace) -> dict[str, Any]:
    """One trace as an ExportTraceServiceRequest dict.

    Consecutive spans with the same (service, resource) share one resourceSpans,
    so the span order is kept exactly.
    """
    groups: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for span in trace.spans:
        resource = {"service.name": span.service, **span.resource}
        if not groups or groups[-1][0] != resource:
            groups.append((resource, []))
        groups[-1][1].append(span_to_otlp(span))
    return {"resourceSpans": [
        {"resource": {"attributes": to_key_values(resource)}, "scopeSpans": [{"spans": spans}]}
        for resource, spans in groups]}


def write_otlp_json(traces: Iterable[Trace]) -> bytes:
    """NDJSON bytes: one OTLP ExportTraceServiceRequest line per trace."""
    return b"".join(orjson.dumps(trace_to_otlp(t)) + b"\n" for t in traces)
