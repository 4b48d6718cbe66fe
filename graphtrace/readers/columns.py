"""Which flat-row column holds which span field: Parseable, ClickHouse, generic, ``--map``.

Column names are matched without regard to case (``TraceID``, ``SpanID``,
``ParentID``, ``OperationName``, ``StartTimeUnixNano`` are found); a
``--map field=column`` entry is tried before the recognised names, which are
(first present wins):

* **Parseable otel-traces**: ``span_trace_id``, ``span_span_id``, ``span_parent_span_id``,
  ``span_name``, ``span_kind`` / ``span_kind_description``, start from
  ``span_start_time_unix_nano_epoch`` (float ns) else the ISO ``span_start_time_unix_nano``,
  ``span_duration_ns``, ``span_status_code`` / ``span_status_description``,
  ``span_status_message``, ``service.name``, ``event_name`` + ``event_time_unix_nano(_epoch)``.
* **ClickHouse otel_traces**: ``Timestamp`` (date-time string or number), ``TraceId``,
  ``SpanId``, ``ParentSpanId``, ``SpanName``, ``SpanKind``, ``ServiceName``,
  ``ResourceAttributes``, ``SpanAttributes``, ``Duration`` (ns), ``StatusCode``,
  ``StatusMessage``, ``Events.Timestamp/Name/Attributes`` (parallel arrays) or ``Events``
  (list of objects), ``Links.TraceId/SpanId/Attributes``, ``ScopeName``/``ScopeVersion``.
* **generic**: ``trace_id``/``traceId``, ``span_id``, ``parent_span_id``/``parent_id``,
  ``name``/``operation_name``, ``service``, ``pod``/``PodName``/``k8s.pod.name``,
  ``start_ns``/``start_time_unix_nano``, ``end_ns``/``end_time_unix_nano``, ``duration_ns``,
  ``duration_us``, ``duration_ms``...

**Durations.** The end of a span is its end column when there is one; a duration
column is used only without an end column (start + duration), and its unit must be
known: from the name (``duration_ns``/``span_duration_ns``/``durationNano``,
``duration_us``/``durationMicros``, ``duration_ms``/``durationMillis``), from the
``--map duration_us=COLUMN`` target, or from the source (ClickHouse otel_traces'
``Duration``, in a table that also has its ``Timestamp`` column, is ns).  A bare
``Duration``/``duration`` column elsewhere has no unit: it is ignored beside an end
column and refused (see :attr:`ColumnPlan.unitless_duration`) without one.  One
exception: Parseable's end columns (``span_end_time_unix_nano*``) are float epochs good
to ~256 ns, so its exact ``span_duration_ns`` (any unit-named duration) wins over them.

Every other column becomes an attribute: ``resource.X``/``resource_X`` and keys
in resource namespaces (``service.``, ``host.``, ``k8s.``, ``process.``,
``telemetry.``, ``os.``, ``container.``, ``cloud.``, ``deployment.``...) go to
the span's ``resource``; other ``event_X`` columns are attributes of the row's
event; Parseable's internal ``p_*`` columns and trace-state/flag/dropped-count/schema-URL
columns are ignored; everything else is a span attribute.

>>> plan = plan_for(("span_trace_id", "span_span_id", "span_name", "host.name", "http.method"))
>>> plan.fields["trace_id"], plan.fields["name"], plan.resource, plan.attributes
('span_trace_id', 'span_name', ('host.name',), ('http.method',))
>>> plan = plan_for(("TraceID", "SpanID", "ParentID", "OperationName", "StartTimeUnixNano",
...                  "EndTimeUnixNano", "Duration"))
>>> plan.fields["parent_span_id"], plan.fields["name"], plan.end_sources, plan.unitless_duration
('ParentID', 'OperationName', (('EndTimeUnixNano', 0),), None)
>>> plan_for(("TraceID", "SpanID", "StartTimeUnixNano", "Duration")).unitless_duration
'Duration'
>>> plan_for(("Timestamp", "TraceId", "SpanId", "Duration")).end_sources
(('Duration', 1),)
>>> looks_like_row({"TraceId": "ab", "SpanId": "01"}.keys(), None)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from graphtrace.errors import InputError
from graphtrace.readers.pods import POD_COLUMNS

# field -> candidate columns, best first (matched without regard to case).
CANDIDATES: dict[str, tuple[str, ...]] = {
    "trace_id": ("span_trace_id", "TraceId", "trace_id", "traceId", "trace.id"),
    "span_id": ("span_span_id", "SpanId", "span_id", "spanId", "span.id", "id"),
    "parent_span_id": ("span_parent_span_id", "ParentSpanId", "parent_span_id", "parentSpanId",
                       "parent_id", "parentId", "parent.id", "parent"),
    "name": ("span_name", "SpanName", "name", "operation_name", "operationName", "span.name",
             "operation"),
    "service": ("service.name", "ServiceName", "service_name", "serviceName", "service"),
    "pod": POD_COLUMNS,
    "kind": ("span_kind", "span_kind_description", "SpanKind", "kind", "span.kind"),
    "start_ns": ("start_ns", "start_time_unix_nano", "startTimeUnixNano",
                 "span_start_time_unix_nano_epoch", "span_start_time_unix_nano", "Timestamp",
                 "start_time", "startTime"),
    "end_ns": ("end_ns", "end_time_unix_nano", "endTimeUnixNano", "span_end_time_unix_nano_epoch",
               "span_end_time_unix_nano", "end_time", "endTime"),
    "duration_ns": ("duration_ns", "span_duration_ns", "durationNano", "duration_nanos"),
    "duration_us": ("duration_us", "durationMicros", "duration_micros"),
    "duration_ms": ("duration_ms", "durationMillis", "duration_millis"),
    "status_code": ("span_status_code", "span_status_description", "StatusCode", "status_code",
                    "statusCode", "status"),
    "status_message": ("span_status_message", "StatusMessage", "status_message", "statusMessage"),
    "event_name": ("event_name", "EventName"),
    "event_time_ns": ("event_time_ns", "event_time_unix_nano_epoch", "event_time_unix_nano",
                      "EventTimestamp"),
    "resource_map": ("ResourceAttributes", "resource_attributes", "resourceAttributes"),
    "attributes_map": ("SpanAttributes", "span_attributes", "spanAttributes", "attributes"),
    "events_list": ("Events",),
    "event_times": ("Events.Timestamp",),
    "event_names": ("Events.Name",),
    "event_attributes": ("Events.Attributes",),
    "link_trace_ids": ("Links.TraceId",),
    "link_span_ids": ("Links.SpanId",),
    "link_attributes": ("Links.Attributes",),
    "scope_name": ("ScopeName", "scope_name", "otel.scope.name"),
    "scope_version": ("ScopeVersion", "scope_version", "otel.scope.version"),
}
DURATION_SCALE = {"duration_ns": 1, "duration_us": 1_000, "duration_ms": 1_000_000}
"""Duration fields and the ns in one unit of each."""
UNITLESS_DURATION = ("Duration", "duration")
"""Duration columns whose name says no unit (ClickHouse's ``Duration`` is ns, see the module doc)."""
# Columns whose numbers have no fixed unit: the magnitude decides (see times.parse_time).
AUTO_UNIT = frozenset({"timestamp", "start_time", "starttime", "end_time", "endtime", "eventtimestamp"})
MAPPABLE = tuple(f for f in CANDIDATES if not f.startswith(("event_", "link_", "events_")))
"""The ``--map FIELD=COLUMN`` targets, in the order ``--help`` lists them."""
_LOSSY_END = ("span_end_time_unix_nano_epoch", "span_end_time_unix_nano")
_RESOURCE_PREFIXES = ("service.", "host.", "k8s.", "process.", "telemetry.", "os.", "container.",
                      "cloud.", "deployment.", "faas.", "device.", "webengine.", "service_")
_IGNORED_PREFIXES = ("p_", "span_dropped", "span_flags", "span_trace_state", "TraceState",
                     "Links.TraceState", "ScopeAttributes", "span_kind", "span_status",
                     "span_start_time", "span_end_time", "event_time", "event_dropped",
                     "link_dropped", "resource_dropped", "scope_dropped", "resource_schema_url",
                     "scope_schema_url", "schema_url")
_RECOGNISED = {c.lower() for cols in CANDIDATES.values() for c in cols} | {
    c.lower() for c in UNITLESS_DURATION}


@dataclass(frozen=True)
class ColumnPlan:
    """Columns chosen for one set of keys: ``fields`` (model field -> column) and the rest.

    ``end_sources`` says where a span's end comes from, best first: ``(column, 0)`` is an
    end-time column, ``(column, n)`` a duration column in units of ``n`` ns.
    ``unitless_duration`` names a duration column of unknown unit when nothing else gives
    the end: the reader refuses the table.  ``auto_unit`` holds the time columns whose
    numbers' unit is decided by their magnitude.
    """

    fields: dict[str, str]
    resource: tuple[str, ...]
    attributes: tuple[str, ...]
    event_attributes: tuple[str, ...]
    end_sources: tuple[tuple[str, int], ...] = ()
    unitless_duration: str | None = None
    auto_unit: frozenset[str] = frozenset()

    @property
    def names(self) -> dict[str, str]:
        """Column names for make_span's invariant errors (end/duration, parent)."""
        end = self.end_sources[0][0] if self.end_sources else "end"
        return {"end_ns": end, "parent_span_id": self.fields.get("parent_span_id", "parent_span_id")}


_PLANS: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], ColumnPlan] = {}


def plan_for(keys: Iterable[str], mapping: dict[str, str] | None = None) -> ColumnPlan:
    """The column plan for a row with these keys (cached per key set and mapping)."""
    key_tuple = tuple(keys)
    cache_key = (key_tuple, tuple(sorted((mapping or {}).items())))
    plan = _PLANS.get(cache_key)
    if plan is None:
        plan = _make_plan(key_tuple, mapping or {})
        if len(_PLANS) > 256:
            _PLANS.clear()
        _PLANS[cache_key] = plan
    return plan


def _find(column: str, present: set[str], folded: dict[str, str]) -> str | None:
    """The key that is ``column``: the same spelling, else the same name in another case."""
    if column in present:
        return column
    return folded.get(column.lower())


def _choose(keys: tuple[str, ...], mapping: dict[str, str]) -> dict[str, str]:
    present = set(keys)
    folded: dict[str, str] = {}
    for key in keys:
        folded.setdefault(key.lower(), key)
    fields: dict[str, str] = {}
    for field_name, candidates in CANDIDATES.items():
        mapped = mapping.get(field_name)
        found = _find(mapped, present, folded) if mapped is not None else None
        for column in candidates:
            if found is not None:
                break
            found = _find(column, present, folded)
        if found is not None:
            fields[field_name] = found
    unitless = next((c for c in UNITLESS_DURATION if c in present), None)
    if unitless is None:
        unitless = next((folded[c.lower()] for c in UNITLESS_DURATION if c.lower() in folded), None)
    if unitless is not None and unitless not in fields.values():
        fields["duration"] = unitless
    return fields


def _end_sources(fields: dict[str, str]) -> tuple[tuple[tuple[str, int], ...], str | None]:
    """Where the end comes from, best first, and a unitless duration column that would be needed."""
    durations = [(fields[f], scale) for f, scale in DURATION_SCALE.items() if f in fields]
    unitless = fields.get("duration")
    if unitless == "Duration" and fields.get("start_ns") == "Timestamp" and not durations:
        durations = [(unitless, 1)]  # ClickHouse otel_traces: Duration is in ns
        unitless = None
    end = fields.get("end_ns")
    if end is None:
        return tuple(durations[:1]), (unitless if not durations else None)
    if durations and end in _LOSSY_END:
        return (durations[0], (end, 0)), None
    return ((end, 0), *durations[:1]), None


def _make_plan(keys: tuple[str, ...], mapping: dict[str, str]) -> ColumnPlan:
    fields = _choose(keys, mapping)
    end_sources, unitless = _end_sources(fields)
    used = set(fields.values()) | set(mapping.values())
    resource, attributes, event_attributes = [], [], []
    for key in keys:
        if key in used or key.lower() in _RECOGNISED or key.startswith(_IGNORED_PREFIXES):
            continue
        if key.startswith(("resource.", "resource_")) or key.startswith(_RESOURCE_PREFIXES):
            resource.append(key)
        elif key.startswith("event_"):
            event_attributes.append(key)
        else:
            attributes.append(key)
    auto = frozenset(k for k in keys if k.lower() in AUTO_UNIT)
    return ColumnPlan(fields, tuple(resource), tuple(attributes), tuple(event_attributes),
                      end_sources, unitless, auto)


def resource_key(column: str) -> str:
    """The resource attribute name for a column (``resource.`` / ``resource_`` prefix removed).

    >>> resource_key("resource.host.name"), resource_key("k8s.pod.name")
    ('host.name', 'k8s.pod.name')
    """
    for prefix in ("resource.", "resource_"):
        if column.startswith(prefix):
            return column[len(prefix):]
    return column


def looks_like_row(keys: Iterable[str], mapping: dict[str, str] | None) -> bool:
    """True when the keys name a trace id and a span id column (recognised or mapped)."""
    plan = plan_for(keys, mapping)
    return "trace_id" in plan.fields and "span_id" in plan.fields


def parse_mapping(items: Sequence[str]) -> dict[str, str]:
    """``["trace_id=TraceId", ...]`` as a dict; an item without ``=`` or naming an unknown field
    (one not in :data:`graphtrace.readers.columns.MAPPABLE`) is an InputError.

    >>> parse_mapping(["trace_id=TraceId", "name = SpanName", "duration_us=Duration"])
    {'trace_id': 'TraceId', 'name': 'SpanName', 'duration_us': 'Duration'}
    >>> try:
    ...     parse_mapping(["duration=Duration"])
    ... except InputError as exc:
    ...     print(str(exc)[:65])
    --map: unknown field 'duration'; the fields are trace_id, span_id
    """
    mapping: dict[str, str] = {}
    for item in items:
        field, sep, column = item.partition("=")
        field, column = field.strip(), column.strip()
        if not sep or not field or not column:
            raise InputError(f"expected field=column, got {item!r}", field="--map")
        if field not in MAPPABLE:
            raise InputError(f"unknown field {field!r}; the fields are {', '.join(MAPPABLE)}",
                             field="--map")
        mapping[field] = column
    return mapping
