"""The one exception family of graphtrace.

Library code raises these; only :mod:`graphtrace.cli` catches them, prints
``Error: <message>`` and exits 2.  Every error can say *where* the problem
is: the file, the record (line number, row, span id...) and the field.

>>> str(InputError("expected an integer", file="t.json", record="line 3", field="startTimeUnixNano"))
't.json: line 3: startTimeUnixNano: expected an integer'
>>> isinstance(InputError("x"), GraphtraceError)
True
"""

from __future__ import annotations


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
        super().__init__(message)
        self.message = message
        self.file = file
        self.record = record
        self.field = field

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
