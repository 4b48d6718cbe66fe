"""``write_csvs``: a stream of traces -> neo4j-admin CSV files of the graph ``ingest`` would build.

Two passes, holding no trace in memory beyond the one being written: the
stream is pickled to a spill file (noting which trace ids come in several
pieces and which spans links point at), then each trace id is read back
(all its pieces, merged), checked and written (:mod:`.shard`).  A trace that
cannot be stored is skipped and reported like the driver path does
(``prepare`` raises ``InputError``), or raised with ``strict``.

With ``workers > 1`` and a way to read the input again (``reread``), the
trace ids are split over that many processes by a stable hash
(:mod:`.parallel`), each writing its own CSV files; what needs the whole
input stays exact: the link targets are exchanged between the processes, the
``Service`` nodes are written once here, and counts, skipped traces, fix-ups
and trace ids are merged in the order a single writer gives (by stream
position: of each trace id's first piece, or of a piece refused alone).

Given a rollup tally (:mod:`.rollups`), each shard measures every trace it
writes, the tallies are merged here and the ``Rollup`` nodes written once, so
the import loads the rollups too (``counts.rolled_up`` traces marked).

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     c = write_csvs([], d)
>>> c.traces, c.spans, c.skipped
(0, 0, [])
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from graphtrace.model import Diagnostic, Trace
from graphtrace.store.bulk.csvfiles import CsvSet, encode_row, signature
from graphtrace.store.bulk.parallel import part_directory, run_shards
from graphtrace.store.bulk.rollups import RollupTally, rollup_csvs
from graphtrace.store.bulk.rows import SERVICE
from graphtrace.store.bulk.shard import Fixup, ShardResult, ShardWriter

__all__ = ["CsvCounts", "Fixup", "write_csvs"]


@dataclass
class CsvCounts:
    """What :func:`write_csvs` wrote: counts, the files (``csvs``), fix-ups, skipped traces, seconds."""

    traces: int = 0
    spans: int = 0
    services: int = 0
    relationships: dict[str, int] = field(default_factory=dict)
    skipped: list[Diagnostic] = field(default_factory=list)
    fixups: list[Fixup] = field(default_factory=list)
    trace_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0
    csvs: CsvSet | None = None
    workers: int = 1
    rolled_up: int = 0  # traces whose rollup part is in the import (``Trace.rollup`` set)
    rollup_cells: int = 0  # ``Rollup`` nodes written

    @property
    def relationship_count(self) -> int:
        """All relationships written."""
        return sum(self.relationships.values())


def _single(traces: Iterable[Trace], directory: Path, strict: bool, rollups: RollupTally | None) -> ShardResult:
    """All trace ids in this process: the one shard of one."""
    writer = ShardWriter(part_directory(directory, 0), strict=strict, rollups=rollups)
    try:
        return writer.write(writer.read(traces))
    finally:
        writer.close()


def _ordered(lists: Iterable[list]) -> list:
    """The items of ``(position, item)`` lists, in position order (stable: a trace's items keep theirs)."""
    merged = [entry for entries in lists for entry in entries]
    merged.sort(key=lambda entry: entry[0])
    return [item for _, item in merged]


def _merge(results: list[ShardResult]) -> CsvCounts:
    """One :class:`CsvCounts` of the shards; with ``strict``, the first refused trace of the stream raised."""
    errors = [r.error for r in results if r.error is not None]
    if errors:
        raise min(errors, key=lambda e: e[0])[1]
    counts = CsvCounts(workers=len(results))
    for r in results:
        counts.traces += r.traces
        counts.spans += r.spans
        counts.rolled_up += r.rolled_up
        for rel_type, n in r.relationships.items():
            counts.relationships[rel_type] = counts.relationships.get(rel_type, 0) + n
    counts.skipped = _ordered(r.skipped for r in results)
    counts.fixups = _ordered(r.fixups for r in results)
    counts.trace_ids = _ordered(r.trace_ids for r in results)
    return counts


def _services(directory: Path, names: set[str]) -> CsvSet:
    """The ``Service`` nodes, each once, in their own CSV set (no shard writes a ``Service`` file)."""
    csvs = CsvSet(directory)
    for name in sorted(names):
        columns = signature({"name": name})
        cells, _ = encode_row({"name": name}, columns)
        csvs.node((SERVICE,), SERVICE, name, columns, cells)
    csvs.close()
    return csvs


def _rollups(directory: Path, results: list[ShardResult]) -> CsvSet | None:
    """The shards' tallies merged, as ``Rollup`` nodes in their own CSV set (None without a tally)."""
    tallies = [r.rollups for r in results if r.rollups is not None]
    if not tallies:
        return None
    total = tallies[0]
    for other in tallies[1:]:
        total.merge(other)
    return rollup_csvs(directory, total.rows())


def write_csvs(traces: Iterable[Trace], directory: str | Path, *, strict: bool = False, workers: int = 1,
               reread: Callable[[], Iterable[Trace]] | None = None,
               rollups: RollupTally | None = None) -> CsvCounts:
    """Write the graph of ``traces`` as neo4j-admin CSV files into ``directory``; return the counts.

    Pieces of one trace id are merged; unstorable traces are skipped (``counts.skipped``), or
    raised as ``InputError`` with ``strict``.  ``counts.csvs.import_args()`` lists the files.
    ``workers > 1`` needs ``reread``: a picklable callable returning a fresh stream of the same
    traces (children read it; this process reads ``traces``); without it one process writes.
    ``rollups``: an empty :class:`~graphtrace.store.bulk.rollups.RollupTally` (not changed here:
    every shard counts into a copy); the import then holds the ``Rollup`` nodes of the written
    traces, which are marked ``Trace.rollup``.
    """
    started = time.perf_counter()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if workers > 1 and reread is not None:
        results = run_shards(traces, reread, directory, workers, strict, rollups)
    else:
        results = [_single(traces, directory, strict, copy.deepcopy(rollups))]
    counts = _merge(results)
    services: set[str] = set().union(*(r.services for r in results))
    counts.csvs = _services(directory, services)
    counts.csvs.parts = [r.csvs for r in results if r.csvs is not None]
    rolled = _rollups(directory, results)
    if rolled is not None:
        counts.csvs.parts.append(rolled)
        counts.rollup_cells = sum(g.rows for g in rolled.nodes.values())
    counts.services = len(services)
    counts.seconds = time.perf_counter() - started
    return counts
