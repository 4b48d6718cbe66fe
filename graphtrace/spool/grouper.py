"""Group received spans into traces and hand a trace over once it has been quiet for the decision wait.

Each pending trace remembers the spool segments its spans came from; a segment may be removed
once no trace that came from it is still waiting or being written (:meth:`Grouper.written`).
A span re-sent (same span id) replaces the earlier copy.  A span that arrives after its trace
was handed over starts a new piece of that trace; the store merges pieces.  A piece whose write
failed comes back with :meth:`Grouper.retry` and merges with anything newer.

>>> from graphtrace.readers.build import make_span
>>> g = Grouper(decision_wait=10.0)
>>> g.add(3, [make_span("t", "a", None, "svc", "op", "SERVER", 0, 5)], now=100.0)
>>> g.due(now=105.0), g.pending_spans
([], 1)
>>> [trace] = g.due(now=110.0)
>>> trace.trace_id, [s.span_id for s in trace.spans], trace.segments
('t', ['a'], {3})
>>> g.written([trace])
{3: 0}
"""

from __future__ import annotations

import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from graphtrace.model import Diagnostic, Span, Trace
from graphtrace.readers.assemble import cycle_message, parent_cycle, skipped_trace_message
from graphtrace.readers.build import span_record


@dataclass
class Piece:
    """Spans of one trace waiting to be written, and the spool segments they came from."""

    trace_id: str
    spans: dict[str, Span] = field(default_factory=dict)
    segments: set[int] = field(default_factory=set)
    last: float = 0.0

    def to_trace(self) -> Trace:
        """The piece as a model trace (spans in arrival order)."""
        return Trace(trace_id=self.trace_id, spans=list(self.spans.values()))


@dataclass
class Handed:
    """A piece handed over for writing: ``trace`` plus what :meth:`Grouper.written` needs back."""

    trace_id: str
    spans: list[Span]
    segments: set[int]
    problem: Diagnostic | None = None  # why the piece must not be stored (a parent cycle)

    def to_trace(self) -> Trace:
        """The spans as one model trace."""
        return Trace(trace_id=self.trace_id, spans=self.spans)


class Grouper:
    """Pending traces, oldest-quiet first; see the module docstring."""

    def __init__(self, decision_wait: float = 10.0) -> None:
        self.decision_wait = decision_wait
        self._pending: OrderedDict[str, Piece] = OrderedDict()
        self._refs: Counter[int] = Counter()   # segment -> pieces (pending or handed) using it
        self.pending_spans = 0

    @property
    def pending_traces(self) -> int:
        """Traces waiting for their decision wait to pass."""
        return len(self._pending)

    def add(self, segment: int, spans: list[Span], now: float | None = None) -> None:
        """Take the spans of one spooled record (from ``segment``)."""
        now = time.monotonic() if now is None else now
        for span in spans:
            piece = self._pending.get(span.trace_id)
            if piece is None:
                piece = self._pending[span.trace_id] = Piece(span.trace_id)
            else:
                self._pending.move_to_end(span.trace_id)
            if segment not in piece.segments:
                piece.segments.add(segment)
                self._refs[segment] += 1
            if span.span_id not in piece.spans:
                self.pending_spans += 1
            piece.spans[span.span_id] = span
            piece.last = now
        self._refs[segment] += 0  # a segment with no span left is still known

    def due(self, now: float | None = None, *, everything: bool = False, max_spans: int = 50_000) -> list[Handed]:
        """Remove and return the pieces quiet for the decision wait (all with ``everything``)."""
        now = time.monotonic() if now is None else now
        out: list[Handed] = []
        taken = 0
        while self._pending and taken < max_spans:
            trace_id, piece = next(iter(self._pending.items()))
            if not everything and now - piece.last < self.decision_wait:
                break
            del self._pending[trace_id]
            self.pending_spans -= len(piece.spans)
            taken += len(piece.spans)
            out.append(Handed(trace_id, list(piece.spans.values()), piece.segments, cycle_problem(piece)))
        return out

    def written(self, handed: list[Handed]) -> dict[int, int]:
        """Mark pieces as stored; return ``{segment: pieces still using it}`` for their segments."""
        touched: dict[int, int] = {}
        for piece in handed:
            for segment in piece.segments:
                self._refs[segment] -= 1
                touched[segment] = self._refs[segment]
        return touched

    def unused(self, segment: int) -> bool:
        """True when no pending or handed piece came from ``segment``."""
        return self._refs.get(segment, 0) <= 0

    def forget(self, segment: int) -> None:
        """Drop the bookkeeping of a removed segment."""
        self._refs.pop(segment, None)

    def retry(self, handed: list[Handed], now: float | None = None) -> None:
        """Put back pieces whose write failed; newer spans of the same trace win."""
        now = time.monotonic() if now is None else now
        for piece in handed:
            current = self._pending.get(piece.trace_id)
            if current is None:
                current = self._pending[piece.trace_id] = Piece(piece.trace_id, last=now)
            for span in piece.spans:
                if span.span_id not in current.spans:
                    current.spans[span.span_id] = span
                    self.pending_spans += 1
            for segment in piece.segments:
                if segment in current.segments:
                    self._refs[segment] -= 1  # the two pieces now count once
                current.segments.add(segment)


def cycle_problem(piece: Piece) -> Diagnostic | None:
    """Why ``piece`` must not be stored, with the readers' rule and wording: a parent cycle skips the
    whole trace (``ingest`` of a file does the same), or None.

    >>> from graphtrace.readers.build import make_span
    >>> p = Piece("t", {i: make_span("t", i, par, "svc", "op", "INTERNAL", 0, 5) for i, par in
    ...           (("a", "b"), ("b", "a"), ("c", "a"))}, {4})
    >>> d = cycle_problem(p)
    >>> d.file, d.record, d.field, d.message
    ('spool segment 4', 'trace t, span a', 'parent_span_id', 'parent cycle a -> b -> a; whole trace t skipped (3 span records)')
    """
    cycle = parent_cycle({sid: span.parent_span_id for sid, span in piece.spans.items()})
    if cycle is None:
        return None
    return Diagnostic(file=f"spool segment {min(piece.segments, default=0)}",
                      record=span_record(f"trace {piece.trace_id}", cycle[0]), field="parent_span_id",
                      message=skipped_trace_message(cycle_message(cycle), piece.trace_id, len(piece.spans)))
