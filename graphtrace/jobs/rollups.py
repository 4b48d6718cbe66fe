"""Keep the per-minute rollups (docs/rollups.md) in step with the stored traces.

A trace's contribution (:func:`graphtrace.analysis.rollup.contribution`) is a pure function of its
spans.  ``Trace.rollup = true`` says the rollups hold the contribution of the trace *as stored*.  So:

* before a trace that is already stored is written again (re-ingest, or a late piece of it), the
  contribution of the stored version is taken away and the mark removed, in one transaction
  (:meth:`RollupStep.wrap`, as the ingest pulls the traces);
* after the write, the contribution of the trace as now stored is added and the mark set, in one
  transaction (:meth:`RollupStep.written`): from the spans in hand when the trace is new, else read
  back from Neo4j (the stored trace is then the union of its pieces).

A crash between the two leaves the trace unmarked and not counted, never counted twice;
:func:`repair_rollups` adds the unmarked traces.  :func:`forget_traces` takes traces away before they
are deleted; :func:`rebuild_rollups` recomputes everything from the stored spans (after
``ingest --bulk``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import neo4j

from graphtrace.analysis.rollup import Cell, Key, add_cells, contribution, store_rows
from graphtrace.errors import GraphtraceError
from graphtrace.model import Trace
from graphtrace.store.rollups import apply_rollups, clear_rollups, rollup_state, timing_traces, unrolled_trace_ids
from graphtrace.store.schema import init_schema

Progress = Callable[[str, int, "int | None"], None]
CHUNK = 500


def _sum(traces: Iterable[Trace]) -> dict[Key, Cell]:
    total: dict[Key, Cell] = {}
    for t in traces:
        add_cells(total, contribution(t))
    return total


def _stored(driver: neo4j.Driver, ids: Sequence[str], database: str) -> list[Trace]:
    return timing_traces(driver, ids, database=database)


def forget_traces(driver: neo4j.Driver, trace_ids: Iterable[str], *, database: str) -> int:
    """Take the stored traces' contributions out of the rollups and unmark them (call it BEFORE deleting
    the traces; the spans are read to know what they contributed).  Returns the traces taken out."""
    ids = list(dict.fromkeys(trace_ids))
    done = 0
    for i in range(0, len(ids), CHUNK):
        state = rollup_state(driver, ids[i:i + CHUNK], database=database)
        marked = [t for t, rolled in state.items() if rolled]
        if marked:
            delta: dict[Key, Cell] = {}
            add_cells(delta, _sum(_stored(driver, marked, database)), sign=-1)
            apply_rollups(driver, store_rows(delta), database=database, unmark=marked)
            done += len(marked)
    return done


def add_traces(driver: neo4j.Driver, trace_ids: Sequence[str], *, database: str,
               in_hand: dict[str, dict[Key, Cell]] | None = None) -> int:
    """Add the contributions of stored, unmarked traces and mark them (``in_hand``: contributions already
    computed from complete traces; the others are read back).  Marked traces are left alone."""
    state = rollup_state(driver, trace_ids, database=database)
    todo = [t for t in trace_ids if state.get(t) is False]
    if not todo:
        return 0
    in_hand = in_hand or {}
    total: dict[Key, Cell] = {}
    for tid in todo:
        if tid in in_hand:
            add_cells(total, in_hand[tid])
    add_cells(total, _sum(_stored(driver, [t for t in todo if t not in in_hand], database)))
    apply_rollups(driver, store_rows(total), database=database, mark=todo)
    return len(todo)


class RollupStep:
    """The load job's rollup step: ``ingest(driver, step.wrap(traces), on_progress=...)`` calling
    ``step.written(ids)`` for the ids each batch wrote, then ``step.finish()``.

    A trace new to the store and seen once is added from the spans in hand as soon as it is written.
    A trace already stored (its old contribution taken out first), or seen in several pieces, is
    *deferred*: :meth:`finish` adds it read back from Neo4j, the union of its pieces.

    The rollup constraint and indexes are part of the graph schema: the writers create it first
    (``store.schema.init_schema``), so building a step costs no round trip."""

    def __init__(self, driver: neo4j.Driver, *, database: str) -> None:
        self.driver, self.database = driver, database
        self.in_hand: dict[str, dict[Key, Cell]] = {}
        self.deferred: set[str] = set()
        self.files: dict[str, str | None] = {}
        self.lock = threading.Lock()

    def wrap(self, traces: Iterable[Trace], file_of: Callable[[str], str | None] | None = None) -> Iterator[Trace]:
        """Yield ``traces`` unchanged; per chunk, take the stored versions of re-sent traces out first.

        The chunk reads ahead, past the moment a TraceStream knows a trace's file: the file of each
        trace (``file_of``, default the stream's) is kept for :meth:`file_of` until it is written."""
        file_of = file_of or getattr(traces, "file_of", None)
        chunk: list[Trace] = []
        for trace in traces:
            if file_of is not None:
                self.files[trace.trace_id] = file_of(trace.trace_id)
            chunk.append(trace)
            if len(chunk) >= CHUNK:
                yield from self._prepare(chunk)
                chunk = []
        yield from self._prepare(chunk)

    def _prepare(self, chunk: list[Trace]) -> list[Trace]:
        ids = [t.trace_id for t in chunk]
        state = rollup_state(self.driver, ids, database=self.database)
        forget_traces(self.driver, [t for t in ids if state.get(t)], database=self.database)
        seen = Counter(ids)
        with self.lock:
            for t in chunk:
                tid = t.trace_id
                if tid in state or seen[tid] > 1 or tid in self.in_hand or tid in self.deferred:
                    self.in_hand.pop(tid, None)
                    self.deferred.add(tid)
                    continue
                try:
                    self.in_hand[tid] = contribution(t)
                except GraphtraceError:  # a trace the ingest will refuse: if it is stored after all, read it back
                    self.deferred.add(tid)
        return chunk

    def file_of(self, trace_id: str) -> str | None:
        """The input ``trace_id`` was read from, while it waits to be written (for ingest's diagnostics)."""
        return self.files.get(trace_id)

    def written(self, trace_ids: Sequence[str]) -> None:
        """Add the new traces just written from the spans in hand (deferred ones wait for :meth:`finish`)."""
        with self.lock:
            for t in trace_ids:
                self.files.pop(t, None)
            hand = {t: self.in_hand.pop(t) for t in dict.fromkeys(trace_ids)
                    if t in self.in_hand and t not in self.deferred}
        add_traces(self.driver, list(hand), database=self.database, in_hand=hand)

    def finish(self) -> None:
        """Add the deferred traces as stored now (a skipped re-send: the old version is put back)."""
        with self.lock:
            left, self.deferred, self.in_hand = sorted(self.deferred), set(), {}
        for i in range(0, len(left), CHUNK):
            add_traces(self.driver, left[i:i + CHUNK], database=self.database)


def update_rollups(driver: neo4j.Driver, trace_ids: Sequence[str], *, database: str) -> int:
    """Bring the rollups in line with stored traces written by a path without :class:`RollupStep`
    (e.g. ``graphtrace serve``'s writer): take out the marked ones, add them all back as stored now.
    Not safe against a crash in between (the trace is then unmarked: :func:`repair_rollups`)."""
    ids = list(dict.fromkeys(trace_ids))
    forget_traces(driver, ids, database=database)
    done = 0
    for i in range(0, len(ids), CHUNK):
        done += add_traces(driver, ids[i:i + CHUNK], database=database)
    return done


def repair_rollups(driver: neo4j.Driver, *, database: str, progress: Progress | None = None) -> int:
    """Add every stored trace that is not in the rollups yet (``Trace.rollup`` unset); returns how many."""
    init_schema(driver, database=database)
    return _add_unrolled(driver, database=database, progress=progress)


def _add_unrolled(driver: neo4j.Driver, *, database: str, progress: Progress | None) -> int:
    ids = unrolled_trace_ids(driver, database=database)
    done = 0
    for i in range(0, len(ids), CHUNK):
        done += add_traces(driver, ids[i:i + CHUNK], database=database)
        if progress is not None:
            progress("rollups", min(i + CHUNK, len(ids)), len(ids))
    return done


def rebuild_rollups(driver: neo4j.Driver, *, database: str, progress: Progress | None = None) -> int:
    """Delete every rollup and recompute them from the stored spans (the repair tool: ``ingest --bulk``
    puts the rollups into the import itself, :class:`RollupSum`); returns the traces rolled up."""
    init_schema(driver, database=database)
    clear_rollups(driver, database=database)
    return _add_unrolled(driver, database=database, progress=progress)


class RollupSum:
    """The rollup tally of ``ingest --bulk`` (``store.bulk.rollups.RollupTally``): the CSV writer
    measures each whole trace it writes (:func:`~graphtrace.analysis.rollup.contribution`), sums the
    parts of the written ones, and the import loads the cells, so no rebuild reads the spans back.

    >>> from graphtrace.model import Span
    >>> tally = RollupSum()
    >>> tally.add(tally.measure(Trace(trace_id="t", spans=[Span(trace_id="t", span_id="a", start_ns=0, end_ns=5)])))
    >>> sorted((r["kind"], r["n"], r["sum_ns"]) for r in tally.rows())
    [('cp_op', 1, 5), ('cp_svc', 1, 5), ('op', 1, 5), ('service', 1, 5)]
    """

    def __init__(self) -> None:
        self.cells: dict[Key, Cell] = {}

    def measure(self, trace: Trace) -> dict[Key, Cell] | None:
        """The trace's contribution; None when it has none (a parent cycle: the trace stays unmarked,
        as a trace the driver path cannot roll up)."""
        try:
            return contribution(trace)
        except GraphtraceError:
            return None

    def add(self, part: dict[Key, Cell]) -> None:
        add_cells(self.cells, part)

    def merge(self, other: RollupSum) -> None:
        add_cells(self.cells, other.cells)

    def rows(self) -> list[dict]:
        return store_rows(self.cells)


def ingest_rolled_up(driver: neo4j.Driver, traces: Iterable[Trace], *, database: str, **options: Any) -> Any:
    """:func:`graphtrace.store.ingest.ingest` with the rollup step around it (for a writer that is not
    the load job, e.g. ``graphtrace serve``'s: a late piece of a trace then merges into the rollups)."""
    from graphtrace.store.ingest import ingest

    step, rolled = RollupStep(driver, database=database), [0]
    outer = options.pop("on_progress", None)

    def written(summary: Any) -> None:
        step.written(summary.trace_ids[rolled[0]:])
        rolled[0] = len(summary.trace_ids)
        if outer is not None:
            outer(summary)

    summary = ingest(driver, step.wrap(traces), database=database, on_progress=written, file_of=step.file_of,
                     **options)
    step.written(summary.trace_ids[rolled[0]:])
    step.finish()
    return summary
