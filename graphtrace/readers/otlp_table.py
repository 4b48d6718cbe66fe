"""The table fast path for OTLP JSON: clean records straight into columns (no ``Span`` objects).

The same msgspec structs and the same clean-record rules as :mod:`.otlp_fast` (its checks,
made column by column with :mod:`.bulk`): a record is taken only when
:func:`~graphtrace.readers.otlp_fast.fast_items` would take it (a few more are refused, e.g. a
kind written as a float; a refused record goes to ``fast_items``, then the careful reader).  Instead of a ``Span`` per span it appends the spans'
columns (:class:`~.table_chunks.Columns`), a batch of spans at a time: ids as the careful reader
normalises them, only the attribute keys the analysis reads, and the events of ERROR spans.  ``tests/readers/test_read_tables.py`` checks the tables equal
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

import operator
from typing import Any

import msgspec
import numpy as np
from msgspec import UNSET, Raw, Struct, UnsetType

from graphtrace.model import RefType, StatusCode
from graphtrace.readers.build import _KINDS, _STATUSES, parse_kind, parse_status
from graphtrace.readers.otlp_fast import (_TRACE_IDS, _ZERO_SPAN_ID, Fallback, _AnyValue, _Resource,
                                          _events, _groups, _links, _scope_attrs, _Span, _value, attributes,
                                          safe)
from graphtrace.readers import bulk
from graphtrace.readers.table_chunks import Columns, Interner, Origin, TableChunk
from graphtrace.spantable import ANALYSIS_KEYS, HOST_KEYS, KIND_CODE, REF_CODE, STATUS_CODE

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


def _status_code(code: Any) -> int:
    return STATUS_CODE[_STATUSES.get(code) or parse_status(code)]


def _kind_code(kind: Any) -> int:
    return KIND_CODE[_KINDS.get(kind) or parse_kind(kind)]


def _times(raw: list[Any]) -> np.ndarray:
    """Times as int64 (a string read as ``int()`` reads it); Fallback beyond int64 (the span path's too)."""
    if set(map(type, raw)) != {int}:
        raw = [int(value) if type(value) is str else value for value in raw]
    return np.array(raw, dtype=np.int64)  # OverflowError beyond int64: the caller falls back


def _status(statuses: list[Any]) -> tuple[list[int] | int, list[str]]:
    """Status codes and messages, as :func:`.otlp_fast._group_spans` reads each span's."""
    if statuses.count(None) == len(statuses):
        return STATUS_CODE[StatusCode.UNSET], [""] * len(statuses)
    codes = bulk.codes([None if s is None else s.code for s in statuses], _status_code)
    messages = [None if s is None else s.message for s in statuses]
    if set(map(type, messages)) != {str}:
        messages = [m if type(m) is str else str(safe(m or "")) for m in messages]
    return codes, messages


def _group_columns(spans: list[_Span], service: int, host: int, span_ids: dict[str, str],
                   shared: dict[str, str], cols: Columns) -> None:
    """:func:`.otlp_fast._group_spans` column by column: the same checks, the same Fallbacks."""
    trace_ids = bulk.ids([raw.traceId for raw in spans], 32, _TRACE_IDS)
    ids = bulk.ids([raw.spanId for raw in spans], 16, span_ids)
    parents: list[Any] = [raw.parentSpanId or None for raw in spans]
    present = [p for p in parents if p is not None]
    if present:
        canonical = iter(bulk.ids(present, 16, span_ids))
        shared.update(zip(ids, ids))
        parents = [None if p is None else _none_if_zero(shared.get(c := next(canonical), c)) for p in parents]
        if any(map(operator.eq, parents, ids)):
            raise Fallback  # its own parent
    start, end = _times([raw.startTimeUnixNano for raw in spans]), _times([raw.endTimeUnixNano for raw in spans])
    if (end < start).any() or (start < 0).any():
        raise Fallback
    codes, messages = _status([raw.status for raw in spans])
    kinds = bulk.codes([raw.kind for raw in spans], _kind_code)
    attrs = [kept_attributes(raw.attributes) if raw.attributes else None for raw in spans]
    events: dict[int, list[Any]] = {}
    error = STATUS_CODE[_ERROR]
    for row, raw in enumerate(spans):
        if raw.events:
            found = _events(raw.events)
            if (codes if type(codes) is int else codes[row]) == error:
                events[row] = found
        if raw.links:
            _links(raw.links)  # checked as the span path checks them; a table keeps no links
    intern = cols.interner.name
    cols.extend(trace_ids, ids, parents, [intern(raw.name) for raw in spans], service, host, kinds, codes,
                messages, [-1 if p is None else _CHILD_OF for p in parents], start, end, attrs, events)


def _none_if_zero(parent: str) -> str | None:
    return None if parent == _ZERO_SPAN_ID else parent


class _Group(Struct, gc=False):
    scope: Any = None
    instrumentationLibrary: Any = None
    spans: list[Raw] | None = None  # decoded as otlp_fast's _Span a batch at a time (bulk.batches)


_Groups = list[_Group] | None | UnsetType


class _ResourceSpans(Struct, gc=False):
    resource: _Resource | None = None
    scopeSpans: _Groups = UNSET
    instrumentationLibrarySpans: _Groups = UNSET
    scope_spans: _Groups = UNSET


class _Request(Struct, gc=False):
    resourceSpans: list[_ResourceSpans]


_DECODER = msgspec.json.Decoder(_Request)  # otlp_fast's structs, but the spans left as raw text
_SPANS = msgspec.json.Decoder(list[_Span])


def _columns(data: Any, interner: Interner) -> Columns:
    request = _DECODER.decode(data)
    cols = Columns(interner)
    span_ids: dict[str, str] = {}
    shared: dict[str, str] = {}  # the record's span ids, so that a parent id is its span's id string
    for rs in request.resourceSpans:
        resource = attributes(rs.resource.attributes) if rs.resource is not None else {}
        service = resource.get("service.name")
        service = service if type(service) is str and service else "unknown"
        service_code, host_code = interner.service(service), interner.host(_host(resource))
        for group in _groups(rs):
            _scope_attrs(group)  # checked even for a group without spans, as the span path does
            if group.spans:
                for spans in bulk.batches(group.spans, _SPANS):
                    _group_columns(spans, service_code, host_code, span_ids, shared, cols)
    return cols


def otlp_chunks(data: Any, file: str | None, base: str | None, interner: Interner) -> list[TableChunk] | None:
    """The chunks of one clean OTLP JSON record, or None when the span path must read it."""
    try:
        cols = _columns(data, interner)
    except Exception:  # any irregularity: the careful reader decides what it means
        return None
    return cols.chunks(Origin(data, "otlp-json", file, base)) if cols.span_id else []
