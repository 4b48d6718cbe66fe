"""Diagnostics and counters shared by all readers while one stream is consumed.

``warn`` records a warning (optionally once per key, so a file full of
plain-string ids gives one warning, not one per span); ``skip`` records a
skipped record or trace, and raises :class:`InputError` in strict mode.

>>> ctx = ReadContext()
>>> ctx.warn("a.json", "line 2", "spanId", "not hex", once="a.json:id")
>>> ctx.warn("a.json", "line 3", "spanId", "not hex", once="a.json:id")
>>> [d.text for d in ctx.warnings]
['a.json: line 2: spanId: not hex']
>>> try:
...     ReadContext(strict=True).skip("a.json", "line 4", None, "invalid JSON")
... except InputError as exc:
...     print(exc)
a.json: line 4: invalid JSON
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphtrace.errors import InputError, shorten
from graphtrace.model import Diagnostic


@dataclass
class Counters:
    """What a stream has seen so far."""

    records_read: int = 0      # NDJSON lines, CSV/JSON rows, whole documents
    spans_read: int = 0        # span records (before de-duplication)
    traces_yielded: int = 0
    traces_skipped: int = 0
    spans_skipped: int = 0     # span records dropped (bad records and members of skipped traces)
    records_skipped: int = 0   # records (lines, rows, documents) that could not be read at all
    duplicates_merged: int = 0  # identical repeated spans and per-event rows folded into one span
    files_ignored: int = 0     # files in a directory that are not trace data (README.md, *.py): not read


def _diagnostic(file: str | None, record: str | None, field_name: str | None, message: str) -> Diagnostic:
    """A Diagnostic with every part cut to a readable length (a record label can quote an id of any size).

    >>> len(_diagnostic("f", "span " + "a" * 200_000, None, "bad").text) < 1000
    True
    """
    return Diagnostic(file=file, record=shorten(record, 200) if record else record,
                      field=shorten(field_name, 200) if field_name else field_name, message=shorten(message))


@dataclass
class ReadContext:
    """Collects warnings and skips; ``strict`` turns the first skip into an InputError."""

    strict: bool = False
    warnings: list[Diagnostic] = field(default_factory=list)
    skipped: list[Diagnostic] = field(default_factory=list)
    counters: Counters = field(default_factory=Counters)
    _once: set[str] = field(default_factory=set)

    def warn(self, file: str | None, record: str | None, field_name: str | None,
             message: str, *, once: str | None = None) -> None:
        """Record a warning; with ``once``, only the first warning for that key is kept."""
        if once is not None:
            if once in self._once:
                return
            self._once.add(once)
        self.warnings.append(_diagnostic(file, record, field_name, message))

    def skip(self, file: str | None, record: str | None, field_name: str | None,
             message: str) -> None:
        """Record a skip; raise InputError instead in strict mode.  Long messages are cut (:func:`shorten`)."""
        if self.strict:
            raise InputError(message, file=file, record=record, field=field_name)
        self.skipped.append(_diagnostic(file, record, field_name, message))

    def skip_diagnostic(self, diagnostic: Diagnostic) -> None:
        """:meth:`skip` for a ready-made Diagnostic."""
        self.skip(diagnostic.file, diagnostic.record, diagnostic.field, diagnostic.message)
