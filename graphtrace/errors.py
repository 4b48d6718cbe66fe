"""The one exception family of graphtrace.

Library code raises these; only :mod:`graphtrace.cli` catches them, prints
``Error: <message>`` and exits 2.  Every error can say *where* the problem
is: the file, the record (line number, row, span id...) and the field.

>>> str(InputError("expected an integer", file="t.json", record="line 3", field="startTimeUnixNano"))
't.json: line 3: startTimeUnixNano: expected an integer'
>>> isinstance(InputError("x"), GraphtraceError)
True

Messages stay short whatever the input holds: each part is cut to
:data:`MAX_PART` characters (:func:`shorten`), and :func:`short_repr` shows a
value of any size or depth in a few dozen characters without recursing into it.
"""

from __future__ import annotations

import reprlib

MAX_PART = 500  # characters of a message part (file, record, field, message) before it is cut
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxlong, _REPR.maxother = 2, 40, 40, 40
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 4


def shorten(text: str, limit: int = MAX_PART) -> str:
    """``text`` cut to about ``limit`` characters, saying how long it was.

    >>> shorten("abc"), shorten("x" * 20, 8)
    ('abc', 'xxxxxxxx… (20 characters)')
    """
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def short_repr(value: object, limit: int = 60) -> str:
    """A bounded ``repr`` for messages: long strings and deep or long containers are abbreviated,
    and nothing is recursed into beyond two levels (a value nested 10^5 deep is fine).

    >>> short_repr("a" * 200_000)[:12], short_repr([[[[[1]]]]]), short_repr({"k": [1, 2, 3, 4, 5, 6]})
    ("'aaaaaaaaaaa", '[[[...]]]', "{'k': [1, 2, 3, 4, ...]}")
    >>> deep = []
    >>> for _ in range(100_000):
    ...     deep = [deep]
    >>> short_repr(deep)
    '[[[...]]]'
    """
    try:
        text = _REPR.repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not break an error message
        text = f"<{type(value).__name__}>"
    return shorten(text, limit)


class GraphtraceError(Exception):
    """Base class: a problem the user can fix (bad input, no server, bad parameter)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        record: str | None = None,
        field: str | None = None,
    ) -> None:
        message = shorten(str(message))
        super().__init__(message)
        self.message = message
        self.file = file
        self.record = shorten(record) if record else record
        self.field = shorten(field) if field else field

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.record, self.field) if p]
        return ": ".join([*parts, self.message])


class InputError(GraphtraceError):
    """Trace data that cannot be read: bad JSON, wrong types, missing ids, cycles."""


class StoreError(GraphtraceError):
    """Neo4j cannot be reached, refused a write, or holds something unexpected."""


class ServerError(GraphtraceError):
    """The local Neo4j cannot be assembled, started or stopped (Java, Maven, ports)."""


class RecipeError(GraphtraceError):
    """A recipe is unknown, malformed, given bad parameters, or would write."""


class CheckFailed(GraphtraceError):
    """Neo4j and the in-memory engine disagree (``graphtrace check``)."""
