"""The table fast path for Jaeger JSON: clean trace documents straight into columns.

Takes the shapes Jaeger's query API and UI write -- ``{"data": [trace...]}`` (also
``{"data": trace}``), a bare trace object ``{"traceID", "spans", "processes"}`` and a list of
them -- decoded with msgspec structs that forbid unknown keys (so a record is taken only
when :func:`~graphtrace.readers.sniff.detect_format` would call it Jaeger and
:mod:`.jaeger` would read it as a trace).  A record is *clean* when the careful reader would
read every span of it without a warning or a skip: ids that normalise silently, integer
times in range, known kinds and status codes, well-formed tags and logs, processes given by
``processID``; anything else returns None, having changed nothing, and the careful reader
reads the record.  For a clean record the columns are exactly what :mod:`.jaeger` decides:
µs times -> ns, the parent from the references (the first CHILD_OF into the same trace,
else the first FOLLOWS_FROM, else a legacy ``parentSpanID``), kind and status from the
``span.kind`` / ``otel.status_code`` / ``error`` tags, service and host from the process,
resolved once per trace.  (Repeated span ids are the assembler's business: Jaeger's own
de-duplication runs on the careful path, :mod:`.tables`.)

>>> from graphtrace.readers.table_chunks import Interner
>>> doc = (b'{"data": [{"traceID": "ab", "processes": {"p1": {"serviceName": "web", "tags": []}},'
...        b' "spans": [{"traceID": "AB", "spanID": "2", "operationName": "GET /", "processID": "p1",'
...        b' "references": [{"refType": "FOLLOWS_FROM", "traceID": "00ab", "spanID": "1"}],'
...        b' "startTime": 10, "duration": 3, "tags": [{"key": "span.kind", "type": "string",'
...        b' "value": "server"}, {"key": "error", "type": "bool", "value": true}]}]}]}')
>>> [chunk] = jaeger_chunks(doc, "j.json", None, Interner())
>>> cols = chunk.cols
>>> cols.parent, cols.ref.tolist(), cols.kind.tolist(), cols.status.tolist(), cols.start.tolist(), cols.end.tolist()
(['0000000000000001'], [1], [2], [2], [10000], [13000])
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from graphtrace.model import RefType, StatusCode
from graphtrace.readers.build import MAX_NS, make_event, parse_kind, parse_status, to_int
from graphtrace.readers.ids import normalize_id, optional_id
from graphtrace.readers.otlp_fast import Fallback, clean_id, safe
from graphtrace.readers.table_chunks import Columns, Interner, Origin, TableChunk
from graphtrace.spantable import ANALYSIS_KEYS, HOST_KEYS, KIND_CODE, REF_CODE, STATUS_CODE

_Int = Annotated[int, Meta(ge=-(2**63), le=2**63 - 1)]
_REF_TYPES = {t.value: t for t in RefType}
_ERROR_VALUES = (True, "true", "True", "TRUE", 1, "1")
_ERROR = StatusCode.ERROR


class _Tag(Struct, gc=False):
    key: str
    type: Any = None
    value: Any = None


class _Log(Struct, gc=False):
    timestamp: Any = None
    fields: list[_Tag] | None = None


class _Ref(Struct, gc=False):
    spanID: Any = None
    refType: Any = None
    traceID: Any = None


class _Process(Struct, gc=False):
    serviceName: Any = None
    tags: list[_Tag] | None = None
    tag: Any = None


class _Span(Struct, gc=False):
    spanID: Any
    startTime: _Int
    duration: _Int
    traceID: Any = None
    operationName: Any = None
    references: list[_Ref] | None = None
    parentSpanID: Any = None
    tags: list[_Tag] | None = None
    tag: Any = None
    logs: list[_Log] | None = None
    processID: Any = None
    process: Any = None
    startTimeMillis: Any = None


class _Trace(Struct, gc=False, forbid_unknown_fields=True):
    spans: list[_Span]
    traceID: Any = UNSET
    processes: dict[str, _Process] | None = None
    warnings: Any = None


class _Top(Struct, gc=False, forbid_unknown_fields=True):
    data: list[_Trace] | _Trace | None | UnsetType = UNSET
    spans: list[_Span] | UnsetType = UNSET
    traceID: Any = UNSET
    processes: dict[str, _Process] | None = None
    warnings: Any = None
    total: Any = None
    limit: Any = None
    offset: Any = None
    errors: Any = None


_DOCUMENT = msgspec.json.Decoder(_Top)
_LIST = msgspec.json.Decoder(list[_Trace])


def _plain(value: Any) -> Any:
    """``safe`` (orjson would decode it the same way), and no float beyond a double (orjson refuses it)."""
    if type(value) is float and not math.isfinite(value):
        raise Fallback
    if type(value) in (list, dict):
        for item in (value if type(value) is list else value.values()):
            _plain(item)
    return safe(value)


def _tags(raw: list[_Tag] | None) -> dict[str, Any]:
    """:func:`.jaeger.tags` on decoded tags (every value typed by its ``type`` the same way)."""
    out: dict[str, Any] = {}
    for tag in raw or ():
        value, kind = _plain(tag.value), tag.type
        if kind == "bool" and type(value) is not bool:
            value = str(value).lower() == "true"
        elif kind == "int64" and type(value) is not int:
            value = to_int(value, "tags")
        elif kind == "float64" and type(value) is not float:
            value = float(value)
        out[tag.key] = value
    return out


def _traces(data: Any) -> list[_Trace]:
    """The trace objects of a clean document; Fallback for every other shape."""
    head = data.lstrip()[:1] if isinstance(data, (bytes, str)) else b""
    if head in (b"[", "["):
        traces = _LIST.decode(data)
        first = traces[0] if traces else None  # detect_format looks at the first trace only
        if first is None or (first.traceID is UNSET and not first.spans):
            raise Fallback
        return traces
    top = _DOCUMENT.decode(data)
    if top.data is not UNSET and top.spans is UNSET and top.traceID is UNSET:
        if top.data is None:
            raise Fallback  # "no traces in this answer": the careful reader's message
        return top.data if type(top.data) is list else [top.data]
    if top.data is UNSET and top.spans is not UNSET and (top.traceID is not UNSET or top.spans):
        return [_Trace(spans=top.spans, traceID=top.traceID, processes=top.processes)]
    raise Fallback


class _Processes:
    """A trace's processes, each resolved once: (service code, host code)."""

    def __init__(self, processes: dict[str, _Process] | None, interner: Interner) -> None:
        self.processes = processes or {}
        self.interner = interner
        self.resolved: dict[Any, tuple[int, int]] = {}

    def of(self, raw: _Span) -> tuple[int, int]:
        if raw.process:
            raise Fallback  # an inline process (the storage's span shape): the careful reader
        pid = raw.processID
        hit = self.resolved.get(pid)
        if hit is not None:
            return hit
        if pid is None or pid == "":
            process = None
        elif type(pid) is not str:
            raise Fallback
        else:
            process = self.processes.get(pid)
        if process is None or (process.serviceName is None and not process.tags and process.tag is None):
            service, tags = "unknown", {}  # a missing or empty process (``{}`` reads as none)
        else:
            if process.tag:
                raise Fallback
            service, tags = process.serviceName or "unknown", _tags(process.tags)
        if type(service) is not str:
            raise Fallback
        resource = {**tags, "service.name": service}
        host = next((str(resource[k]) for k in HOST_KEYS if k in resource), None)
        hit = self.resolved[pid] = (self.interner.service(service), self.interner.host(host))
        return hit


def _parent(raw: _Span, trace_id: str) -> tuple[str | None, int]:
    """The parent and its ref-type code, as :func:`.jaeger._references` decides."""
    refs = []
    for ref in raw.references or ():
        text = ref.refType
        if text is None or text == "":
            ref_type = RefType.CHILD_OF
        elif type(text) is str:
            ref_type = _REF_TYPES.get(text) or RefType(text.upper())
        else:
            raise Fallback
        ref_trace = ref.traceID or trace_id
        ref_trace = normalize_id(ref_trace, 32)[0] if ref_trace is not trace_id else trace_id
        refs.append((ref_type, ref_trace, normalize_id(ref.spanID, 16)[0]))
    legacy, _ = optional_id(raw.parentSpanID, 16)
    for wanted in (RefType.CHILD_OF, RefType.FOLLOWS_FROM):
        for ref_type, ref_trace, span_id in refs:
            if ref_type is wanted and ref_trace == trace_id:
                return span_id, REF_CODE[ref_type]
    if legacy is not None:
        return legacy, REF_CODE[RefType.CHILD_OF]
    return None, -1


def _events(logs: list[_Log]) -> list[Any]:
    events = []
    for log in logs:
        fields = _tags(log.fields)
        name = fields.pop("event", None) or "log"
        events.append(make_event(str(name), to_int(_plain(log.timestamp), "logs.timestamp") * 1000, fields))
    return events


def _span(raw: _Span, default_trace: Any, processes: _Processes, ids: tuple[dict[str, str], dict[str, str]],
          cols: Columns) -> None:
    trace_ids, span_ids = ids
    trace_id = raw.traceID or default_trace
    if type(trace_id) is not str:
        raise Fallback
    trace_id = trace_ids.get(trace_id) or clean_id(trace_id, 32, trace_ids)
    span_id = raw.spanID
    if type(span_id) is not str:
        raise Fallback
    span_id = span_ids.get(span_id) or clean_id(span_id, 16, span_ids)
    start, duration = raw.startTime * 1000, raw.duration * 1000
    end = start + duration
    parent, ref = _parent(raw, trace_id)
    if raw.tag:
        raise Fallback  # the storage's "tags as fields" map: the careful reader
    attrs = _tags(raw.tags)
    kind = parse_kind(attrs.get("span.kind"), "tags.span.kind")
    status = StatusCode.UNSET
    if "otel.status_code" in attrs:
        status = parse_status(attrs["otel.status_code"], "tags.otel.status_code")
    elif attrs.get("error") in _ERROR_VALUES:
        status = _ERROR
    message = str(attrs.get("otel.status_description") or "")
    service, host = processes.of(raw)
    name = raw.operationName or ""
    if type(name) is not str:
        raise Fallback
    if not (0 <= start <= MAX_NS and 0 <= end <= MAX_NS and end >= start) or parent == span_id:
        raise Fallback
    events = _events(raw.logs) if raw.logs else None
    millis = raw.startTimeMillis
    if millis is not None and to_int(_plain(millis), "startTimeMillis") != raw.startTime // 1000:
        raise Fallback  # warned about by the careful reader
    kept = {k: v for k, v in attrs.items() if k in ANALYSIS_KEYS} if attrs else None
    cols.add(trace_id, span_id, parent, cols.interner.name(name), service, host, KIND_CODE[kind],
             STATUS_CODE[status], message, ref, start, end, kept or None,
             events if status is _ERROR else None)


def _columns(data: Any, interner: Interner) -> Columns:
    cols = Columns(interner)
    ids: tuple[dict[str, str], dict[str, str]] = ({}, {})  # trace ids, span ids (clean_id bounds them)
    for trace in _traces(data):
        processes = _Processes(trace.processes, interner)
        default = trace.traceID if trace.traceID is not UNSET else None
        for raw in trace.spans:
            _span(raw, default, processes, ids, cols)
    return cols


def jaeger_chunks(data: Any, file: str | None, base: str | None,
                  interner: Interner) -> list[TableChunk] | None:
    """The chunks of one clean Jaeger JSON record, or None when the careful reader must read it."""
    try:
        cols = _columns(data, interner)
    except Exception:  # any irregularity: the careful reader decides what it means
        return None
    return cols.chunks(Origin(data, "jaeger", file, base)) if cols.span_id else []
