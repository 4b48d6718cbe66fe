"""One shard of the CSV writing: the traces whose id hashes to it, in two phases.

:meth:`ShardWriter.read` spills the shard's traces (every piece of a trace id
hashes to the same shard) and returns the link targets that will be in the
load among them; :meth:`ShardWriter.write` gets the union of those sets over
all shards (``exists``), then builds, checks and writes each trace id of the
shard.  Everything it reports (skipped traces, fix-ups, trace ids) is tagged
with the stream position of the trace id's first piece (of the piece itself,
for a piece refused alone, where the driver path reports it), so that merging
the shards gives the order one writer gives.  With one shard this *is* the
single-process writer.
The shard of a trace id is :func:`graphtrace.model.shard_of`, as for ``analyze --jobs``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphtrace.errors import InputError
from graphtrace.model import Diagnostic, Trace, shard_of
from graphtrace.store.bulk.csvfiles import CsvSet, encode
from graphtrace.store.bulk.rollups import MARK_PROPERTY, RollupTally
from graphtrace.store.bulk.rows import PENDING, SPAN, TRACE, Spill, merge_pieces, node_id, trace_graph
from graphtrace.store.rows import prepare

Fixup = tuple[str, dict[str, str], dict[str, Any]]  # (label, key properties, properties to set)


def _merged(spill: Spill, trace_id: str,
            on_skip: Callable[[InputError, int], None] = lambda exc, at: None) -> Trace:
    """The one trace of a trace id, its pieces merged.

    Of several pieces, one that ``prepare`` refuses is dropped (and noted in ``skipped``), as
    the driver path skips that piece alone and keeps the others (``on_skip`` hears of it, with
    the piece's stream position).
    """
    entries = spill.pieces[trace_id]
    pieces = [spill.load(offset) for _, offset in entries]
    if len(pieces) > 1:
        kept = []
        for (position, _), piece in zip(entries, pieces):
            try:
                prepare(piece)
                kept.append(piece)
            except InputError as exc:
                on_skip(exc, position)
        pieces = kept or pieces
    return merge_pieces(pieces)


def _build(spill: Spill, trace_id: str, exists: set[tuple[str, str]]) -> dict[str, Any]:
    """The graph of one trace id (its pieces merged); ``InputError`` when it cannot be stored."""
    return trace_graph(_merged(spill, trace_id), exists)


def _link_targets(spill: Spill) -> set[tuple[str, str]]:
    """The link targets that will be in the load among the spill's traces (stored and storable)."""
    found: set[tuple[str, str]] = set()
    for trace_id, span_ids in spill.targets.items():
        if trace_id not in spill.pieces:
            continue
        try:
            stored = {row[0]["span_id"] for row in _build(spill, trace_id, set())["spans"]}
        except InputError:
            continue
        found.update((trace_id, s) for s in span_ids & stored)
    return found


def _write_graph(csvs: CsvSet, graph: dict[str, Any], fixups: list[Fixup], rels: dict[str, int]) -> None:
    """Every CSV row of one trace, buffered in ``csvs`` (``InputError`` refuses the trace: call ``discard``)."""
    trace = graph["trace"]
    trace_id = trace["trace_id"]
    columns, cells, fix = encode(trace)
    csvs.node((TRACE,), TRACE, trace_id, columns, cells)
    if fix:
        fixups.append((TRACE, {"trace_id": trace_id}, fix))
    for props, _service, pending in graph["spans"]:
        if pending:
            labels, props = (SPAN, PENDING), {**props, "pending_link_traces": pending}
        else:
            labels = (SPAN,)
        columns, cells, fix = encode(props)
        csvs.node(labels, SPAN, node_id(props["trace_id"], props["span_id"]), columns, cells)
        if fix:
            fixups.append((SPAN, {"trace_id": props["trace_id"], "span_id": props["span_id"]}, fix))
    for rel_type, start, end, props in graph["rels"]:
        columns, cells, _ = encode(props)  # relationship properties are scalars: no fix-ups
        csvs.relationship(rel_type, start, end, columns, cells)
        rels[rel_type] = rels.get(rel_type, 0) + 1


@dataclass
class ShardResult:
    """What one shard wrote; lists are ``(position, item)``: the stream position of the trace id's
    first piece (of the refused piece, for a piece skipped alone)."""

    traces: int = 0
    spans: int = 0
    relationships: dict[str, int] = field(default_factory=dict)
    skipped: list[tuple[int, Diagnostic]] = field(default_factory=list)
    fixups: list[tuple[int, Fixup]] = field(default_factory=list)
    trace_ids: list[tuple[int, str]] = field(default_factory=list)
    services: set[str] = field(default_factory=set)
    csvs: CsvSet | None = None
    error: tuple[int, InputError] | None = None  # with ``strict``: the refusal of lowest position
    rollups: RollupTally | None = None  # the shard's tally: the parts of the traces it wrote
    rolled_up: int = 0  # traces marked ``Trace.rollup``


class ShardWriter:
    """Writes the traces of shard ``shard`` of ``shards`` into CSV files under ``directory``."""

    def __init__(self, directory: Path, shard: int = 0, shards: int = 1, *, strict: bool = False,
                 rollups: RollupTally | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.shard, self.shards, self.strict = shard, shards, strict
        self.spill = Spill(directory / "stream.pickle")
        self.result = ShardResult(csvs=CsvSet(directory), rollups=rollups)
        self._closed = False

    def _mine(self, trace_id: str) -> bool:
        return shard_of(trace_id, self.shards) == self.shard

    def read(self, traces: Iterable[Trace]) -> set[tuple[str, str]]:
        """Phase 1: spill the shard's traces; the link targets among them that will be in the load."""
        self.spill.fill(traces, None if self.shards == 1 else self._mine)
        return _link_targets(self.spill)

    def write(self, exists: set[tuple[str, str]]) -> ShardResult:
        """Phase 2: write every trace id of the shard; ``exists`` holds all link targets in the load.

        With ``strict``, the refusal of lowest stream position is kept in ``result.error``; trace
        ids whose first piece comes after it are not looked at.
        """
        for trace_id, entries in self.spill.pieces.items():
            error = self.result.error
            if error is not None and entries[0][0] > error[0]:
                break
            self._trace(trace_id, entries[0][0], exists)
        self.close()
        return self.result

    def _refuse(self, exc: InputError, trace_id: str, at: int) -> None:
        """Note a refused trace or piece (at stream position ``at``): skipped, or with ``strict`` the error."""
        result = self.result
        if self.strict:
            if result.error is None or at < result.error[0]:
                result.error = (at, exc)
            return
        result.skipped.append((at, Diagnostic(
            record=exc.record or f"trace {trace_id}", field=exc.field, message=exc.message)))

    def _trace(self, trace_id: str, position: int, exists: set[tuple[str, str]]) -> None:
        """Write one trace id (first piece at stream position ``position``), or note why it is refused.

        With a rollup tally, the trace's part is measured once its graph is built and counted
        once all its rows are written (the trace is then marked ``Trace.rollup``)."""
        result, csvs = self.result, self.result.csvs
        assert csvs is not None
        fixups: list[Fixup] = []
        rels: dict[str, int] = {}
        tally, part = result.rollups, None
        try:
            trace = _merged(self.spill, trace_id, lambda exc, at: self._refuse(exc, trace_id, at))
            graph = trace_graph(trace, exists)
            if tally is not None:
                part = tally.measure(trace)
                if part is not None:
                    graph["trace"][MARK_PROPERTY] = True
            _write_graph(csvs, graph, fixups, rels)
        except InputError as exc:
            csvs.discard()
            self._refuse(exc, trace_id, position)
            return
        csvs.flush()
        if tally is not None and part is not None:
            tally.add(part)
            result.rolled_up += 1
        for rel_type, n in rels.items():
            result.relationships[rel_type] = result.relationships.get(rel_type, 0) + n
        result.fixups.extend((position, f) for f in fixups)
        result.traces += 1
        result.spans += len(graph["spans"])
        result.trace_ids.append((position, trace_id))
        result.services.update(graph["services"])

    def close(self) -> None:
        """Close the CSV files and drop the spill (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            self.spill.close()
        finally:
            assert self.result.csvs is not None
            self.result.csvs.close()
