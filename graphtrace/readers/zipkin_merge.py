"""Zipkin's merge of the records that share a span id (``zipkin2.internal.Trace.merge``).

Zipkin v2 records of one trace can repeat a span id for two reasons, and Zipkin
tells them apart by ``(id, shared flag, local endpoint)``:

* **fragments** of one span half, sent in pieces (one reporter sends timestamp
  and duration, a later flush or another reporter sends annotations or tags);
* **two halves** of one RPC: the CLIENT record and the SERVER record (``shared:
  true``) that B3 gave the same id.

As Zipkin does, the records of an id are first cleaned (``shared`` is dropped
from a CLIENT record) and sorted: not-shared before shared, CLIENT first among
the not-shared, then records without a local endpoint before the others, then
by service name, IPv4, IPv6.  Walking that order, a record is merged into the
half before it when both have the same shared flag and its local endpoint does
not contradict the endpoint gathered so far (service name, IPv4, IPv6 and port
are compared only where both have them).  Merging keeps the first value of each
single field in that order, fills endpoints field by field, unions the
annotations and takes later tag values over earlier ones (Zipkin's
``Span.Builder.merge``).  Then, as Zipkin, a not-shared SERVER right after a
CLIENT with its id is marked shared, and a shared half without a parent id takes
the previous half's.  A zero or negative timestamp or duration is absent (Zipkin's
``Span.Builder``).

>>> recs = [{"id": "1", "kind": "SERVER", "shared": True, "localEndpoint": {"serviceName": "api"},
...          "timestamp": 5, "duration": 3},
...         {"id": "1", "kind": "CLIENT", "parentId": "9", "localEndpoint": {"serviceName": "web"},
...          "timestamp": 4, "duration": 6},
...         {"id": "1", "tags": {"http.path": "/a"}}]
>>> [(h.kind.value, h.shared, h.parent, h.tags) for h in merge_records([Record(r, r["id"]) for r in recs])]
[('CLIENT', False, '0000000000000009', {'http.path': '/a'}), ('SERVER', True, '0000000000000009', {})]
"""

from __future__ import annotations

from typing import Any

from graphtrace.errors import short_repr
from graphtrace.model import SpanKind
from graphtrace.readers.build import FieldError, parse_kind, to_int
from graphtrace.readers.ids import IdError, optional_id

_ENDPOINT_KEYS = ("serviceName", "ipv4", "ipv6", "port")


class Record:
    """One raw Zipkin record, checked: ``span_id`` is the normalised id; ``source`` is kept for
    diagnostics (the reader's draft).  Raises FieldError naming a malformed field."""

    __slots__ = ("span_id", "source", "kind", "shared", "local", "remote", "name", "parent",
                 "timestamp", "duration", "tags", "annotations")

    def __init__(self, raw: dict[str, Any], span_id: str, source: Any = None) -> None:
        self.span_id, self.source = span_id, source
        self.kind: SpanKind | None = parse_kind(raw["kind"]) if raw.get("kind") else None
        # "shared is for the server side, unset it if accidentally set on the client side"
        self.shared = raw.get("shared") is True and self.kind is not SpanKind.CLIENT
        self.local = _endpoint(raw.get("localEndpoint"), "localEndpoint")
        self.remote = _endpoint(raw.get("remoteEndpoint"), "remoteEndpoint")
        self.name = raw.get("name") or None
        try:
            self.parent = optional_id(raw.get("parentId"), 16)[0]
        except IdError as exc:
            raise FieldError("parentId", str(exc)) from None
        self.timestamp = _micros(raw.get("timestamp"), "timestamp")
        self.duration = _micros(raw.get("duration"), "duration")
        tags = raw.get("tags") or {}
        if not isinstance(tags, dict):
            raise FieldError("tags", f"expected an object, got {short_repr(tags)}")
        self.tags: dict[str, Any] = dict(tags)
        self.annotations = _annotations(raw.get("annotations"))

    def absorb(self, other: "Record") -> None:
        """``Span.Builder.merge``: first value of a single field wins, endpoints fill field by
        field, annotations are unioned (sorted by time, value), later tag values win."""
        for key in ("kind", "name", "parent", "timestamp", "duration"):
            if getattr(self, key) is None:
                setattr(self, key, getattr(other, key))
        self.local = _fill(self.local, other.local)
        self.remote = _fill(self.remote, other.remote)
        self.annotations = sorted(set(self.annotations) | set(other.annotations))
        self.tags.update(other.tags)
        self.shared = self.shared or other.shared

    @property
    def service(self) -> str | None:
        """The local endpoint's service name, if any."""
        return self.local.get("serviceName") if self.local else None


def _micros(value: Any, field: str) -> int | None:
    """A timestamp or duration in µs; as in Zipkin, zero or negative means absent.

    >>> _micros("15", "duration"), _micros(0, "duration"), _micros(-3, "duration"), _micros(None, "x")
    (15, None, None, None)
    """
    if value is None or value == "":
        return None
    number = to_int(value, field)
    return number if number > 0 else None


def _endpoint(value: Any, field: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FieldError(field, f"expected an object, got {short_repr(value)}")
    out = {k: value[k] for k in _ENDPOINT_KEYS if value.get(k) not in (None, "", 0)}
    return out or None  # Zipkin reads an empty endpoint as none


def _fill(base: dict[str, Any] | None, other: dict[str, Any] | None) -> dict[str, Any] | None:
    if base is None or other is None:
        return base if other is None else dict(other)
    return {**other, **base}


def _annotations(raw: Any) -> list[tuple[int, str]]:
    if not raw:
        return []
    if not isinstance(raw, list):
        raise FieldError("annotations", f"expected a list, got {short_repr(raw)}")
    out = set()
    for ann in raw:
        if not isinstance(ann, dict):
            raise FieldError("annotations", f"expected an object, got {short_repr(ann)}")
        value = ann.get("value", "")
        if isinstance(value, (list, dict)):  # Zipkin's annotation value is a string
            raise FieldError("annotations.value", f"expected a string, got {short_repr(value)}")
        out.add((to_int(ann.get("timestamp"), "annotations.timestamp"), str(value)))
    return sorted(out)


def _sort_key(record: Record) -> tuple[Any, ...]:
    """Zipkin's CLEANUP_COMPARATOR after the id: shared last, CLIENT first, endpoint-less first,
    then service name, IPv4, IPv6 (a missing one after a present one)."""
    shared = 2 if record.shared else 0 if record.kind is SpanKind.CLIENT else 1
    if record.local is None:
        return (shared, 0)
    fields = tuple((0, str(record.local[k])) if k in record.local else (1, "")
                   for k in ("serviceName", "ipv4", "ipv6"))
    return (shared, 1) + fields


def _compatible(gathered: dict[str, Any], endpoint: dict[str, Any] | None) -> bool:
    """Zipkin's EndpointTracker.tryMerge: no field contradicts; fills ``gathered`` when so."""
    if endpoint is None:
        return True
    if any(k in gathered and k in endpoint and gathered[k] != endpoint[k] for k in _ENDPOINT_KEYS):
        return False
    for key, value in endpoint.items():
        gathered.setdefault(key, value)
    return True


def merge_records(records: list[Record]) -> list[Record]:
    """The halves of one trace after Zipkin's merge (records are changed in place).

    Records are grouped by span id in first-seen order; within an id, halves come in
    Zipkin's order (the CLIENT half before the shared SERVER half).
    """
    by_id: dict[str, list[Record]] = {}
    for record in records:
        by_id.setdefault(record.span_id, []).append(record)
    out: list[Record] = []
    for group in by_id.values():
        group.sort(key=_sort_key)  # stable, as Java's Collections.sort
        last: Record | None = None
        i = 0
        while i < len(group):
            half = group[i]
            gathered = dict(half.local or {})
            while i + 1 < len(group) and group[i + 1].shared == half.shared \
                    and _compatible(gathered, group[i + 1].local):
                half.absorb(group.pop(i + 1))
            if last is not None:
                if last.kind is SpanKind.CLIENT and half.kind is SpanKind.SERVER and not half.shared:
                    half.shared = True  # backfill a missing shared flag
                if half.shared and half.parent is None and last.parent is not None:
                    half.parent = last.parent
            out.append(half)
            last = half
            i += 1
    return out
