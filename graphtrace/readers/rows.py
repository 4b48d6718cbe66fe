"""Flat rows: JSON arrays, NDJSON or CSV with one row per span, or one row per span *event*.

Which column means what is decided by :mod:`.columns` (Parseable, ClickHouse,
generic names, ``--map``).  Each row becomes a *mergeable* span: the
assembler folds rows of the same (trace id, span id) into one span, merging
their events, and reports rows that disagree on name, parent, start, end,
kind or service.

Times: the start comes from the best start column (an integer ns column,
else Parseable's float ``*_epoch``, else a date-time string); the end from
the end column, else start + a duration whose unit is known (see
:mod:`.columns`: a ``Duration`` of unknown unit is never guessed, and a
table that would need one is refused with an InputError).  A parent of
``root``, ``0``, ``-1``, ``null``, ``none``, empty or an all-zero id means
"no parent".  Without a service column (or with an empty cell) the service
comes from a Kubernetes pod name column (:mod:`.pods`), kept as the resource
attribute ``k8s.pod.name``.

CSV (as SQL tools export it): UTF-8 with or without a BOM, CRLF or LF line
ends, quoted fields, blank lines skipped, header names stripped.  Cells are
strings: empty means absent, ClickHouse maps/arrays are read as JSON or as
ClickHouse/Python literals (``{'k':'v'}``, ``['a','b']``).

>>> from graphtrace.readers.context import ReadContext
>>> row = {"span_trace_id": "AB", "span_span_id": "01", "span_name": "GET", "span_kind": 2,
...        "span_start_time_unix_nano_epoch": 1.7e18, "span_duration_ns": 1500.0,
...        "service.name": "web", "event_name": "retry",
...        "event_time_unix_nano_epoch": 1.7e18, "http.method": "GET"}
>>> [item] = read_document([row], "p.json", None, ReadContext())
>>> s = item.span
>>> s.trace_id[-4:], s.kind.value, s.duration_ns, s.service, [e.name for e in s.events], s.attributes
('00ab', 'SERVER', 1500, 'web', ['retry'], {'http.method': 'GET'})
"""

from __future__ import annotations

import ast
import codecs
import csv
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterator

import orjson

from graphtrace.errors import InputError, short_repr
from graphtrace.model import Diagnostic, RefType
from graphtrace.readers.build import (UNEXPECTED, BadItem, FieldError, Item, SpanItem, make_event,
                                      make_link, make_span, parse_kind, parse_status, plain_reason)
from graphtrace.readers.columns import ColumnPlan, plan_for, resource_key
from graphtrace.readers.context import ReadContext
from graphtrace.readers.ids import IdError, normalize_id, optional_id
from graphtrace.readers.pods import service_from_pod
from graphtrace.readers.times import parse_duration, parse_time

NO_PARENT = frozenset({"root", "null", "none", "nil", "-", "-1", "0"})
"""Parent cells (any case, spaces stripped) that mean "this span is a root"."""


def read_document(doc: Any, file: str | None, base: str | None, ctx: ReadContext,
                  mapping: dict[str, str] | None = None) -> Iterator[Item]:
    """Items for a JSON array of rows (``row N``) or one NDJSON row / array of rows (``line N``)."""
    rows = doc if isinstance(doc, list) else [doc]
    for index, row in enumerate(rows, 1):
        record = base if base and len(rows) == 1 else f"{base + ', ' if base else ''}row {index}"
        yield row_item(row, file, record, ctx, mapping)


def read_csv(stream: BinaryIO, file: str | None, ctx: ReadContext,
             mapping: dict[str, str] | None = None) -> Iterator[Item]:
    """Items for every CSV row (streaming; UTF-8 with an optional BOM)."""
    text = codecs.getreader("utf-8-sig")(stream, errors="strict")
    reader = csv.DictReader(text)
    try:
        if reader.fieldnames is not None:
            reader.fieldnames = [name.strip() for name in reader.fieldnames]
        for index, row in enumerate(reader, 1):
            ctx.counters.records_read += 1
            extra = row.pop(None, None)  # type: ignore[call-overload]
            if extra is not None:
                yield BadItem(None, Diagnostic(file=file, record=f"row {index}", field=None, message=(
                    f"{len(extra)} more field(s) than the header's {len(reader.fieldnames or ())}")))
                continue
            try:
                yield row_item(row, file, f"row {index}", ctx, mapping)
            except UNEXPECTED as exc:  # a safety net one row wide: the next rows are still read
                yield _unforeseen(row, file, f"row {index}", ctx, mapping, exc)
    except UnicodeDecodeError as exc:
        ctx.counters.records_skipped += 1
        ctx.skip(file, f"after row {reader.line_num}", None, f"not UTF-8 text ({exc.reason}); rest of file skipped")
    except csv.Error as exc:
        ctx.counters.records_skipped += 1
        ctx.skip(file, f"line {reader.line_num}", None, f"bad CSV: {exc}; rest of file skipped")


class _Watched(dict):
    """A row that remembers the columns read from it (to name the one an unforeseen error hit)."""

    def get(self, key: Any, default: Any = None) -> Any:
        self.__dict__.setdefault("read", []).append(key)
        return super().get(key, default)


def _unforeseen(row: dict[str, Any], file: str | None, record: str, ctx: ReadContext,
                mapping: dict[str, str] | None, exc: BaseException) -> BadItem:
    """The skipped row for an exception the reader's checks did not foresee (:data:`UNEXPECTED`).

    The row is read again, watched, to name the column the error happened in (the last one
    read); the reading is deterministic, so it fails at the same place.  Its trace, when the
    trace id column could be read, is spoiled like any other trace with a skipped span.

    >>> from graphtrace.readers.context import ReadContext
    >>> row = {"trace_id": "ab", "span_id": "01", "name": "x", "start_ns": "5", "end_ns": "9"}
    >>> item = _unforeseen(row, "t.csv", "row 3", ReadContext(), None, TypeError("'list' object ..."))
    >>> item.trace_id[-2:], item.diagnostic.text
    ('ab', 't.csv: row 3: cannot read this record (found a list where another type was expected); the row is skipped')
    """
    watched = _Watched(row)
    column = None
    try:
        row_item(watched, file, record, ReadContext(), mapping)  # its own context: no warning twice
    except UNEXPECTED:
        read = watched.__dict__.get("read") or [None]
        column = read[-1]
    except Exception:  # noqa: BLE001 - only naming the column; the first error is what is reported
        pass
    trace_id = None
    try:
        plan = plan_for(row.keys(), mapping)
        trace_id = normalize_id(_get(row, plan.fields.get("trace_id")), 32)[0]
    except Exception:  # noqa: BLE001 - the row is skipped either way; only its trace is not spoiled
        pass
    return BadItem(trace_id, Diagnostic(file=file, record=record, field=column, message=(
        f"cannot read this record ({plain_reason(exc)}); the row is skipped")))


def _get(row: dict[str, Any], column: str | None) -> Any:
    if column is None:
        return None
    value = row.get(column)
    return None if value == "" else value


def parent_id(value: Any) -> str | None:
    """The parent span id of a row, or None for a root (see :data:`NO_PARENT`).

    >>> [parent_id(v) for v in ("root", " NULL ", "-1", 0, "", None, "00000000", "0" * 32)]
    [None, None, None, None, None, None, None, None]
    >>> parent_id("EEE19B7EC3C1B174"), parent_id(7)
    ('eee19b7ec3c1b174', '0000000000000007')
    """
    if type(value) is int:  # JSON rows: 0 / -1 for a root, else a numeric id
        value = str(value) if value > 0 else None
    elif isinstance(value, str):
        text = value.strip().lower()
        if text in NO_PARENT or not text.strip("0"):  # a sentinel, or zeros of any width
            value = None
    return optional_id(value, 16)[0]


def row_item(row: Any, file: str | None, record: str, ctx: ReadContext,
             mapping: dict[str, str] | None = None) -> Item:
    """One row -> a mergeable SpanItem, or a BadItem naming the column.

    Raises InputError for a table whose span ends need a duration of unknown unit.
    """
    if not isinstance(row, dict):
        return BadItem(None, Diagnostic(file=file, record=record, field=None,
                                        message=f"expected a row object, got {short_repr(row)}"))
    plan = plan_for(row.keys(), mapping)
    if plan.unitless_duration is not None:
        column = plan.unitless_duration
        raise InputError(f"the unit of {column!r} is unknown and there is no end-time column; "
                         f"give it with --map duration_us={column} (or duration_ns=, duration_ms=)",
                         file=file, record=record, field=column)
    fields = plan.fields
    try:
        trace_id, warning = normalize_id(_get(row, fields.get("trace_id")), 32)
    except IdError as exc:
        return BadItem(None, Diagnostic(file=file, record=record,
                                        field=fields.get("trace_id", "trace_id"), message=str(exc)))
    if warning:
        ctx.warn(file, record, fields["trace_id"], f"{warning}: {trace_id!r}", once=f"{file}:trace_id")
    column = fields.get("span_id", "span_id")
    try:
        span_id, warning = normalize_id(_get(row, fields.get("span_id")), 16)
        if warning:
            ctx.warn(file, record, column, f"{warning}: {span_id!r}", once=f"{file}:span_id")
        column = fields.get("parent_span_id", "parent_span_id")
        parent = parent_id(_get(row, fields.get("parent_span_id")))
        span = _build(row, plan, trace_id, span_id, parent, _Where(ctx, file, record))
    except IdError as exc:
        return BadItem(trace_id, Diagnostic(file=file, record=record, field=column, message=str(exc)))
    except FieldError as exc:
        return BadItem(trace_id, Diagnostic(file=file, record=record, field=exc.field,
                                            message=exc.message))
    return SpanItem(span, file, f"{record}, span {span_id}", True)


def _time(row: dict[str, Any], column: str | None, plan: ColumnPlan) -> int | None:
    value = _get(row, column)
    if value is None:
        return None
    return parse_time(value, column or "time", "auto" if column in plan.auto_unit else "ns")


def _end(row: dict[str, Any], plan: ColumnPlan, start: int) -> int:
    """The end from the first of the plan's end sources that this row fills."""
    for column, scale in plan.end_sources:
        value = _get(row, column)
        if value is None:
            continue
        if scale == 0:
            return parse_time(value, column, "auto" if column in plan.auto_unit else "ns")
        return start + parse_duration(value, column, scale)
    raise FieldError(plan.end_sources[0][0] if plan.end_sources else "end",
                     "missing end time and duration")


def _service(row: dict[str, Any], plan: ColumnPlan, resource: dict[str, Any]) -> str:
    """The service column, else the service of the pod name column, else ``unknown``."""
    fields = plan.fields
    pod = _get(row, fields.get("pod"))
    if pod is not None:
        resource["k8s.pod.name"] = pod
    service = _get(row, fields.get("service"))
    if service is None and pod is not None:
        service = service_from_pod(str(pod)) or None
    service = "unknown" if service is None else str(service)
    if service != "unknown":
        resource["service.name"] = service
    return service


@dataclass(slots=True)
class _Where:
    """Where a row was read, for the warnings of the event and link columns."""

    ctx: ReadContext
    file: str | None
    record: str

    def warn(self, field: str, message: str) -> None:
        self.ctx.warn(self.file, self.record, field, message)


def _build(row: dict[str, Any], plan: ColumnPlan, trace_id: str, span_id: str,
           parent: str | None, where: _Where) -> Any:
    fields = plan.fields
    start = _time(row, fields.get("start_ns"), plan)
    if start is None:
        raise FieldError(fields.get("start_ns", "start"), "missing start time")
    end = _end(row, plan, start)
    resource = _mapping(row, fields.get("resource_map"))
    resource.update({resource_key(c): v for c in plan.resource if (v := _get(row, c)) is not None})
    service = _service(row, plan, resource)
    attributes = _mapping(row, fields.get("attributes_map"))
    attributes.update({c: v for c in plan.attributes if (v := _get(row, c)) is not None})
    if "scope_name" in fields or "scope_version" in fields:
        for key, column in (("otel.scope.name", "scope_name"), ("otel.scope.version", "scope_version")):
            value = _get(row, fields.get(column))
            if value is not None and key not in attributes:
                attributes[key] = value
    name = _get(row, fields.get("name"))
    message = _get(row, fields.get("status_message"))
    return make_span(
        trace_id, span_id, parent, service, str(name) if name is not None else "",
        parse_kind(_get(row, fields.get("kind")), fields.get("kind", "kind")), start, end,
        ref_type=RefType.CHILD_OF,
        status_code=parse_status(_get(row, fields.get("status_code")), fields.get("status_code", "status")),
        status_message=str(message) if message is not None else "",
        attributes=attributes, resource=resource, events=_events(row, plan, where),
        links=_links(row, plan, where),
        names=plan.names)


def _structured(value: Any, column: str) -> Any:
    """A map/array cell: as is, or parsed from JSON or a ClickHouse/Python literal."""
    if not isinstance(value, str):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        pass
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise FieldError(column, f"cannot read {short_repr(value)} as a map or array") from None


def _mapping(row: dict[str, Any], column: str | None) -> dict[str, Any]:
    value = _get(row, column)
    if value is None:
        return {}
    value = _structured(value, column or "")
    if not isinstance(value, dict):
        raise FieldError(column or "", f"expected a map, got {short_repr(value)}")
    return {str(k): v for k, v in value.items() if v is not None}


def _array(row: dict[str, Any], column: str | None) -> list[Any]:
    value = _get(row, column)
    if value is None:
        return []
    value = _structured(value, column or "")
    if not isinstance(value, list):
        raise FieldError(column or "", f"expected an array, got {short_repr(value)}")
    return value


_EVENT_FIELDS = ("event_name", "event_times", "events_list")
_LINK_FIELDS = ("link_trace_ids",)


def _name(value: Any, field: str) -> str:
    """An event name: any scalar as text; a list or object is not a name (and may be nested deep)."""
    if isinstance(value, (list, dict)):
        raise FieldError(field, f"expected a name, got {short_repr(value)}")
    return str(value)


def _entry_attributes(attrs_list: list[Any], i: int, field: str, where: _Where) -> dict[str, Any]:
    """Entry ``i`` of an attributes array column; an entry that is not an object is left out with a
    warning naming the column and index (null or a missing entry: no attributes)."""
    attrs = attrs_list[i] if i < len(attrs_list) else None
    if attrs is None or type(attrs) is dict:
        return attrs or {}
    where.warn(f"{field}[{i}]", f"expected an object of key: value, got {short_repr(attrs)}; "
                                f"these attributes are left out")
    return {}


def _events(row: dict[str, Any], plan: ColumnPlan, where: _Where) -> list[Any]:
    fields = plan.fields
    if not any(f in fields for f in _EVENT_FIELDS):
        return []
    events = []
    name = _get(row, fields.get("event_name"))
    when = _time(row, fields.get("event_time_ns"), plan)
    if name is not None and when is not None:
        attrs = {c.removeprefix("event_"): v for c in plan.event_attributes
                 if (v := _get(row, c)) is not None}
        events.append(make_event(_name(name, fields["event_name"]), when, attrs))
    times, names = _array(row, fields.get("event_times")), _array(row, fields.get("event_names"))
    attrs_list = _array(row, fields.get("event_attributes"))
    attrs_column = fields.get("event_attributes", "Events.Attributes")
    for i, (stamp, ev_name) in enumerate(zip(times, names)):
        attrs = _entry_attributes(attrs_list, i, attrs_column, where)
        events.append(make_event(_name(ev_name, f"{fields['event_names']}[{i}]"),
                                 parse_time(stamp, "Events.Timestamp", "auto"), attrs))
    column = fields.get("events_list", "Events")
    for i, entry in enumerate(_array(row, fields.get("events_list"))):
        if not isinstance(entry, dict):
            where.warn(f"{column}[{i}]", f"expected an event object, got {short_repr(entry)}; "
                                         f"this event is left out")
            continue
        stamp = entry.get("Timestamp", entry.get("timestamp"))
        events.append(make_event(_name(entry.get("Name", entry.get("name", "")), f"{column}[{i}].Name"),
                                 parse_time(stamp, "Events", "auto"),
                                 entry.get("Attributes", entry.get("attributes")) or {}))
    return events


def _links(row: dict[str, Any], plan: ColumnPlan, where: _Where) -> list[Any]:
    fields = plan.fields
    if "link_trace_ids" not in fields:
        return []
    trace_ids, span_ids = _array(row, fields.get("link_trace_ids")), _array(row, fields.get("link_span_ids"))
    attrs_list = _array(row, fields.get("link_attributes"))
    links = []
    try:
        for i, (tid, sid) in enumerate(zip(trace_ids, span_ids)):
            attrs = _entry_attributes(attrs_list, i, fields.get("link_attributes", "Links.Attributes"), where)
            links.append(make_link(normalize_id(tid, 32)[0], normalize_id(sid, 16)[0], None, attrs))
    except IdError as exc:
        raise FieldError("Links.SpanId", f"bad link id: {exc}") from None
    return links
