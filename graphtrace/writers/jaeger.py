"""One trace as a Jaeger query-API document: ``{"data": [trace]}``, one process per (service, resource).

Tags keep their JSON type (``bool``, ``int64``, ``float64``, else ``string``);
the kind goes in ``span.kind``, an ERROR status in ``otel.status_code`` (with
``otel.status_description``); a parent is a ``CHILD_OF`` or ``FOLLOWS_FROM``
reference by its ref type, and links are further references.

>>> from graphtrace.model import Span, Trace
>>> t = Trace(trace_id="ab", spans=[Span(trace_id="ab", span_id="01", service="web", name="GET",
...     kind="SERVER", start_ns=1_000, end_ns=4_000)])
>>> span = jaeger_document(t)["data"][0]["spans"][0]
>>> span["startTime"], span["duration"], span["tags"][-1]
(1, 3, {'key': 'span.kind', 'type': 'string', 'value': 'server'})
"""

from __future__ import annotations

from typing import Any

import orjson

from graphtrace.model import SpanKind, StatusCode, Trace
from graphtrace.writers.micros import to_micros


def jaeger_tag(key: str, value: Any) -> dict[str, Any]:
    """A Jaeger tag with the type its value has.

    >>> jaeger_tag("n", 3), jaeger_tag("ok", True)["type"]
    ({'key': 'n', 'type': 'int64', 'value': 3}, 'bool')
    """
    if isinstance(value, bool):
        return {"key": key, "type": "bool", "value": value}
    if isinstance(value, int):
        return {"key": key, "type": "int64", "value": value}
    if isinstance(value, float):
        return {"key": key, "type": "float64", "value": value}
    if isinstance(value, str):
        return {"key": key, "type": "string", "value": value}
    return {"key": key, "type": "string", "value": orjson.dumps(value).decode()}


def _tags(span) -> list[dict[str, Any]]:
    tags = [jaeger_tag(k, v) for k, v in span.attributes.items()]
    if span.status_code is StatusCode.ERROR:
        tags.append(jaeger_tag("otel.status_code", "ERROR"))
        if span.status_message:
            tags.append(jaeger_tag("otel.status_description", span.status_message))
    if span.kind is not SpanKind.UNSPECIFIED:
        tags.append(jaeger_tag("span.kind", span.kind.value.lower()))
    return tags


def jaeger_document(trace: Trace) -> dict[str, Any]:
    """The trace as ``{"data": [{"traceID", "spans", "processes"}]}``."""
    processes: dict[str, dict[str, Any]] = {}
    pids: dict[bytes, str] = {}
    spans = []
    for span in trace.spans:
        resource = {k: v for k, v in span.resource.items() if k != "service.name"}
        key = orjson.dumps([span.service, resource], option=orjson.OPT_SORT_KEYS)
        if key not in pids:
            pids[key] = f"p{len(pids) + 1}"
            processes[pids[key]] = {"serviceName": span.service,
                                    "tags": [jaeger_tag(k, v) for k, v in resource.items()]}
        refs = []
        if span.parent_span_id:
            ref = span.ref_type.value if span.ref_type else "CHILD_OF"
            refs.append({"refType": ref, "traceID": trace.trace_id, "spanID": span.parent_span_id})
        refs += [{"refType": link.ref_type.value if link.ref_type else "FOLLOWS_FROM",
                  "traceID": link.trace_id, "spanID": link.span_id} for link in span.links]
        start, duration = to_micros(span.start_ns, span.end_ns)
        logs = [{"timestamp": e.time_ns // 1000,
                 "fields": [jaeger_tag("event", e.name)] + [jaeger_tag(k, v) for k, v in e.attributes.items()]}
                for e in span.events]
        spans.append({"traceID": trace.trace_id, "spanID": span.span_id, "operationName": span.name,
                      "references": refs, "startTime": start, "duration": duration,
                      "tags": _tags(span), "logs": logs, "processID": pids[key]})
    return {"data": [{"traceID": trace.trace_id, "spans": spans, "processes": processes}]}
