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
import operator
from typing import Annotated, Any

import msgspec
import numpy as np
from msgspec import UNSET, Meta, Raw, Struct, UnsetType

from graphtrace.model import RefType, StatusCode
from graphtrace.readers.build import MAX_NS, make_event, parse_kind, parse_status, to_int
from graphtrace.readers.ids import normalize_id, optional_id
from graphtrace.readers import bulk
from graphtrace.readers.otlp_fast import Fallback, safe
from graphtrace.readers.table_chunks import Columns, Interner, Origin, TableChunk
from graphtrace.spantable import ANALYSIS_KEYS, HOST_KEYS, KIND_CODE, REF_CODE, STATUS_CODE

_Int = Annotated[int, Meta(ge=-(2**63), le=2**63 - 1)]
_Float = Annotated[float, Meta(ge=-1.7976931348623157e308, le=1.7976931348623157e308)]  # finite
_REF_TYPES = {t.value: t for t in RefType}
_ERROR_VALUES = (True, "true", "True", "TRUE", 1, "1")
_ERROR = StatusCode.ERROR
_PARENT_CODES = {"CHILD_OF": REF_CODE[RefType.CHILD_OF], "FOLLOWS_FROM": REF_CODE[RefType.FOLLOWS_FROM]}


class _Tag(Struct, gc=False, forbid_unknown_fields=True):
    key: str
    type: Any = None
    value: Any = None


class _Log(Struct, gc=False, forbid_unknown_fields=True):
    timestamp: Any = None
    fields: list[_Tag] | None = None


class _Ref(Struct, gc=False, forbid_unknown_fields=True):
    spanID: Any = None
    refType: Any = None
    traceID: Any = None


class _Process(Struct, gc=False, forbid_unknown_fields=True):
    serviceName: Any = None
    tags: list[_Tag] | None = None
    tag: Any = None


class _Span(Struct, gc=False, forbid_unknown_fields=True):
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
    # read by nobody, typed so that every value is one orjson reads too (no number beyond a double)
    flags: _Int | None = None
    warnings: list[str] | None = None
    depth: _Int | None = None
    hasChildren: bool | None = None
    relativeStartTime: _Int | _Float | None = None
    childSpanIds: list[str] | None = None


class _Trace(Struct, gc=False, forbid_unknown_fields=True):
    spans: list[Raw]  # decoded as _Span a batch at a time (bulk.batches)
    traceID: Any = UNSET
    processes: dict[str, _Process] | None = None
    warnings: Any = None


class _Top(Struct, gc=False, forbid_unknown_fields=True):
    data: list[_Trace] | _Trace | None | UnsetType = UNSET
    spans: list[Raw] | UnsetType = UNSET
    traceID: Any = UNSET
    processes: dict[str, _Process] | None = None
    warnings: Any = None
    total: Any = None
    limit: Any = None
    offset: Any = None
    errors: Any = None


_DOCUMENT = msgspec.json.Decoder(_Top)
_LIST = msgspec.json.Decoder(list[_Trace])
_SPANS = msgspec.json.Decoder(list[_Span])


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
        value, kind = tag.value, tag.type
        if type(value) is str:
            if kind == "string" or kind not in _CONVERTED:
                out[tag.key] = value
                continue
        else:
            value = _plain(value)
        if kind == "bool" and type(value) is not bool:
            value = str(value).lower() == "true"
        elif kind == "int64" and type(value) is not int:
            value = to_int(value, "tags")
        elif kind == "float64" and type(value) is not float:
            value = float(value)
        out[tag.key] = value
    return out


_CONVERTED = frozenset({"bool", "int64", "float64"})


def _checked(traces: list[_Trace], *values: Any) -> list[_Trace]:
    """``traces``, once every value msgspec took without looking (document fields, every process,
    even one no span names) is one orjson reads the same way; Fallback otherwise."""
    for value in values:
        _plain(value)
    for trace in traces:
        _plain(trace.traceID if trace.traceID is not UNSET else None)
        _plain(trace.warnings)
        for process in (trace.processes or {}).values():
            _plain(process.serviceName)
            _plain(process.tag)
            _tags(process.tags)
    return traces


def _traces(data: Any) -> list[_Trace]:
    """The trace objects of a clean document; Fallback for every other shape."""
    head = data.lstrip()[:1] if isinstance(data, (bytes, str)) else b""
    if head in (b"[", "["):
        traces = _LIST.decode(data)
        first = traces[0] if traces else None  # detect_format looks at the first trace only
        if first is None or (first.traceID is UNSET and not first.spans):
            raise Fallback
        return _checked(traces)
    top = _DOCUMENT.decode(data)
    if top.data is not UNSET and top.spans is UNSET and top.traceID is UNSET:
        if top.data is None:
            raise Fallback  # "no traces in this answer": the careful reader's message
        if top.processes is not None:
            raise Fallback  # processes beside "data": a shape Jaeger does not write
        return _checked(top.data if type(top.data) is list else [top.data], top.warnings,
                        top.total, top.limit, top.offset, top.errors)
    if top.data is UNSET and top.spans is not UNSET and (top.traceID is not UNSET or top.spans):
        return _checked([_Trace(spans=top.spans, traceID=top.traceID, processes=top.processes,
                                warnings=top.warnings)], top.total, top.limit, top.offset, top.errors)
    raise Fallback


class _Processes:
    """A trace's processes, each resolved once: (service code, host code)."""

    def __init__(self, processes: dict[str, _Process] | None, interner: Interner) -> None:
        self.processes = processes or {}
        self.interner = interner
        self.resolved: dict[Any, tuple[int, int]] = {}

    def of_id(self, pid: Any) -> int:
        """The (service, host) codes of the process ``pid``, packed: ``service << 32 | host``."""
        service, host = self.of(pid)
        return service << 32 | host

    def of(self, pid: Any) -> tuple[int, int]:
        """The (service, host) codes of the process ``pid`` (None, "": no process)."""
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


def _parent(raw: _Span, raw_trace: str, trace_id: str, cache: dict[str, str]) -> tuple[str | None, int]:
    """The parent and its ref-type code, as :func:`.jaeger._references` decides (``raw_trace``: the
    span's trace id as written, ``trace_id`` normalised; ``cache``: the trace's span ids normalised)."""
    refs = []
    for ref in raw.references or ():
        text = ref.refType
        if text is None or text == "":
            ref_type = RefType.CHILD_OF
        elif type(text) is str:
            ref_type = _REF_TYPES.get(text) or RefType(text.upper())
        else:
            raise Fallback
        ref_trace = ref.traceID
        ref_trace = trace_id if not ref_trace or ref_trace == raw_trace else normalize_id(ref_trace, 32)[0]
        span_id = ref.spanID
        span_id = (type(span_id) is str and cache.get(span_id)) or normalize_id(span_id, 16)[0]
        refs.append((ref_type, ref_trace, span_id))
    legacy = raw.parentSpanID
    if legacy is not None and legacy != "":
        legacy, _ = optional_id(legacy, 16)
    else:
        legacy = None
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


def _times(spans: list[_Span]) -> tuple[np.ndarray, np.ndarray]:
    """Start and end in ns (µs * 1000); Fallback where :func:`.build.make_span` would refuse them."""
    start = np.array([raw.startTime for raw in spans], dtype=np.int64)
    duration = np.array([raw.duration for raw in spans], dtype=np.int64)
    top = MAX_NS // 1000
    if (start < 0).any() or (duration < 0).any() or (start > top).any() or (duration > top).any():
        raise Fallback
    start, duration = start * 1000, duration * 1000
    if (start > MAX_NS - duration).any():
        raise Fallback
    return start, start + duration


def _trace_columns(trace: _Trace, interner: Interner, caches: tuple[dict[str, str], ...], cols: Columns) -> None:
    """The columns of one trace object's spans, a batch of spans at a time."""
    default = trace.traceID if trace.traceID is not UNSET else None
    processes = _Processes(trace.processes, interner)
    ref_ids: dict[Any, str] = {}  # the trace's raw span ids so far -> normalised (references name them)
    for spans in bulk.batches(trace.spans, _SPANS):
        _batch_columns(spans, default, processes, ref_ids, caches, cols)


def _batch_columns(spans: list[_Span], default: Any, processes: _Processes, ref_ids: dict[Any, str],
                   caches: tuple[dict[str, str], ...], cols: Columns) -> None:
    """The columns of some spans of one trace (the per-span rules of :func:`.jaeger._build`)."""
    raw_traces = [raw.traceID or default for raw in spans]
    trace_ids = bulk.ids(raw_traces, 32, caches[0])
    ids = bulk.ids([raw.spanID for raw in spans], 16, caches[1])
    start, end = _times(spans)
    ref_ids.update(zip((raw.spanID for raw in spans), ids))
    interner = processes.interner
    if any(raw.tag or raw.process for raw in spans):
        raise Fallback  # the storage's "tags as fields" map or inline process: the careful reader
    parents, refs = _parents(spans, raw_traces, trace_ids, ref_ids)
    tags = [_tags(raw.tags) if raw.tags else _NO_TAGS for raw in spans]
    kinds = bulk.codes([t.get("span.kind") for t in tags], _kind_code)
    statuses = _statuses(tags)
    messages = [str(m) if m else "" for m in [t.get("otel.status_description") for t in tags]]
    where = bulk.codes([raw.processID for raw in spans], processes.of_id)  # (service, host) codes, packed
    services, hosts = [w >> 32 for w in where], [w & 0xFFFFFFFF for w in where]
    names = [raw.operationName or "" for raw in spans]
    if set(map(type, names)) != {str}:
        raise Fallback
    intern = interner.name
    names = [intern(name) for name in names]
    events: dict[int, list[Any]] = {}
    error = STATUS_CODE[_ERROR]
    for row in [row for row, raw in enumerate(spans) if raw.logs]:
        found = _events(spans[row].logs)
        if statuses[row] == error:
            events[row] = found
    for row in [row for row, raw in enumerate(spans) if raw.startTimeMillis is not None]:
        raw = spans[row]
        if to_int(_plain(raw.startTimeMillis), "startTimeMillis") != raw.startTime // 1000:
            raise Fallback  # warned about by the careful reader
    attrs = [None if not t or t.keys().isdisjoint(ANALYSIS_KEYS) else
             {k: v for k, v in t.items() if k in ANALYSIS_KEYS} for t in tags]
    if any(map(operator.eq, parents, ids)):
        raise Fallback  # its own parent
    parents = [None if p is None else ref_ids.get(p, p) for p in parents]  # the span's own id string
    cols.extend(trace_ids, ids, parents, names, services, hosts, kinds, statuses, messages, refs, start, end,
                attrs, events)


_NO_TAGS: dict[str, Any] = {}  # read only
_MISSING = object()


def _kind_code(value: Any) -> int:
    return KIND_CODE[parse_kind(value, "tags.span.kind")]


def _status_code(value: Any) -> int:
    return STATUS_CODE[parse_status(value, "tags.otel.status_code")]


def _statuses(tags: list[dict[str, Any]]) -> list[int]:
    """Status codes: ``otel.status_code``, else ERROR for a true ``error`` tag (:func:`.jaeger._build`)."""
    error, unset = STATUS_CODE[_ERROR], STATUS_CODE[StatusCode.UNSET]
    flagged = [error if t.get("error") in _ERROR_VALUES else unset for t in tags]
    given = [t.get("otel.status_code", _MISSING) for t in tags]
    if given.count(_MISSING) == len(given):
        return flagged
    rows = [row for row, value in enumerate(given) if value is not _MISSING]
    for row, code in zip(rows, bulk.codes([given[row] for row in rows], _status_code)):
        flagged[row] = code
    return flagged


def _parents(spans: list[_Span], raw_traces: list[Any], trace_ids: list[str],
             ref_ids: dict[Any, str]) -> tuple[list[str | None], list[int]]:
    """Each span's parent and ref-type code (:func:`_parent`, with the usual case inline: one
    reference, into this trace, to a span of it)."""
    n = len(spans)
    parents: list[str | None] = [None] * n
    refs = [-1] * n
    for row, raw in enumerate(spans):
        references = raw.references
        if references and len(references) == 1 and raw.parentSpanID is None:
            ref = references[0]
            code = _PARENT_CODES.get(ref.refType) if type(ref.refType) is str else None
            parent = ref_ids.get(ref.spanID) if type(ref.spanID) is str else None
            if code is not None and parent is not None and (not ref.traceID or ref.traceID == raw_traces[row]):
                parents[row], refs[row] = parent, code
                continue
        if references or raw.parentSpanID is not None:
            parents[row], refs[row] = _parent(raw, raw_traces[row], trace_ids[row], ref_ids)
    return parents, refs


def _columns(data: Any, interner: Interner) -> Columns:
    cols = Columns(interner)
    caches: tuple[dict[str, str], ...] = ({}, {})  # trace ids, span ids (clean_id bounds them)
    for trace in _traces(data):
        _trace_columns(trace, interner, caches, cols)
    return cols


def jaeger_chunks(data: Any, file: str | None, base: str | None,
                  interner: Interner) -> list[TableChunk] | None:
    """The chunks of one clean Jaeger JSON record, or None when the careful reader must read it."""
    try:
        cols = _columns(data, interner)
    except Exception:  # any irregularity: the careful reader decides what it means
        return None
    return cols.chunks(Origin(data, "jaeger", file, base)) if cols.span_id else []
