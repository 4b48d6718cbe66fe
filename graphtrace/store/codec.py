"""Span <-> Neo4j node properties, losslessly.

Attributes, resource, events and links are stored as exact JSON (orjson,
sorted keys) so the read-back equals what the reader produced; scalar span
attributes (and homogeneous scalar lists) are also copied to ``attr.<key>``
properties so Cypher can filter on them.  Neo4j integers are 64-bit: a span
whose times do not fit is refused with an ``InputError``.

Keys the cross-trace recipes filter on are computed here, in Python, once per
span (so the bulk import path gets them too): ``op_key``, ``host`` and
``conn_setup``.

>>> from graphtrace.model import Span
>>> s = Span(trace_id="t1", span_id="a", name="GET", start_ns=5, end_ns=9,
...          attributes={"http.status_code": 200, "tags": ["x", "y"], "obj": {"k": 1}})
>>> p = span_props(s)
>>> p["attr.http.status_code"], p["attr.tags"], "attr.obj" in p, p["attributes_json"]
(200, ['x', 'y'], False, '{"http.status_code":200,"obj":{"k":1},"tags":["x","y"]}')
>>> span_from_props(p) == s
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel

from graphtrace.errors import InputError
from graphtrace.model import Event, Link, RefType, Span, SpanKind, StatusCode, is_connection_setup, operation_key

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_SORTED = orjson.OPT_SORT_KEYS
ATTR_PREFIX = "attr."
M = TypeVar("M", bound=BaseModel)


def dumps(value: Any) -> str:
    """Exact, canonical JSON text (sorted keys).

    >>> dumps({"b": 1, "a": [1.5, None]})
    '{"a":[1.5,null],"b":1}'
    """
    return orjson.dumps(value, option=_SORTED).decode()


def _fits(value: int) -> bool:
    return INT64_MIN <= value <= INT64_MAX


def property_value(value: Any) -> Any:
    """The value as a Neo4j property, or ``None`` when Neo4j cannot store it as one.

    >>> property_value(3), property_value([1, 2]), property_value([1, "a"]), property_value({"k": 1})
    (3, [1, 2], None, None)
    >>> property_value(2**64), property_value([]), property_value([True, False])
    (None, None, [True, False])
    """
    if isinstance(value, (str, bool, float)):
        return value
    if isinstance(value, int):
        return value if _fits(value) else None
    if isinstance(value, (list, tuple)) and value:
        first = type(value[0])
        if first not in (str, bool, int, float) or any(type(v) is not first for v in value):
            return None
        if first is int and not all(_fits(v) for v in value):
            return None
        return list(value)
    return None


def _json(value: Any, span: Span, field: str) -> str:
    try:
        return dumps(value)
    except (orjson.JSONEncodeError, TypeError) as exc:
        reason = ("an integer beyond 64 bits" if "64-bit" in str(exc) else
                  "values nested deeper than 255 levels" if "ecursion" in str(exc) else "a value JSON cannot hold")
        raise InputError(
            f"cannot store as JSON: it holds {reason}", record=f"trace {span.trace_id} span {span.span_id}",
            field=field) from exc


def span_props(span: Span) -> dict[str, Any]:
    """The node properties of ``span`` (absent optional fields are left out, never null).

    >>> from graphtrace.model import Span
    >>> sorted(span_props(Span(trace_id="t", span_id="s", start_ns=1, end_ns=2)))[:5]
    ['attributes_json', 'duration_ns', 'end_ns', 'events_json', 'kind']
    """
    for name in ("start_ns", "end_ns"):
        if not _fits(getattr(span, name)):
            raise InputError(
                f"{getattr(span, name)} does not fit Neo4j's 64-bit integers",
                record=f"trace {span.trace_id} span {span.span_id}", field=name,
            )
    events = [{"name": e.name, "time_ns": e.time_ns, "attributes": e.attributes} for e in span.events]
    links = [
        {"trace_id": ln.trace_id, "span_id": ln.span_id,
         "ref_type": ln.ref_type.value if ln.ref_type else None, "attributes": ln.attributes}
        for ln in span.links
    ]
    props: dict[str, Any] = {
        "trace_id": span.trace_id, "span_id": span.span_id, "service": span.service,
        "name": span.name, "kind": span.kind.value, "start_ns": span.start_ns, "end_ns": span.end_ns,
        "duration_ns": span.duration_ns, "status_code": span.status_code.value,
        "status_message": span.status_message,
        "attributes_json": _json(span.attributes, span, "attributes"),
        "resource_json": _json(span.resource, span, "resource"),
        "events_json": _json(events, span, "events"),
        "links_json": _json(links, span, "links"),
        "op_key": operation_key(span),
    }
    if span.parent_span_id is not None:
        props["parent_span_id"] = span.parent_span_id
    if span.ref_type is not None:
        props["ref_type"] = span.ref_type.value
    host = span.host
    if host is not None:
        props["host"] = host
    if is_connection_setup(span.name):
        props["conn_setup"] = True
    for key, value in span.attributes.items():
        stored = property_value(value)
        if stored is not None:
            props[ATTR_PREFIX + key] = stored
    return props


def _trusted(cls: type[M]) -> Callable[[dict[str, Any]], M]:
    """A constructor for values the store wrote from a validated model: what ``model_construct``
    does for a complete set of fields, without its per-call bookkeeping or any validation.

    ``values`` must name every field, with its exact type (enums as enums), and becomes the
    instance's ``__dict__``.  The twin of ``readers.build._fast_factory`` (an engine may import
    only base); falls back to ``model_construct`` if pydantic's internals ever stop matching.
    """
    slots = BaseModel.__dict__
    set_dict, set_fields = slots["__dict__"].__set__, slots["__pydantic_fields_set__"].__set__
    set_extra, set_private = slots["__pydantic_extra__"].__set__, slots["__pydantic_private__"].__set__
    fields_set = set(cls.model_fields)

    def build(values: dict[str, Any]) -> M:
        obj = object.__new__(cls)
        set_dict(obj, values)
        set_fields(obj, fields_set)
        set_extra(obj, None)
        set_private(obj, None)
        return obj

    return build


def _checked(cls: type[M], sample: dict[str, Any]) -> Callable[[dict[str, Any]], M]:
    """:func:`_trusted` for ``cls`` if it builds the same object as validation does on ``sample``."""
    build = _trusted(cls)
    try:
        full = cls(**sample).__dict__
        fast, slow = build(dict(full)), cls.model_construct(**full)
        if fast == slow and fast.model_dump() == slow.model_dump() and fast.model_fields_set == slow.model_fields_set:
            return build
    except Exception:  # noqa: BLE001  # pragma: no cover - only if pydantic internals change
        pass
    return lambda values: cls.model_construct(**values)  # pragma: no cover


_new_span = _checked(Span, {"trace_id": "t", "span_id": "s", "start_ns": 1, "end_ns": 2})
_new_event = _checked(Event, {"name": "e", "time_ns": 1})
_new_link = _checked(Link, {"trace_id": "t", "span_id": "s"})
_KINDS = {k.value: k for k in SpanKind}
_STATUSES = {k.value: k for k in StatusCode}
_REFS = {k.value: k for k in RefType}


def span_from_props(props: dict[str, Any]) -> Span:
    """Rebuild the :class:`Span` from its node properties (the inverse of :func:`span_props`).

    The store wrote these properties from a validated span, so they are not validated again
    (about 2.5x faster; tests/store/test_read_trusted.py checks the result equals the validated span).

    >>> from graphtrace.model import Span
    >>> s = Span(trace_id="t", span_id="s", parent_span_id="p", ref_type="FOLLOWS_FROM",
    ...          start_ns=1, end_ns=2, events=[{"name": "e", "time_ns": 1}])
    >>> span_from_props(span_props(s)) == s
    True
    """
    ref_type = props.get("ref_type")
    return _new_span({
        "trace_id": props["trace_id"], "span_id": props["span_id"], "parent_span_id": props.get("parent_span_id"),
        "ref_type": _REFS[ref_type] if ref_type else None, "service": props["service"], "name": props["name"],
        "kind": _KINDS[props["kind"]], "start_ns": props["start_ns"], "end_ns": props["end_ns"],
        "status_code": _STATUSES[props["status_code"]], "status_message": props["status_message"],
        "attributes": orjson.loads(props["attributes_json"]), "resource": orjson.loads(props["resource_json"]),
        "events": [_new_event({"name": e["name"], "time_ns": e["time_ns"], "attributes": e["attributes"]})
                   for e in orjson.loads(props["events_json"])],
        "links": links_from_json(props["links_json"]),
    })


def link_rows(trace_id: str, span_id: str, links: list[Link]) -> list[dict[str, Any]]:
    """One row per link of span ``(trace_id, span_id)``, for the ``LINKS_TO`` statement.

    >>> rows = link_rows("t", "a", [Link(trace_id="u", span_id="b", attributes={"k": 1})])
    >>> rows[0]["target_trace_id"], rows[0]["ref_type"], rows[0]["attributes_json"]
    ('u', None, '{"k":1}')
    """
    return [
        {"trace_id": trace_id, "span_id": span_id, "target_trace_id": ln.trace_id,
         "target_span_id": ln.span_id, "ref_type": ln.ref_type.value if ln.ref_type else None,
         "attributes_json": dumps(ln.attributes)}
        for ln in links
    ]


def links_from_json(links_json: str) -> list[Link]:
    """The links stored in ``links_json`` (written by :func:`span_props`, so not validated again).

    >>> links_from_json('[{"attributes":{},"ref_type":"FOLLOWS_FROM","span_id":"b","trace_id":"u"}]')[0].ref_type
    <RefType.FOLLOWS_FROM: 'FOLLOWS_FROM'>
    """
    return [_new_link({"trace_id": ln["trace_id"], "span_id": ln["span_id"],
                       "ref_type": _REFS[ln["ref_type"]] if ln["ref_type"] else None,
                       "attributes": ln["attributes"]})
            for ln in orjson.loads(links_json)]
