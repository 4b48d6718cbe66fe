"""Jaeger JSON, in the shapes Jaeger's own tools write.

Accepted shapes (docs/formats.md has the full list):

* the query API answer / UI download ``{"data": [trace...]}``, also ``{"data": trace}``;
* a bare trace object ``{"traceID", "spans", "processes"}``, or a list of them (also NDJSON);
  only the trace may carry ``traceID``: its spans and their references inherit it;
* one span per record, as Jaeger's Elasticsearch/OpenSearch storage holds it (NDJSON
  dump, a list, or search hits that :func:`~graphtrace.readers.sniff.unwrap_hits`
  unwrapped): ``traceID, spanID, operationName, references, startTime, duration``
  (µs), ``startTimeMillis``, ``tags`` list and/or ``tag`` map, ``logs`` and an inline
  ``process: {serviceName, tags|tag}``.

Mapping: times are µs (-> ns); the parent is the first CHILD_OF reference,
else the first FOLLOWS_FROM, and its type is kept as ``ref_type``; every
other reference becomes a ``Link`` with its ref_type (a reference into another
trace id is never a parent); a deprecated ``parentSpanID`` is the parent when
there is no reference.  Reference trace ids that differ only in leading
zeros are normalised (both padded to 32 hex digits).  Tags come from the
``tags`` list and the ``tag`` map (Jaeger's "tags as fields", where ``@``
stands for ``.`` in keys: ``span@kind`` is ``span.kind``); on a clash the list
wins.  The ``span.kind`` tag gives the kind; ``otel.status_code`` (else
``error=true``) the status and ``otel.status_description`` the message; these
four tags are consumed, all others become attributes.  The process
(``processes[processID]`` or an inline ``process``) gives the service and the
resource (its tags plus ``service.name``).  Logs become events named by their
``event`` field (else ``log``), the other fields being the event's attributes.
A ``startTimeMillis`` that disagrees with ``startTime`` is warned about once per file.

Spans sharing an id within a trace (:mod:`.jaeger_dedupe`): identical copies are
merged; copies with different content are all kept, the n-th distinct one under
the id ``<span id>_<n>`` as Jaeger UI does (a Zipkin-style CLIENT/SERVER pair is
split as Jaeger's query service does: the SERVER is renamed and becomes the
CLIENT's child), with one warning per trace.

>>> from graphtrace.readers.context import ReadContext
>>> doc = {"data": [{"traceID": "ab", "processes": {"p1": {"serviceName": "web", "tags": []}},
...   "spans": [{"traceID": "AB", "spanID": "2", "operationName": "GET /", "processID": "p1",
...              "references": [{"refType": "FOLLOWS_FROM", "traceID": "00ab", "spanID": "1"}],
...              "startTime": 10, "duration": 3,
...              "tags": [{"key": "span.kind", "type": "string", "value": "server"},
...                       {"key": "error", "type": "bool", "value": True}]}]}]}
>>> [item] = read_document(doc, "j.json", None, ReadContext())
>>> s = item.span
>>> s.parent_span_id, s.ref_type.value, s.kind.value, s.status_code.value, s.start_ns, s.end_ns
('0000000000000001', 'FOLLOWS_FROM', 'SERVER', 'ERROR', 10000, 13000)
"""

from __future__ import annotations

from typing import Any, Iterator

from graphtrace.errors import short_repr
from graphtrace.model import Diagnostic, RefType, StatusCode
from graphtrace.readers.build import (BadItem, FieldError, Item, make_event, make_link, make_span, plain_reason,
                                      parse_kind, parse_status, to_int)
from graphtrace.readers.context import ReadContext
from graphtrace.readers.ids import IdError, normalize_id, optional_id
from graphtrace.readers.jaeger_dedupe import JaegerSpan

NAMES = {"start_ns": "startTime", "end_ns": "duration", "parent_span_id": "references"}
_CONSUMED = frozenset({"span.kind", "error", "otel.status_code", "otel.status_description"})
_SCALARS = (str, int, float, bool)


def tag_value(tag: dict[str, Any]) -> Any:
    """A Jaeger tag's value, typed by its ``type`` (the ES storage writes every value as a string).

    >>> tag_value({"key": "n", "type": "int64", "value": "42"}), tag_value({"type": "bool", "value": "true"})
    (42, True)
    """
    value, kind = tag.get("value"), tag.get("type")
    if kind == "bool" and type(value) is not bool:
        return str(value).lower() == "true"
    if kind == "int64" and type(value) is not int:
        return to_int(value, f"tags.{tag.get('key')}")
    if kind == "float64" and type(value) is not float:
        return float(value)
    return value


def tags(raw: Any, field: str = "tags") -> dict[str, Any]:
    """A Jaeger tag list -> dict; FieldError on a malformed list.

    >>> tags([{"key": "http.method", "type": "string", "value": "GET"}])
    {'http.method': 'GET'}
    """
    if not raw:
        return {}
    try:
        return {t["key"]: tag_value(t) for t in raw}
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        raise FieldError(field, f"malformed tags: {plain_reason(exc)}") from None


def tag_map(raw: Any, field: str = "tag") -> dict[str, Any]:
    """A "tags as fields" map from Jaeger's ES/OpenSearch storage -> dict, ``@`` back to ``.``.

    >>> tag_map({"span@kind": "client", "http@status_code": 503, "error": True})
    {'span.kind': 'client', 'http.status_code': 503, 'error': True}
    """
    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise FieldError(field, f"expected an object, got {short_repr(raw)}")
    out = {}
    for key, value in raw.items():
        if not isinstance(value, _SCALARS):
            raise FieldError(f"{field}.{key}", f"expected a string, number or bool, got {short_repr(value)}")
        out[key.replace("@", ".")] = value
    return out


def _all_tags(raw: dict[str, Any], field: str) -> dict[str, Any]:
    """The ``tags`` list merged with the ``tag`` map (the list wins on a clash)."""
    listed = tags(raw.get("tags"), f"{field}tags")
    mapped = tag_map(raw.get("tag"), f"{field}tag")
    return {**mapped, **listed} if mapped else listed


def read_document(doc: Any, file: str | None, base: str | None, ctx: ReadContext) -> Iterator[Item]:
    """Items for every span of a Jaeger document or NDJSON record (any shape above)."""
    prefix = base + ", " if base else ""
    for index, (unit, trace_id) in enumerate(_units(doc)):
        if isinstance(unit, str):  # why the unit is no trace
            yield BadItem(None, Diagnostic(file=file, record=f"{prefix}trace {index}", field="spans",
                                           message=unit))
        elif "spans" in unit:
            processes = unit.get("processes") or {}
            memo: dict[int, tuple[Any, str, dict[str, Any]]] = {}  # one resource per process, not per span
            for raw in unit["spans"]:
                yield _span_item(raw, trace_id, processes, file, prefix, ctx, memo)
        else:  # one span, as the ES/OpenSearch storage holds it
            yield _span_item(unit, None, {}, file, prefix, ctx, {})


def _units(doc: Any) -> Iterator[tuple[Any, Any]]:
    """``(trace or span object, the trace's traceID)``, or ``(message, None)`` for a bad one."""
    if isinstance(doc, dict) and "data" in doc and "spans" not in doc and "spanID" not in doc:
        data = doc["data"]
        if data is None:
            errors = doc.get("errors") or []
            detail = "; ".join(str(e.get("msg", e) if isinstance(e, dict) else e) for e in errors)
            yield f"no traces in this answer{': ' + detail if detail else ''}", None
            return
        doc = data
    for unit in doc if isinstance(doc, list) else [doc]:
        if isinstance(unit, dict) and isinstance(unit.get("spans"), list):
            yield unit, unit.get("traceID")
        elif isinstance(unit, dict) and "spanID" in unit:
            yield unit, None
        else:
            yield "not a Jaeger trace object or span", None


def _span_item(raw: Any, default_trace: Any, processes: dict[str, Any], file: str | None,
               prefix: str, ctx: ReadContext, memo: dict[int, tuple[Any, str, dict[str, Any]]]) -> Item:
    if type(raw) is not dict:
        return BadItem(None, Diagnostic(file=file, record=f"{prefix}span", field="spans",
                                        message=f"expected a span object, got {short_repr(raw)}"))
    record = f"{prefix}span {raw.get('spanID')}"
    try:
        trace_id, warning = normalize_id(raw.get("traceID") or default_trace, 32)
    except IdError as exc:
        return BadItem(None, Diagnostic(file=file, record=record, field="traceID", message=str(exc)))
    if warning:
        ctx.warn(file, record, "traceID", f"{warning}: {trace_id!r}", once=f"{file}:traceID")
    try:
        try:
            span_id, warning = normalize_id(raw.get("spanID"), 16)
        except IdError as exc:
            raise FieldError("spanID", str(exc)) from None
        if warning:
            ctx.warn(file, record, "spanID", f"{warning}: {span_id!r}", once=f"{file}:spanID")
        span = _build(raw, trace_id, span_id, processes, memo)
    except FieldError as exc:
        return BadItem(trace_id, Diagnostic(file=file, record=record, field=exc.field,
                                            message=exc.message))
    _check_millis(raw, file, record, ctx)
    return JaegerSpan(span, file, prefix[:-2] or None)


def _check_millis(raw: dict[str, Any], file: str | None, record: str, ctx: ReadContext) -> None:
    millis = raw.get("startTimeMillis")
    if millis is None:
        return
    start = to_int(raw["startTime"], "startTime")  # already read once: it is an integer
    try:
        agrees = to_int(millis, "startTimeMillis") == start // 1000
    except FieldError:
        agrees = False
    if not agrees:
        ctx.warn(file, record, "startTimeMillis",
                 f"startTimeMillis {millis!r} is not startTime {start!r} µs in ms; "
                 "startTime (µs) was used", once=f"{file}:startTimeMillis")


_NO_PROCESS: dict[str, Any] = {}  # read only


def _process(raw: dict[str, Any], processes: Any) -> dict[str, Any]:
    """The span's process: inline, else ``processes[processID]``; FieldError naming the field at fault.

    >>> _process({"processID": "p1"}, {"p1": {"serviceName": "web"}})
    {'serviceName': 'web'}
    >>> try:
    ...     _process({"processID": ["p1"]}, {"p1": {}})
    ... except FieldError as exc:
    ...     print(exc.field, exc.message)
    processID expected a string, got a list
    """
    process = raw.get("process")
    if process:
        if not isinstance(process, dict):
            raise FieldError("process", f"expected an object, got {_json_type(process)}")
        return process
    pid = raw.get("processID")
    if pid is None or pid == "":
        return _NO_PROCESS
    if not isinstance(pid, str):
        raise FieldError("processID", f"expected a string, got {_json_type(pid)}")
    if not isinstance(processes, dict):
        raise FieldError("processes", f"expected an object of processes by id, got {_json_type(processes)}")
    process = processes.get(pid) or _NO_PROCESS
    if not isinstance(process, dict):
        raise FieldError(f"processes.{pid[:40]}", f"expected an object, got {_json_type(process)}")
    return process


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", int: "an integer", float: "a number",
            bool: "a boolean"}.get(type(value), "null" if value is None else type(value).__name__)


def _resource(raw: dict[str, Any], processes: dict[str, Any],
              memo: dict[int, tuple[Any, str, dict[str, Any]]]) -> tuple[str, dict[str, Any]]:
    """The span's service and resource (its process's tags plus ``service.name``), made once per
    process object and shared by its spans (``memo`` keeps the object, so its id stays its own).

    >>> memo, processes = {}, {"p": {"serviceName": "web"}}
    >>> a = _resource({"processID": "p"}, processes, memo)
    >>> a, _resource({"processID": "p"}, processes, memo)[1] is a[1]
    (('web', {'service.name': 'web'}), True)
    """
    process = _process(raw, processes)
    hit = memo.get(id(process))
    if hit is not None and hit[0] is process:
        return hit[1], hit[2]
    service = process.get("serviceName") or "unknown"
    resource = {**_all_tags(process, "process."), "service.name": service}
    memo[id(process)] = (process, service, resource)
    return service, resource


def _build(raw: dict[str, Any], trace_id: str, span_id: str, processes: dict[str, Any],
           memo: dict[int, tuple[Any, str, dict[str, Any]]]) -> Any:
    start = to_int(raw.get("startTime"), "startTime") * 1000
    duration = to_int(raw.get("duration"), "duration") * 1000
    parent, ref_type, links = _references(raw, trace_id)
    attrs = _all_tags(raw, "")
    kind = parse_kind(attrs.get("span.kind"), "tags.span.kind")
    status = StatusCode.UNSET
    if "otel.status_code" in attrs:
        status = parse_status(attrs["otel.status_code"], "tags.otel.status_code")
    elif attrs.get("error") in (True, "true", "True", "TRUE", 1, "1"):
        status = StatusCode.ERROR
    message = attrs.get("otel.status_description") or ""
    if _CONSUMED & attrs.keys():
        attrs = {k: v for k, v in attrs.items() if k not in _CONSUMED}
    service, resource = _resource(raw, processes, memo)
    name = raw.get("operationName") or ""
    if type(name) is not str or type(service) is not str:
        raise FieldError("operationName", f"expected strings, got {name!r}, {service!r}")
    return make_span(trace_id, span_id, parent, service, name, kind, start, start + duration,
                     ref_type=ref_type, status_code=status, status_message=str(message),
                     attributes=attrs, resource=resource, events=_logs(raw.get("logs")),
                     links=links, names=NAMES)


_REF_TYPES = {t.value: t for t in RefType}  # the usual spellings, without Enum's call


def _references(raw: dict[str, Any], trace_id: str) -> tuple[str | None, RefType | None, list[Any]]:
    refs: list[tuple[RefType, str, str]] = []
    try:
        for ref in raw.get("references") or ():
            text = ref.get("refType")
            ref_type = (type(text) is str and _REF_TYPES.get(text)) or RefType(str(text or "CHILD_OF").upper())
            ref_trace = normalize_id(ref.get("traceID") or trace_id, 32)[0]
            refs.append((ref_type, ref_trace, normalize_id(ref.get("spanID"), 16)[0]))
        legacy, _ = optional_id(raw.get("parentSpanID"), 16)
    except (IdError, ValueError, AttributeError, TypeError, RecursionError) as exc:
        raise FieldError("references", f"malformed reference: {plain_reason(exc)}") from None
    parent_index = None
    for wanted in (RefType.CHILD_OF, RefType.FOLLOWS_FROM):
        parent_index = next((i for i, r in enumerate(refs) if r[0] is wanted and r[1] == trace_id),
                            None)
        if parent_index is not None:
            break
    links = [make_link(t, s, rt) for i, (rt, t, s) in enumerate(refs) if i != parent_index]
    if parent_index is not None:
        ref_type, _, parent = refs[parent_index]
        return parent, ref_type, links
    if legacy is not None:
        return legacy, RefType.CHILD_OF, links
    return None, None, links


def _logs(raw: Any) -> list[Any]:
    if not raw:
        return []
    events = []
    try:
        for log in raw:
            fields = tags(log.get("fields"), "logs.fields")
            name = fields.pop("event", None) or "log"
            events.append(make_event(str(name), to_int(log.get("timestamp"), "logs.timestamp") * 1000,
                                     fields))
    except (AttributeError, TypeError) as exc:
        raise FieldError("logs", f"malformed logs: {plain_reason(exc)}") from None
    return events
