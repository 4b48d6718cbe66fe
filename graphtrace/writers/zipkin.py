"""One trace as a Zipkin v2 span list.

Tags are strings (Zipkin has no other type); Zipkin has no resource, so the
resource's keys other than ``service.name`` are written as tags (and read
back as attributes); INTERNAL and UNSPECIFIED spans carry no ``kind`` (read
back as UNSPECIFIED); an ERROR
status is the ``error`` tag (its message, or ``true``); events are
annotations.  Links and FOLLOWS_FROM have no Zipkin form and are dropped.

>>> from graphtrace.model import Span, Trace
>>> t = Trace(trace_id="ab", spans=[Span(trace_id="ab", span_id="01", service="web", name="GET",
...     kind="SERVER", start_ns=1_000, end_ns=4_000, attributes={"n": 3})])
>>> zipkin_document(t)[0]["tags"], zipkin_document(t)[0]["kind"]
({'n': '3'}, 'SERVER')
"""

from __future__ import annotations

from typing import Any

import orjson

from graphtrace.model import SpanKind, StatusCode, Trace
from graphtrace.writers.micros import to_micros


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return orjson.dumps(value).decode()


def zipkin_document(trace: Trace) -> list[dict[str, Any]]:
    """The trace's spans as Zipkin v2 JSON objects."""
    out = []
    for span in trace.spans:
        start, duration = to_micros(span.start_ns, span.end_ns)
        tags = {k: _text(v) for k, v in span.resource.items() if k != "service.name"}
        tags.update({k: _text(v) for k, v in span.attributes.items()})
        if span.status_code is StatusCode.ERROR:
            tags["error"] = span.status_message or "true"
        item: dict[str, Any] = {"traceId": trace.trace_id, "id": span.span_id, "name": span.name,
                                "timestamp": start, "duration": duration,
                                "localEndpoint": {"serviceName": span.service}, "tags": tags}
        if span.parent_span_id:
            item["parentId"] = span.parent_span_id
        if span.kind in (SpanKind.CLIENT, SpanKind.SERVER, SpanKind.PRODUCER, SpanKind.CONSUMER):
            item["kind"] = span.kind.value
        if span.events:
            item["annotations"] = [{"timestamp": e.time_ns // 1000, "value": e.name} for e in span.events]
        out.append(item)
    return out
