"""OTLP JSON: one ``ExportTraceServiceRequest`` document, or NDJSON of them (collector file exporter).

Accepted variations: ``scopeSpans`` and the legacy ``instrumentationLibrarySpans``;
ids as hex of any case, hex with leading zeros stripped, base64 (old exporters)
or any other string (kept, with one warning per file); times as int or string;
``kind`` and status ``code`` as int or ``SPAN_KIND_*`` / ``STATUS_CODE_*``;
attribute values as AnyValue objects (or, leniently, plain JSON values).

Mapping: service = resource attribute ``service.name`` (else ``unknown``);
``span.resource`` = all resource attributes; the instrumentation scope's name
and version become the span attributes ``otel.scope.name`` /
``otel.scope.version`` (only when non-empty and not already set by the span);
``parentSpanId`` empty -> no parent, otherwise ref_type CHILD_OF; links become
``model.Link`` (ref_type None), never parents.  ``traceState``, ``flags`` and
dropped counts are ignored.

>>> from graphtrace.readers.context import ReadContext
>>> doc = {"resourceSpans": [{"resource": {"attributes": [
...     {"key": "service.name", "value": {"stringValue": "cart"}}]},
...   "scopeSpans": [{"scope": {"name": "grpc"}, "spans": [{
...     "traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "EEE19B7EC3C1B174",
...     "name": "GetCart", "kind": "SPAN_KIND_SERVER",
...     "startTimeUnixNano": "1000", "endTimeUnixNano": 1500,
...     "attributes": [{"key": "rpc.port", "value": {"intValue": "8080"}}]}]}]}]}
>>> [item] = read_document(doc, "t.json", None, ReadContext())
>>> s = item.span
>>> s.trace_id, s.span_id, s.service, s.kind.value, s.duration_ns, s.attributes
('5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174', 'cart', 'SERVER', 500, {'rpc.port': 8080, 'otel.scope.name': 'grpc'})
"""

from __future__ import annotations

from typing import Any, Iterator

from graphtrace.errors import short_repr
from graphtrace.model import Diagnostic, RefType, StatusCode
from graphtrace.readers.build import (BadItem, FieldError, Item, SpanItem, make_event, make_link,
                                      make_span, plain_reason, parse_kind, parse_status, span_record, to_int)
from graphtrace.readers.context import ReadContext
from graphtrace.readers.ids import IdError, normalize_id, optional_id

NAMES = {"start_ns": "startTimeUnixNano", "end_ns": "endTimeUnixNano", "parent_span_id": "parentSpanId"}
_SCOPE_KEYS = ("scopeSpans", "instrumentationLibrarySpans", "scope_spans")


INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1  # the range of OTLP's intValue (an int64)

Notes = list[tuple[str, int]]
"""Out-of-range ``intValue`` s met while reading attributes: (field, value), for the warnings."""


def any_value(value: Any, notes: Notes | None = None, field: str = "intValue") -> Any:
    """An OTLP AnyValue object -> plain Python value (lists, dicts, int, float, bool, str).

    An ``intValue`` outside int64 (OTLP's type for it) is kept as its decimal string, and
    ``(field, value)`` is added to ``notes`` for a warning.

    >>> any_value({"arrayValue": {"values": [{"intValue": "3"}, {"boolValue": True}]}})
    [3, True]
    >>> any_value({"kvlistValue": {"values": [{"key": "a", "value": {"doubleValue": 1.5}}]}})
    {'a': 1.5}
    >>> notes = []
    >>> any_value({"intValue": "9223372036854775808"}, notes, "attributes.n"), notes
    ('9223372036854775808', [('attributes.n', 9223372036854775808)])
    """
    if type(value) is not dict:
        return value
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        number = to_int(value["intValue"], "intValue")
        if INT64_MIN <= number <= INT64_MAX:
            return number
        if notes is not None:
            notes.append((field, number))
        return str(number)
    if "boolValue" in value:
        flag = value["boolValue"]
        return flag if type(flag) is bool else str(flag).lower() == "true"
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "arrayValue" in value:
        return [any_value(v, notes, field) for v in (value["arrayValue"] or {}).get("values") or ()]
    if "kvlistValue" in value:
        return attributes((value["kvlistValue"] or {}).get("values"), field, notes)
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def attributes(raw: Any, field: str = "attributes", notes: Notes | None = None) -> dict[str, Any]:
    """A list of ``{"key", "value": AnyValue}`` -> dict; FieldError on a malformed list.

    ``notes``: see :func:`any_value` (the field of a value is ``field.key``).

    >>> attributes([{"key": "http.method", "value": {"stringValue": "GET"}}])
    {'http.method': 'GET'}
    """
    if not raw:
        return {}
    out: dict[str, Any] = {}
    try:
        for kv in raw:
            value = kv.get("value")
            if type(value) is dict and "stringValue" in value:
                out[kv["key"]] = value["stringValue"]
            else:
                key = kv["key"]
                path = f"{field}.{key if type(key) is str else short_repr(key, 60)}"
                out[key] = any_value(value, notes, path)
        return out
    except (TypeError, KeyError, AttributeError, ValueError, FieldError) as exc:
        raise FieldError(field, f"malformed attributes: {plain_reason(exc)}") from None


def read_document(doc: Any, file: str | None, base: str | None, ctx: ReadContext) -> Iterator[Item]:
    """Items for every span of one ExportTraceServiceRequest document (``base``: e.g. ``line 3``)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceSpans", []), list):
        yield BadItem(None, Diagnostic(file=file, record=base or "document", field="resourceSpans",
                                       message="not an OTLP ExportTraceServiceRequest object"))
        return
    for rs_index, rs in enumerate(doc.get("resourceSpans") or ()):
        where = f"{base + ', ' if base else ''}resourceSpans[{rs_index}]"
        try:
            notes: Notes = []
            resource = attributes((rs.get("resource") or {}).get("attributes"), "resource.attributes", notes)
            key = next((k for k in _SCOPE_KEYS if k in rs), "scopeSpans")
            groups = rs.get(key) or []
        except (FieldError, AttributeError, TypeError) as exc:
            yield BadItem(None, Diagnostic(file=file, record=where, field="resource",
                                           message=getattr(exc, "message", None) or plain_reason(exc)))
            continue
        _warn_ints(notes, file, where, ctx)
        if type(groups) is not list:  # a string would be read a character at a time
            yield BadItem(None, Diagnostic(file=file, record=where, field=key, message=(
                f"expected a list, got {_JSON_NAMES.get(type(groups), type(groups).__name__)}")))
            continue
        service = resource.get("service.name")
        service = service if type(service) is str and service else "unknown"
        for g_index, group in enumerate(groups):
            problem = _group_problem(group)
            if problem is not None:
                field, message = problem
                yield BadItem(None, Diagnostic(file=file, record=f"{where}, scopeSpans[{g_index}]",
                                               field=field, message=message))
                continue
            scope = group.get("scope") or group.get("instrumentationLibrary") or {}
            scope_attrs = {k: v for k, v in (("otel.scope.name", scope.get("name")),
                                             ("otel.scope.version", scope.get("version"))) if v}
            for raw in group.get("spans") or ():
                yield span_item(raw, service, resource, scope_attrs, file, base, ctx)


_JSON_NAMES = {dict: "an object", list: "a list", str: "a string", int: "an integer", float: "a number",
               bool: "a boolean", type(None): "null"}


def _group_problem(group: Any) -> tuple[str, str] | None:
    """``(field, message)`` when a scopeSpans entry, its scope or its spans have the wrong JSON type.

    >>> _group_problem({"scope": {"name": "x"}, "spans": []}) is None
    True
    >>> _group_problem({"scope": [1], "spans": []}), _group_problem(5)
    (('scope', 'expected an object, got a list'), ('scopeSpans', 'expected an object, got an integer'))
    """
    if type(group) is not dict:
        return "scopeSpans", f"expected an object, got {_JSON_NAMES.get(type(group), type(group).__name__)}"
    for key, wanted, name in (("scope", dict, "an object"), ("instrumentationLibrary", dict, "an object"),
                              ("spans", list, "a list")):
        value = group.get(key)
        if value and type(value) is not wanted:
            return key, f"expected {name}, got {_JSON_NAMES.get(type(value), type(value).__name__)}"
    return None


def span_item(raw: Any, service: str, resource: dict[str, Any], scope_attrs: dict[str, Any],
              file: str | None, base: str | None, ctx: ReadContext) -> Item:
    """One OTLP span object (JSON field names) -> SpanItem, or BadItem naming the field."""
    if type(raw) is not dict:
        return BadItem(None, Diagnostic(file=file, record=span_record(base, None), field="spans",
                                        message=f"expected a span object, got {short_repr(raw)}"))
    try:
        trace_id, warning = normalize_id(raw.get("traceId"), 32)
    except IdError as exc:
        return BadItem(None, Diagnostic(file=file, record=span_record(base, raw.get("spanId")),
                                        field="traceId", message=str(exc)))
    if warning:
        ctx.warn(file, span_record(base, raw.get("spanId")), "traceId",
                 f"{warning}: {trace_id!r}", once=f"{file}:traceId")
    field = "spanId"
    try:
        span_id, warning = normalize_id(raw.get("spanId"), 16)
        if warning:
            ctx.warn(file, span_record(base, span_id), "spanId", f"{warning}: {span_id!r}",
                     once=f"{file}:spanId")
        field = "parentSpanId"
        parent, _ = optional_id(raw.get("parentSpanId"), 16)
        notes: Notes = []
        item = SpanItem(_build(raw, trace_id, span_id, parent, service, resource, scope_attrs, notes),
                        file, base)
        _warn_ints(notes, file, span_record(base, span_id), ctx)
        return item
    except IdError as exc:
        record = span_record(base, raw.get("spanId"))
        return BadItem(trace_id, Diagnostic(file=file, record=record, field=field, message=str(exc)))
    except FieldError as exc:
        return BadItem(trace_id, Diagnostic(file=file, record=span_record(base, raw.get("spanId")),
                                            field=exc.field, message=exc.message))


def _warn_ints(notes: Notes, file: str | None, record: str, ctx: ReadContext) -> None:
    """One warning per ``intValue`` outside int64 (kept as a string by :func:`any_value`)."""
    for field, number in notes:
        text = str(number) if len(str(number)) <= 40 else f"of {len(str(number)):,} digits"
        ctx.warn(file, record, field, f"intValue {text} is outside the int64 range of OTLP integers; "
                                      "kept as a string")


def _build(raw: dict[str, Any], trace_id: str, span_id: str, parent: str | None, service: str,
           resource: dict[str, Any], scope_attrs: dict[str, Any], notes: Notes) -> Any:
    get = raw.get
    start = get("startTimeUnixNano")
    if type(start) is not int:
        start = to_int(start, "startTimeUnixNano")
    end = get("endTimeUnixNano")
    if type(end) is not int:
        end = to_int(end, "endTimeUnixNano")
    status = get("status")
    code, message = StatusCode.UNSET, ""
    if status:
        if type(status) is not dict:
            raise FieldError("status", f"expected an object, got {short_repr(status)}")
        code = parse_status(status.get("code"))
        message = status.get("message") or ""
        if type(message) is not str:
            message = str(message)
    raw_attrs = get("attributes")
    attrs = attributes(raw_attrs, "attributes", notes) if raw_attrs else {}
    for key, value in scope_attrs.items():
        attrs.setdefault(key, value)
    name = get("name", "")
    if type(name) is not str:
        raise FieldError("name", f"expected a string, got {short_repr(name)}")
    events, links = get("events"), get("links")
    return make_span(
        trace_id, span_id, parent, service, name, parse_kind(get("kind")), start, end,
        ref_type=RefType.CHILD_OF, status_code=code, status_message=message,
        attributes=attrs, resource=resource, events=_events(events, notes) if events else [],
        links=_links(links, notes) if links else [], names=NAMES)


def _events(raw: Any, notes: Notes) -> list[Any]:
    if not raw:
        return []
    try:
        return [make_event(e.get("name") or "", to_int(e.get("timeUnixNano"), "events.timeUnixNano"),
                           attributes(e.get("attributes"), "events.attributes", notes)) for e in raw]
    except (AttributeError, TypeError) as exc:
        raise FieldError("events", f"malformed events: {plain_reason(exc)}") from None


def _links(raw: Any, notes: Notes) -> list[Any]:
    if not raw:
        return []
    out = []
    try:
        for link in raw:
            trace_id, _ = normalize_id(link.get("traceId"), 32)
            span_id, _ = normalize_id(link.get("spanId"), 16)
            out.append(make_link(trace_id, span_id, None, attributes(link.get("attributes"),
                                                                     "links.attributes", notes)))
    except IdError as exc:
        raise FieldError("links", f"bad link id: {exc}") from None
    except (AttributeError, TypeError) as exc:
        raise FieldError("links", f"malformed links: {plain_reason(exc)}") from None
    return out


from graphtrace.readers.otlp_writer import write_otlp_json  # noqa: E402  (re-export: the writer of this format)

__all__ = ["any_value", "attributes", "read_document", "span_item", "write_otlp_json"]
