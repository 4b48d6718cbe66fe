"""The table fast path for OTLP JSON: clean records straight into columns (no ``Span`` objects).

The same msgspec structs and the same clean-record rules as :mod:`.otlp_fast` (every check,
every :class:`~graphtrace.readers.otlp_fast.Fallback`, in the same places), so a record is
taken here exactly when :func:`~graphtrace.readers.otlp_fast.fast_items` takes it; instead of
a ``Span`` per span it appends the span's columns (:class:`~.table_chunks.Columns`): ids as
the careful reader normalises them, only the attribute keys the analysis reads, and the
events of ERROR spans.  ``tests/readers/test_read_tables.py`` checks the tables equal
``from_trace`` of the spans ``read_traces`` makes, record by record.

>>> from graphtrace.readers.table_chunks import Interner
>>> line = (b'{"resourceSpans": [{"resource": {"attributes": [{"key": "service.name",'
...         b' "value": {"stringValue": "cart"}}]}, "scopeSpans": [{"spans": [{"traceId": "5B8E",'
...         b' "spanId": "EE", "name": "GetCart", "kind": 2, "startTimeUnixNano": "1000",'
...         b' "endTimeUnixNano": 1500, "attributes": [{"key": "rpc.method", "value": {"stringValue": "Get"}},'
...         b' {"key": "x", "value": {"intValue": "7"}}]}]}]}]}')
>>> [chunk] = otlp_chunks(line, "t.json", "line 1", Interner())
>>> chunk.trace_id[-4:], chunk.ids, chunk.cols.attrs, chunk.cols.end.tolist()
('5b8e', ['00000000000000ee'], [{'rpc.method': 'Get'}], [1500])
"""

from __future__ import annotations

from typing import Any

from graphtrace.model import StatusCode
from graphtrace.readers.build import _KINDS, _STATUSES, MAX_NS, parse_kind, parse_status
from graphtrace.readers.otlp_fast import (_DECODER, _TRACE_IDS, _UNSET, _ZERO_SPAN_ID, Fallback, _AnyValue,
                                          _events, _groups, _links, _scope_attrs, _Span, _value, attributes,
                                          clean_id, safe)
from graphtrace.readers.table_chunks import Columns, Interner, Origin, TableChunk
from graphtrace.spantable import ANALYSIS_KEYS, HOST_KEYS, KIND_CODE, REF_CODE, STATUS_CODE
from graphtrace.model import RefType

_CHILD_OF = REF_CODE[RefType.CHILD_OF]
_ERROR = StatusCode.ERROR


def kept_attributes(kvs: list[Any]) -> dict[str, Any] | None:
    """The analysis keys of decoded attribute structs, checked as :func:`.otlp_fast.attributes`
    checks every value (Fallback where it would); None when none is kept."""
    kept: dict[str, Any] | None = None
    for kv in kvs:
        value = kv.value
        if type(value) is _AnyValue:
            text = value.stringValue
            plain = text if type(text) is str else _value(value)
        else:
            plain = value if type(value) is not list else safe(value)
        if kv.key in ANALYSIS_KEYS:
            if kept is None:
                kept = {}
            kept[kv.key] = plain
    return kept


def _host(resource: dict[str, Any]) -> str | None:
    for key in HOST_KEYS:
        if key in resource:
            return str(resource[key])
    return None


def _group_columns(spans: list[_Span], service: int, host: int, span_ids: dict[str, str],
                   cols: Columns) -> None:
    """:func:`.otlp_fast._group_spans`, appending columns instead of spans (same checks)."""
    trace_ids, kinds, statuses, add, intern = _TRACE_IDS, _KINDS, _STATUSES, cols.add, cols.interner.name
    for raw in spans:
        trace_id = trace_ids.get(raw.traceId) or clean_id(raw.traceId, 32, trace_ids)
        span_id = span_ids.get(raw.spanId) or clean_id(raw.spanId, 16, span_ids)
        parent = raw.parentSpanId
        if parent:
            parent = span_ids.get(parent) or clean_id(parent, 16, span_ids)
            if parent == _ZERO_SPAN_ID:
                parent = None
        else:
            parent = None
        start, end = raw.startTimeUnixNano, raw.endTimeUnixNano
        if type(start) is str:
            start = int(start)
        if type(end) is str:
            end = int(end)
        if end < start or parent == span_id or start < 0 or end > MAX_NS:
            raise Fallback
        status = raw.status
        if status is None:
            code, message = _UNSET
        else:
            code = status.code
            code = (type(code) is not bool and statuses.get(code)) or parse_status(code)
            message = status.message
            if type(message) is not str:
                message = str(safe(message or ""))
        attrs = kept_attributes(raw.attributes) if raw.attributes else None
        kind = raw.kind
        kind = (type(kind) is not bool and kinds.get(kind)) or parse_kind(kind)
        events = _events(raw.events) if raw.events else None
        if raw.links:
            _links(raw.links)  # checked as the span path checks them; a table keeps no links
        add(trace_id, span_id, parent, intern(raw.name), service, host, KIND_CODE[kind], STATUS_CODE[code],
            message, -1 if parent is None else _CHILD_OF, start, end, attrs,
            events if code is _ERROR else None)


def _columns(data: Any, interner: Interner) -> Columns:
    request = _DECODER.decode(data)
    cols = Columns(interner)
    span_ids: dict[str, str] = {}
    for rs in request.resourceSpans:
        resource = attributes(rs.resource.attributes) if rs.resource is not None else {}
        service = resource.get("service.name")
        service = service if type(service) is str and service else "unknown"
        service_code, host_code = interner.service(service), interner.host(_host(resource))
        for group in _groups(rs):
            _scope_attrs(group)  # checked even for a group without spans, as the span path does
            if group.spans:
                _group_columns(group.spans, service_code, host_code, span_ids, cols)
    return cols


def otlp_chunks(data: Any, file: str | None, base: str | None, interner: Interner) -> list[TableChunk] | None:
    """The chunks of one clean OTLP JSON record, or None when the span path must read it."""
    try:
        cols = _columns(data, interner)
    except Exception:  # any irregularity: the careful reader decides what it means
        return None
    return cols.chunks(Origin(data, "otlp-json", file, base)) if cols.span_id else []
