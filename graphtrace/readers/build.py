"""Building ``model.Span`` objects fast, and the items readers hand to the assembler.

Readers check every raw field themselves (ids via :mod:`.ids`, times via
:func:`to_int`, kind/status via the model's ``parse``) and then call
:func:`make_span`, which enforces the model's remaining invariants (end >=
start, no self-parent, non-empty ids) and builds the object without a second
pydantic validation pass.  The shortcut is checked against
``Span.model_construct`` at import time and falls back to it if pydantic ever
changes how models store their fields.

>>> s = make_span("t1", "s1", None, "svc", "op", "CLIENT", 5, 9)
>>> s.kind, s.duration_ns, s == Span(trace_id="t1", span_id="s1", service="svc", name="op",
...                                   kind="client", start_ns=5, end_ns=9)
(<SpanKind.CLIENT: 'CLIENT'>, 4, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterator

from pydantic import BaseModel, ValidationError

from graphtrace.errors import short_repr, shorten

from graphtrace.model import Diagnostic, Event, Link, RefType, Span, SpanKind, StatusCode


class FieldError(ValueError):
    """A raw field that cannot become part of a valid span; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def span_record(base: str | None, span_id: object) -> str:
    """The record label of a span: ``line 3, span 0ebf...`` (or ``span 0ebf...`` in a whole document).

    An id that is not a string (a raw ``spanId`` given as a number, a list, an object) is never
    quoted: it reads ``span <invalid id>`` (``span <no id>`` when missing); a long string is cut.

    >>> span_record("line 3", "0ebf"), span_record(None, "0ebf")
    ('line 3, span 0ebf', 'span 0ebf')
    >>> span_record("line 3", [["aaa"]]), span_record(None, 17), span_record(None, None)
    ('line 3, span <invalid id>', 'span <invalid id>', 'span <no id>')
    """
    label = (shorten(span_id, 64) if type(span_id) is str else "<no id>" if span_id is None
             else "<invalid id>")
    return f"{base}, span {label}" if base else f"span {label}"


@dataclass(slots=True)
class SpanItem:
    """A span read from ``file``; ``record`` is where (``line 12``, ``row 7``) without the span id,
    which :attr:`where` adds.  ``mergeable`` marks flat-row spans (one row per event)."""

    span: Span
    file: str | None
    record: str | None
    mergeable: bool = False

    @property
    def where(self) -> str:
        """``record, span <id>``."""
        return span_record(self.record, self.span.span_id)


@dataclass(slots=True)
class SpanBatch:
    """Spans read from one record (an NDJSON line, a document) in one go: the fast path's item.

    Plays the part of each span's SpanItem (``file``/``record``/``mergeable``) for the
    assembler without one object per span.
    """

    spans: list[Span]
    file: str | None
    record: str | None
    mergeable: bool = False


@dataclass(slots=True)
class BadItem:
    """A record that failed; with a ``trace_id`` it spoils that whole trace."""

    trace_id: str | None
    diagnostic: Diagnostic


class Draft:
    """A raw record that can only become spans together with the rest of its trace (Zipkin).

    Subclasses set ``trace_id``/``file``/``record`` and implement ``build_group``.
    """

    trace_id: str
    file: str | None
    record: str | None
    build_group: ClassVar[Callable[[list[Any], Any], list[SpanItem | BadItem]]]


Item = SpanItem | SpanBatch | BadItem | Draft


def _fast_factory(cls: type, sample: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
    """A constructor storing already-validated values the way ``model_construct`` does.

    ``values`` (every field) becomes the instance's ``__dict__``.  All instances share one
    fields-set naming every field, which pydantic only ever adds existing names to (copies
    take their own), so it never changes; that saves one GC-tracked set per span.
    """
    slots = BaseModel.__dict__
    set_dict, set_fields = slots["__dict__"].__set__, slots["__pydantic_fields_set__"].__set__
    set_extra, set_private = slots["__pydantic_extra__"].__set__, slots["__pydantic_private__"].__set__
    fields_set = set(cls.model_fields)  # type: ignore[attr-defined]
    new = object.__new__

    def build(values: dict[str, Any]) -> Any:
        obj = new(cls)
        set_dict(obj, values)
        set_fields(obj, fields_set)
        set_extra(obj, None)
        set_private(obj, None)
        return obj

    try:
        full = cls(**sample).__dict__  # type: ignore[operator]
        fast, slow = build(dict(full)), cls.model_construct(**full)  # type: ignore[attr-defined]
        if fast == slow and fast.__dict__ == slow.__dict__ and fast.model_dump() == slow.model_dump() \
                and fast.model_fields_set == slow.model_fields_set:
            return build
    except Exception:  # pragma: no cover - only if pydantic internals change
        pass
    return lambda values: cls.model_construct(**values)  # type: ignore[attr-defined]  # pragma: no cover


_new_span = _fast_factory(Span, {"trace_id": "t", "span_id": "s", "start_ns": 1, "end_ns": 2})
_new_event = _fast_factory(Event, {"name": "e", "time_ns": 1})
_new_link = _fast_factory(Link, {"trace_id": "t", "span_id": "s"})

_KINDS: dict[Any, SpanKind] = {}
_STATUSES: dict[Any, StatusCode] = {}


def _cached(cache: dict, parse: Callable[[Any], Any], value: Any, field: str, what: str) -> Any:
    """``parse(value)`` through ``cache`` (bounded; str/int keys only); FieldError when unknown.

    A bool never goes through the cache: ``True == 1`` would find the entry of ``1``.

    >>> _ = parse_kind(1)
    >>> try:
    ...     parse_kind(True)
    ... except FieldError as exc:
    ...     print(exc.message)
    unknown span kind True
    """
    if type(value) is not bool:
        try:
            return cache[value]
        except (KeyError, TypeError):
            pass
    if isinstance(value, (list, dict)):  # a list or object: no spelling of a kind or code
        raise FieldError(field, f"unknown {what} {short_repr(value)}")
    try:
        parsed = parse(value)
    except (ValueError, TypeError):
        raise FieldError(field, f"unknown {what} {short_repr(value)}") from None
    if type(value) in (str, int) and len(cache) < 1000:
        cache[value] = parsed
    return parsed


def parse_kind(value: Any, field: str = "kind") -> SpanKind:
    """Any spelling of a span kind -> SpanKind (cached); FieldError when unknown.

    >>> parse_kind("SPAN_KIND_SERVER"), parse_kind(3), parse_kind(None)
    (<SpanKind.SERVER: 'SERVER'>, <SpanKind.CLIENT: 'CLIENT'>, <SpanKind.UNSPECIFIED: 'UNSPECIFIED'>)
    """
    return _cached(_KINDS, SpanKind.parse, value, field, "span kind")


def parse_status(value: Any, field: str = "status.code") -> StatusCode:
    """Any spelling of a status code -> StatusCode (cached); FieldError when unknown.

    >>> parse_status("STATUS_CODE_ERROR"), parse_status(1), parse_status("Unset")
    (<StatusCode.ERROR: 'ERROR'>, <StatusCode.OK: 'OK'>, <StatusCode.UNSET: 'UNSET'>)
    """
    return _cached(_STATUSES, StatusCode.parse, value, field, "status code")


def to_int(value: Any, field: str) -> int:
    """An integer from an int, an integral float or a decimal string; FieldError otherwise.

    >>> to_int("1700000000000000001", "t"), to_int(12.0, "t")
    (1700000000000000001, 12)
    >>> try:
    ...     to_int("abc", "startTimeUnixNano")
    ... except FieldError as exc:
    ...     print(exc.field, exc.message)
    startTimeUnixNano expected an integer, got 'abc'
    """
    kind = type(value)
    if kind is int:
        return value
    if kind is str:
        try:
            return int(value)
        except ValueError:
            pass
    elif kind is float and value.is_integer():
        return int(value)
    if value is None:
        raise FieldError(field, "missing")
    raise FieldError(field, f"expected an integer, got {short_repr(value)}")


_DEFAULT_NAMES = {"end_ns": "end_ns", "parent_span_id": "parent_span_id"}
MAX_NS = 2 ** 63 - 1  # the largest time a span may have (a signed 64-bit integer: Neo4j, JSON consumers)


def _out_of_range(value: int) -> str:
    """The message for a time outside ``[0, MAX_NS]``, the value shortened when it is long.

    >>> _out_of_range(-1)
    'time -1 ns is out of range (0 to 2^63-1 ns, 1970 to 2262)'
    """
    text = str(value) if abs(value) < 10 ** 40 else f"of {len(str(abs(value)))} digits"
    return f"time {text} ns is out of range (0 to 2^63-1 ns, 1970 to 2262)"


def make_span(
    trace_id: str, span_id: str, parent_span_id: str | None, service: str, name: str,
    kind: SpanKind | str, start_ns: int, end_ns: int, *,
    ref_type: RefType | None = None, status_code: StatusCode = StatusCode.UNSET,
    status_message: str = "", attributes: dict[str, Any] | None = None,
    resource: dict[str, Any] | None = None, events: list[Event] | None = None,
    links: list[Link] | None = None, names: dict[str, str] = _DEFAULT_NAMES,
) -> Span:
    """Build a span from checked values; FieldError (named via ``names``) on a broken invariant.

    Times must lie in ``[0, 2^63)`` ns (1970 to 2262): a later or negative time, or a span of
    2^63 ns or more, is not a real span, and could not be stored as a 64-bit integer.

    >>> try:
    ...     make_span("t", "s", None, "svc", "op", "CLIENT", 5, 2 ** 64)
    ... except FieldError as exc:
    ...     print(exc.field, exc.message)
    end_ns time 18446744073709551616 ns is out of range (0 to 2^63-1 ns, 1970 to 2262)
    """
    if not 0 <= start_ns <= MAX_NS:
        raise FieldError(names.get("start_ns", "start_ns"), _out_of_range(start_ns))
    if not 0 <= end_ns <= MAX_NS:
        raise FieldError(names["end_ns"], _out_of_range(end_ns))
    if end_ns < start_ns:
        raise FieldError(names["end_ns"],
                         f"negative duration: end {end_ns} is before start {start_ns}")
    if parent_span_id == span_id:
        raise FieldError(names["parent_span_id"], f"span {span_id} is its own parent")
    if type(name) is not str or type(service) is not str:
        raise FieldError("name", f"expected a string name and service, got {name!r}, {service!r}")
    if not isinstance(kind, SpanKind):
        kind = parse_kind(kind)
    for field, value in (("attributes", attributes), ("resource", resource)):
        if value and type(value) is not dict:
            raise FieldError(field, f"expected an object of key: value, got {_json_name(value)}")
    return _new_span({
        "trace_id": trace_id, "span_id": span_id, "parent_span_id": parent_span_id,
        "ref_type": ref_type if parent_span_id is not None else None,
        "service": service, "name": name, "kind": kind, "start_ns": start_ns, "end_ns": end_ns,
        "status_code": status_code, "status_message": status_message,
        "attributes": attributes if attributes is not None else {},
        "resource": resource if resource is not None else {},
        "events": events if events is not None else [],
        "links": links if links is not None else [],
    })


def make_event(name: str, time_ns: int, attributes: dict[str, Any] | None = None) -> Event:
    """An Event from checked values.

    >>> make_event("retry", 7).time_ns
    7
    >>> try:
    ...     make_event("retry", 7, [["k", "v"]])
    ... except FieldError as exc:
    ...     print(exc.field, exc.message)
    events.attributes expected an object of key: value, got a list
    """
    if attributes and type(attributes) is not dict:
        raise FieldError("events.attributes", f"expected an object of key: value, got {_json_name(attributes)}")
    if isinstance(name, (list, dict)):
        raise FieldError("events.name", f"expected a string, got {short_repr(name)}")
    return _new_event({"name": str(name), "time_ns": time_ns, "attributes": attributes or {}})


def _json_name(value: Any) -> str:
    return {list: "a list", str: "a string", int: "an integer", float: "a number", bool: "a boolean",
            tuple: "a list"}.get(type(value), type(value).__name__)


def make_link(trace_id: str, span_id: str, ref_type: RefType | None = None,
              attributes: dict[str, Any] | None = None) -> Link:
    """A Link from checked ids.

    >>> make_link("t", "s", RefType.FOLLOWS_FROM).ref_type
    <RefType.FOLLOWS_FROM: 'FOLLOWS_FROM'>
    """
    if attributes and type(attributes) is not dict:
        raise FieldError("links.attributes", f"expected an object of key: value, got {_json_name(attributes)}")
    return _new_link({"trace_id": trace_id, "span_id": span_id, "ref_type": ref_type,
                      "attributes": attributes or {}})


UNEXPECTED = (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError, OverflowError)
"""What a reader's own checks should have turned into a FieldError; :func:`guarded` catches them."""
_JSON_TYPES = {"dict": "an object", "list": "a list", "str": "a string", "int": "an integer",
               "float": "a number", "NoneType": "null", "bool": "a boolean (true/false)", "bytes": "bytes"}
_FOUND = re.compile(r"'(\w+)' object")


def plain_reason(exc: BaseException) -> str:
    """What went wrong, in words about the input, never Python's own exception text.

    >>> plain_reason(AttributeError("'list' object has no attribute 'get'"))
    'found a list where an object was expected'
    >>> plain_reason(TypeError("'int' object is not iterable")), plain_reason(KeyError("key"))
    ('found an integer where a list was expected', "missing key 'key'")
    >>> plain_reason(TypeError("string indices must be integers, not 'str'"))
    'found a string where an object was expected'
    """
    if isinstance(exc, FieldError):
        return f"{exc.field}: {exc.message}"
    if isinstance(exc, RecursionError):
        return "values nested too deeply"
    if isinstance(exc, OverflowError):
        return "a number too large"
    if isinstance(exc, KeyError):
        return f"missing key {short_repr(exc.args[0] if exc.args else None, 40)}"
    text = str(exc)
    if text.startswith("string indices must be"):
        return "found a string where an object was expected"
    found = _FOUND.search(text)
    if isinstance(exc, (AttributeError, TypeError)) and found:
        what = _JSON_TYPES.get(found.group(1), found.group(1))
        expected = ("a list" if "not iterable" in text else "an object or a list" if "subscriptable" in text
                    else "an object" if isinstance(exc, AttributeError) else "another type")
        return f"found {what} where {expected} was expected"
    if isinstance(exc, (AttributeError, TypeError)):
        return "a value of the wrong JSON type"
    if isinstance(exc, IndexError):
        return "a list shorter than expected"
    if "could not convert string to float" in text or "invalid literal" in text:
        return "a string that is not a number"
    if " is not a valid " in text:  # an enum: "'X' is not a valid RefType"
        return shorten(text, 100)
    return "a value that cannot be read"


def unexpected_message(exc: BaseException) -> str:
    """The message for an exception a reader did not foresee.

    >>> unexpected_message(AttributeError("'list' object has no attribute 'get'"))
    'cannot read this record (found a list where an object was expected); the rest of the record is skipped'
    """
    return f"cannot read this record ({plain_reason(exc)}); the rest of the record is skipped"


def guarded(items: Iterator[Item], file: str | None, record: str | None) -> Iterator[Item]:
    """A reader's items for one record; an unforeseen exception (:data:`UNEXPECTED`) while reading
    it ends the record with a BadItem naming the file and record, instead of ending the run.

    A safety net only: readers name the field themselves (FieldError) wherever they check it.

    >>> def broken():
    ...     yield BadItem(None, Diagnostic(message="first"))
    ...     {}["spans"]
    >>> [item.diagnostic.text for item in guarded(broken(), "t.json", "line 3")]
    ['first', "t.json: line 3: cannot read this record (missing key 'spans'); the rest of the record is skipped"]
    """
    try:
        yield from items
    except UNEXPECTED as exc:
        yield BadItem(None, Diagnostic(file=file, record=record or "document", field=None,
                                       message=unexpected_message(exc)))


def validation_message(exc: ValidationError) -> tuple[str, str]:
    """Turn a pydantic error into ``(field, message)`` for a Diagnostic.

    >>> try:
    ...     Span(trace_id="t", span_id="s", start_ns="x", end_ns=1)
    ... except ValidationError as exc:
    ...     print(validation_message(exc))
    ('start_ns', 'Input should be a valid integer, unable to parse string as an integer')
    """
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or "span"
    message = str(first.get("msg", "invalid"))
    return field, message.removeprefix("Value error, ")
