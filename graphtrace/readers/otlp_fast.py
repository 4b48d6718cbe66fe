"""The fast path for OTLP JSON: msgspec-typed decoding of clean ``ExportTraceServiceRequest`` records.

:func:`fast_items` decodes one NDJSON line (or one whole document) straight
into ``msgspec`` structs shaped like OTLP and builds the span items without
an intermediate dict per span.  It handles only *clean* records -- ids that
normalise without a warning, well-formed fields, no span that the careful
reader (:mod:`.otlp_json`) would turn into a skip -- and returns ``None`` for
anything else, having changed nothing (no warning, no counter), so the caller
reads the record again with the careful reader, which produces exactly the
same items, warnings and error messages as before.  For a clean record both
paths give equal spans (``tests/readers/test_otlp_fast.py`` proves it on the
fixtures, the examples, generated traces and fuzzed records).

The one place where msgspec and orjson decode the same JSON differently is
an integer outside the 64-bit range (orjson makes it a float): integers are
range-checked wherever they can reach a span, and out-of-range ones fall back.

>>> line = (b'{"resourceSpans": [{"resource": {"attributes": [{"key": "service.name",'
...         b' "value": {"stringValue": "cart"}}]}, "scopeSpans": [{"scope": {"name": "grpc"},'
...         b' "spans": [{"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "EEE19B7EC3C1B174",'
...         b' "name": "GetCart", "kind": 2, "startTimeUnixNano": "1000", "endTimeUnixNano": 1500}]}]}]}')
>>> batch = fast_items(line, "t.json", "line 1")
>>> [s] = batch.spans
>>> s.trace_id, s.service, s.kind.value, s.duration_ns, s.attributes, batch.record
('5b8efff798038103d269b633813fc60c', 'cart', 'SERVER', 500, {'otel.scope.name': 'grpc'}, 'line 1')
>>> fast_items(b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"spanId": "01"}]}]}]}', "t.json", None) is None
True
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from graphtrace.model import RefType, StatusCode
from graphtrace.readers.build import _KINDS, _STATUSES, MAX_NS, SpanBatch, _new_span, make_event, make_link, \
    parse_kind, parse_status, to_int
from graphtrace.readers.ids import normalize_id
from graphtrace.readers.otlp_json import INT64_MAX, INT64_MIN, any_value

_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # orjson reads integers outside this range as floats
_Int = Annotated[int, Meta(ge=_INT_MIN, le=2**63 - 1)]  # msgspec bounds must fit int64
_CHILD_OF = RefType.CHILD_OF
_UNSET = (StatusCode.UNSET, "")
_ZERO_SPAN_ID = "0" * 16
_NO_SCOPE: dict[str, Any] = {}  # read only
_MAX_DEPTH = 200  # orjson refuses nesting deeper than 1024; stay far below it


class Fallback(Exception):
    """Raised inside the fast path when a record needs the careful reader."""


class _AnyValue(Struct, gc=False):
    stringValue: Any = UNSET
    intValue: Any = UNSET
    boolValue: Any = UNSET
    doubleValue: Any = UNSET
    arrayValue: Any = UNSET
    kvlistValue: Any = UNSET
    bytesValue: Any = UNSET


class _KeyValue(Struct, gc=False):
    key: str
    value: _AnyValue | list | str | _Int | float | bool | None = None


class _Status(Struct, gc=False):
    code: Any = None
    message: Any = None


class _Event(Struct, gc=False):
    name: Any = None
    timeUnixNano: Any = None
    attributes: list[_KeyValue] | None = None


class _Link(Struct, gc=False):
    traceId: str
    spanId: str
    attributes: list[_KeyValue] | None = None


class _Span(Struct, gc=False):
    traceId: str
    spanId: str
    startTimeUnixNano: _Int | str
    endTimeUnixNano: _Int | str
    parentSpanId: str | None = None
    name: str = ""
    kind: Any = None
    status: _Status | None = None
    attributes: list[_KeyValue] | None = None
    events: list[_Event] | None = None
    links: list[_Link] | None = None


class _Group(Struct, gc=False):
    scope: Any = None
    instrumentationLibrary: Any = None
    spans: list[_Span] | None = None


class _Resource(Struct, gc=False):
    attributes: list[_KeyValue] | None = None


_Groups = list[_Group] | None | UnsetType


class _ResourceSpans(Struct, gc=False):
    resource: _Resource | None = None
    scopeSpans: _Groups = UNSET
    instrumentationLibrarySpans: _Groups = UNSET
    scope_spans: _Groups = UNSET


class _Request(Struct, gc=False):
    resourceSpans: list[_ResourceSpans]


_DECODER = msgspec.json.Decoder(_Request)


def safe(value: Any, depth: int = 0) -> Any:
    """``value`` itself when orjson would have decoded it the same way; Fallback otherwise.

    >>> safe([1, {"a": "b"}]), safe(2**64 - 1)
    ([1, {'a': 'b'}], 18446744073709551615)
    >>> safe([2**64])
    Traceback (most recent call last):
    graphtrace.readers.otlp_fast.Fallback
    """
    kind = type(value)
    if kind is str or kind is float or kind is bool or value is None:
        return value
    if kind is int:
        if _INT_MIN <= value <= _INT_MAX:
            return value
        raise Fallback
    if depth > _MAX_DEPTH:
        raise Fallback
    if kind is list:
        for item in value:
            safe(item, depth + 1)
        return value
    if kind is dict:
        for item in value.values():
            safe(item, depth + 1)
        return value
    raise Fallback  # pragma: no cover - JSON has no other types


def _value(value: _AnyValue) -> Any:
    """An AnyValue struct -> plain value, exactly as :func:`.otlp_json.any_value` reads the dict."""
    if value.stringValue is not UNSET:
        return safe(value.stringValue)
    if value.intValue is not UNSET:
        number = to_int(safe(value.intValue), "intValue")
        if not INT64_MIN <= number <= INT64_MAX:
            raise Fallback  # kept as a string with a warning by the careful reader
        return number
    if value.boolValue is not UNSET:
        flag = safe(value.boolValue)
        return flag if type(flag) is bool else str(flag).lower() == "true"
    if value.doubleValue is not UNSET:
        return float(safe(value.doubleValue))
    for key in ("arrayValue", "kvlistValue", "bytesValue"):
        raw = getattr(value, key)
        if raw is not UNSET:
            notes: list[tuple[str, int]] = []
            plain = any_value({key: safe(raw)}, notes)
            if notes:
                raise Fallback
            return plain
    return None


def attributes(kvs: list[_KeyValue] | None) -> dict[str, Any]:
    """Decoded attribute structs -> dict (as :func:`.otlp_json.attributes` reads the same JSON)."""
    out: dict[str, Any] = {}
    if not kvs:
        return out
    for kv in kvs:
        value = kv.value
        if type(value) is _AnyValue:
            text = value.stringValue
            out[kv.key] = text if type(text) is str else _value(value)
        else:
            out[kv.key] = value if type(value) is not list else safe(value)  # lenient plain value
    return out


_TRACE_IDS: dict[str, str] = {}  # trace ids repeat across records: one cache for the stream
_ID_LIMIT = 16_384  # ids of a trace arrive close together; a small cache hits as well, and stays small


def clean_id(value: str, width: int, cache: dict[str, str]) -> str:
    """The canonical id for a hex/base64 id, remembered in ``cache``; Fallback for ids the
    careful reader warns about.

    >>> clean_id("00F0", 16, {}), clean_id("AAAAAAAAAAE=", 16, {}), clean_id("ABCDEF0123456789", 16, {})
    ('00000000000000f0', '0000000000000001', 'abcdef0123456789')
    """
    try:
        raw = bytes.fromhex(value) if len(value) == width else b""
    except ValueError:
        raw = b""
    if len(raw) * 2 == width:  # exactly ``width`` hex digits (fromhex skips whitespace: fewer bytes)
        ident = raw.hex()
    else:
        ident, warning = normalize_id(value, width)
        if warning is not None:
            raise Fallback
    if len(cache) >= _ID_LIMIT:
        cache.clear()
    cache[value] = ident
    return ident


def _scope_attrs(group: _Group) -> dict[str, Any]:
    scope = group.scope or group.instrumentationLibrary
    if not scope:
        return _NO_SCOPE
    if type(scope) is not dict:
        raise Fallback
    return {k: safe(v) for k, v in (("otel.scope.name", scope.get("name")),
                                     ("otel.scope.version", scope.get("version"))) if v}


def _events(raw: list[_Event]) -> list[Any]:
    return [make_event(safe(e.name) or "", to_int(safe(e.timeUnixNano), "events.timeUnixNano"),
                       attributes(e.attributes)) for e in raw]


def _links(raw: list[_Link]) -> list[Any]:
    return [make_link(normalize_id(link.traceId, 32)[0], normalize_id(link.spanId, 16)[0], None,
                      attributes(link.attributes)) for link in raw]


def _group_spans(spans: list[_Span], service: str, resource: dict[str, Any],
                 scope: dict[str, Any], span_ids: dict[str, str], append: Any) -> None:
    """Append one model.Span per clean span struct; raise (FieldError, Fallback...) otherwise.

    :func:`.build.make_span`'s checks, inlined: every value already has its field's type.
    ``span_ids`` remembers the record's span ids, which its parent ids mostly repeat.
    """
    trace_ids, kinds, statuses, new_span = _TRACE_IDS, _KINDS, _STATUSES, _new_span
    for raw in spans:
        trace_id = trace_ids.get(raw.traceId) or clean_id(raw.traceId, 32, trace_ids)
        span_id = span_ids.get(raw.spanId) or clean_id(raw.spanId, 16, span_ids)
        parent = raw.parentSpanId
        if parent:
            parent = span_ids.get(parent) or clean_id(parent, 16, span_ids)
            if parent == _ZERO_SPAN_ID:  # canonical ids have exactly 16 digits
                parent = None
        else:
            parent = None
        start, end = raw.startTimeUnixNano, raw.endTimeUnixNano
        if type(start) is str:
            start = int(start)  # what to_int does with a string
        if type(end) is str:
            end = int(end)
        if end < start or parent == span_id or start < 0 or end > MAX_NS:
            raise Fallback
        status = raw.status
        if status is None:
            code, message = _UNSET
        else:
            code = status.code
            code = (type(code) is not bool and statuses.get(code)) or parse_status(code)  # True == 1
            message = status.message
            if type(message) is not str:
                message = str(safe(message or ""))
        attrs = attributes(raw.attributes) if raw.attributes else {}
        kind = raw.kind
        if scope:
            for key, value in scope.items():
                attrs.setdefault(key, value)
        append(new_span({
            "trace_id": trace_id, "span_id": span_id, "parent_span_id": parent,
            "ref_type": _CHILD_OF if parent is not None else None, "service": service,
            "name": raw.name, "kind": (type(kind) is not bool and kinds.get(kind)) or parse_kind(kind),
            "start_ns": start, "end_ns": end, "status_code": code, "status_message": message,
            "attributes": attrs, "resource": resource,
            "events": _events(raw.events) if raw.events else [],
            "links": _links(raw.links) if raw.links else []}))


def _groups(rs: _ResourceSpans) -> list[_Group]:
    for groups in (rs.scopeSpans, rs.instrumentationLibrarySpans, rs.scope_spans):
        if groups is not UNSET:
            return groups or []
    return []


def _spans(request: _Request) -> list[Any]:
    out: list[Any] = []
    span_ids: dict[str, str] = {}
    for rs in request.resourceSpans:
        resource = attributes(rs.resource.attributes) if rs.resource is not None else {}
        service = resource.get("service.name")
        service = service if type(service) is str and service else "unknown"
        for group in _groups(rs):
            scope = _scope_attrs(group)  # even for a group without spans, as the careful reader
            if group.spans:
                _group_spans(group.spans, service, resource, scope, span_ids, out.append)
    return out


def fast_items(data: bytes, file: str | None, base: str | None) -> SpanBatch | None:
    """The spans of one clean OTLP record, or None when the careful reader must read it."""
    try:
        return SpanBatch(_spans(_DECODER.decode(data)), file, base)
    except Exception:  # any irregularity: the careful reader decides what it means
        return None
