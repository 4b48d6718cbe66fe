"""What a conformance case expects, written by hand from the fixture (never from running graphtrace).

A case is one fixture file and one :class:`Expect`.  ``spans`` is the whole span table the
reader must produce: ``span_id -> (parent_span_id or None, service, duration_ns)``; leave it out
and only the counts are checked.  ``exit_code`` 2 means the file must be refused, with every
string of ``error_contains`` in the ``Error:`` line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SpanRow = tuple[str | None, str, int]


@dataclass(frozen=True)
class Expect:
    traces: int = 1
    span_count: int | None = None
    spans: dict[str, SpanRow] | None = None
    roots: frozenset[str] | None = None
    exit_code: int = 0
    error_contains: tuple[str, ...] = ()
    warnings_contain: tuple[str, ...] = ()
    skipped: int = 0
    args: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    def total_spans(self) -> int | None:
        if self.span_count is not None:
            return self.span_count
        return None if self.spans is None else len(self.spans)

    def root_ids(self) -> frozenset[str] | None:
        if self.roots is not None:
            return self.roots
        if self.spans is None:
            return None
        return frozenset(sid for sid, (parent, _, _) in self.spans.items() if parent is None)


@dataclass(frozen=True)
class Case:
    path: str  # relative to the repository root
    expect: Expect

    @property
    def id(self) -> str:
        return Path(self.path).name

    @property
    def file(self) -> Path:
        return ROOT / self.path
