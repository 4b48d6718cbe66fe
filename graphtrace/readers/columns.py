"""Which flat-row column holds which span field: Parseable, ClickHouse, generic, ``--map``.

Recognised column sets (first present wins; a ``--map field=column`` entry
is tried before them):

* **Parseable otel-traces**: ``span_trace_id``, ``span_span_id``, ``span_parent_span_id``,
  ``span_name``, ``span_kind`` / ``span_kind_description``, start from
  ``span_start_time_unix_nano_epoch`` (float ns) else the ISO ``span_start_time_unix_nano``,
  end = start + ``span_duration_ns`` (else the end columns), ``span_status_code`` /
  ``span_status_description``, ``span_status_message``, ``service.name``,
  ``event_name`` + ``event_time_unix_nano(_epoch)``.
* **ClickHouse otel_traces**: ``Timestamp`` (date-time string or number), ``TraceId``,
  ``SpanId``, ``ParentSpanId``, ``SpanName``, ``SpanKind``, ``ServiceName``,
  ``ResourceAttributes``, ``SpanAttributes``, ``Duration`` (ns), ``StatusCode``,
  ``StatusMessage``, ``Events.Timestamp/Name/Attributes`` (parallel arrays) or ``Events``
  (list of objects), ``Links.TraceId/SpanId/Attributes``, ``ScopeName``/``ScopeVersion``.
* **generic**: ``trace_id``/``traceId``, ``span_id``, ``parent_span_id``, ``name``,
  ``service``, ``start_ns``, ``end_ns``, ``duration_ns``...

Every other column becomes an attribute: ``resource.X``/``resource_X`` and keys
in resource namespaces (``service.``, ``host.``, ``k8s.``, ``process.``,
``telemetry.``, ``os.``, ``container.``, ``cloud.``, ``deployment.``...) go to
the span's ``resource``; other ``event_X`` columns are attributes of the row's
event; Parseable's internal ``p_*`` columns and trace-state/flag/dropped-count
columns are ignored; everything else is a span attribute.

>>> plan = plan_for(("span_trace_id", "span_span_id", "span_name", "host.name", "http.method"))
>>> plan.fields["trace_id"], plan.fields["name"], plan.resource, plan.attributes
('span_trace_id', 'span_name', ('host.name',), ('http.method',))
>>> looks_like_row({"TraceId": "ab", "SpanId": "01"}.keys(), None)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

# field -> candidate columns, best first.  Time fields carry their unit.
CANDIDATES: dict[str, tuple[str, ...]] = {
    "trace_id": ("span_trace_id", "TraceId", "trace_id", "traceId", "traceID", "trace.id"),
    "span_id": ("span_span_id", "SpanId", "span_id", "spanId", "spanID", "span.id", "id"),
    "parent_span_id": ("span_parent_span_id", "ParentSpanId", "parent_span_id", "parentSpanId",
                       "parentSpanID", "parent_id", "parentId"),
    "name": ("span_name", "SpanName", "name", "operation_name", "operationName", "span.name"),
    "service": ("service.name", "ServiceName", "service_name", "serviceName", "service"),
    "kind": ("span_kind", "span_kind_description", "SpanKind", "kind", "span.kind"),
    "start_ns": ("start_ns", "start_time_unix_nano", "startTimeUnixNano",
                 "span_start_time_unix_nano_epoch", "span_start_time_unix_nano",
                 "Timestamp", "timestamp", "start_time", "startTime"),
    "end_ns": ("end_ns", "end_time_unix_nano", "endTimeUnixNano", "span_end_time_unix_nano_epoch",
               "span_end_time_unix_nano", "end_time", "endTime"),
    "duration_ns": ("duration_ns", "span_duration_ns", "Duration", "durationNano", "duration"),
    "status_code": ("span_status_code", "span_status_description", "StatusCode", "status_code",
                    "statusCode", "status"),
    "status_message": ("span_status_message", "StatusMessage", "status_message", "statusMessage"),
    "event_name": ("event_name", "EventName"),
    "event_time_ns": ("event_time_ns", "event_time_unix_nano_epoch", "event_time_unix_nano",
                      "EventTimestamp"),
    "resource_map": ("ResourceAttributes", "resource_attributes", "resourceAttributes"),
    "attributes_map": ("SpanAttributes", "span_attributes", "attributes", "Attributes"),
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
# Columns whose numbers have no fixed unit: the magnitude decides (see times.parse_time).
AUTO_UNIT = frozenset({"Timestamp", "timestamp", "start_time", "startTime", "end_time", "endTime",
                       "EventTimestamp"})
MAPPABLE = tuple(f for f in CANDIDATES if not f.startswith(("event_", "link_", "events_")))
_RESOURCE_PREFIXES = ("service.", "host.", "k8s.", "process.", "telemetry.", "os.", "container.",
                      "cloud.", "deployment.", "faas.", "device.", "webengine.", "service_")
_IGNORED_PREFIXES = ("p_", "span_dropped", "span_flags", "span_trace_state", "TraceState",
                     "Links.TraceState", "ScopeAttributes", "span_kind", "span_status",
                     "span_start_time", "span_end_time", "event_time", "event_dropped")
_RECOGNISED = {c for cols in CANDIDATES.values() for c in cols}


@dataclass(frozen=True)
class ColumnPlan:
    """Columns chosen for one set of keys: ``fields`` (model field -> column) and the rest."""

    fields: dict[str, str]
    resource: tuple[str, ...]
    attributes: tuple[str, ...]
    event_attributes: tuple[str, ...]

    @property
    def names(self) -> dict[str, str]:
        """Column names for make_span's invariant errors (end/duration, parent)."""
        return {"end_ns": self.fields.get("duration_ns") or self.fields.get("end_ns", "end"),
                "parent_span_id": self.fields.get("parent_span_id", "parent_span_id")}


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


def _make_plan(keys: tuple[str, ...], mapping: dict[str, str]) -> ColumnPlan:
    present = set(keys)
    fields: dict[str, str] = {}
    for field_name, candidates in CANDIDATES.items():
        mapped = mapping.get(field_name)
        if mapped is not None and mapped in present:
            fields[field_name] = mapped
            continue
        for column in candidates:
            if column in present:
                fields[field_name] = column
                break
    used = set(fields.values()) | set(mapping.values())
    resource, attributes, event_attributes = [], [], []
    for key in keys:
        if key in used or key in _RECOGNISED or key.startswith(_IGNORED_PREFIXES):
            continue
        if key.startswith(("resource.", "resource_")) or key.startswith(_RESOURCE_PREFIXES):
            resource.append(key)
        elif key.startswith("event_"):
            event_attributes.append(key)
        else:
            attributes.append(key)
    return ColumnPlan(fields, tuple(resource), tuple(attributes), tuple(event_attributes))


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
