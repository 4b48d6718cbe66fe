"""``write_csvs``: a stream of traces -> neo4j-admin CSV files of the graph ``ingest`` would build.

Two passes, holding no trace in memory beyond the one being written: the
stream is pickled to a spill file (noting which trace ids come in several
pieces and which spans links point at), then each trace id is read back
(all its pieces, merged), checked and written.  A trace that cannot be stored
is skipped and reported like the driver path does (``prepare`` raises
``InputError``), or raised with ``strict``.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     c = write_csvs([], d)
>>> c.traces, c.spans, c.skipped
(0, 0, [])
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphtrace.errors import InputError
from graphtrace.model import Diagnostic, Trace
from graphtrace.store.bulk.csvfiles import CsvSet, encode_row, signature
from graphtrace.store.ingest import prepare
from graphtrace.store.bulk.rows import PENDING, SERVICE, SPAN, TRACE, Spill, merge_pieces, node_id, trace_graph

Fixup = tuple[str, dict[str, str], dict[str, Any]]  # (label, key properties, properties to set)


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

    @property
    def relationship_count(self) -> int:
        """All relationships written."""
        return sum(self.relationships.values())


def _build(spill: Spill, trace_id: str, exists: set[tuple[str, str]],
           on_skip: Callable[[InputError], None] = lambda exc: None) -> dict[str, Any]:
    """The graph of one trace id (its pieces merged); ``InputError`` when it cannot be stored.

    Of several pieces, one that ``prepare`` refuses is dropped (and noted in ``skipped``), as
    the driver path skips that piece alone and keeps the others (``on_skip`` hears of it).
    """
    pieces = [spill.load(o) for o in spill.pieces[trace_id]]
    if len(pieces) > 1:
        kept = []
        for piece in pieces:
            try:
                prepare(piece)
                kept.append(piece)
            except InputError as exc:
                on_skip(exc)
        pieces = kept or pieces
    return trace_graph(merge_pieces(pieces), exists)


def _link_targets(spill: Spill) -> set[tuple[str, str]]:
    """The link targets that will be in the load (their trace is in the stream and storable)."""
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


Row = tuple[str, tuple, tuple, list]  # ("node", (labels, space, id), columns, cells) or ("rel", (type, start, end), ...)


def _encode(props: dict[str, Any]) -> tuple[tuple, list[Any], dict[str, Any]]:
    if not props:
        return (), [], {}
    columns = signature(props)
    cells, fix = encode_row(props, columns)
    return columns, cells, fix


def _rows(graph: dict[str, Any], fixups: list[Fixup]) -> list[Row]:
    """Every CSV row of one trace, encoded before anything is written (``InputError`` refuses the trace)."""
    trace = graph["trace"]
    rows: list[Row] = []
    nodes = [((TRACE,), TRACE, trace["trace_id"], trace, {"trace_id": trace["trace_id"]})]
    for props, _service, pending in graph["spans"]:
        key = {"trace_id": props["trace_id"], "span_id": props["span_id"]}
        labels = (SPAN, PENDING) if pending else (SPAN,)
        full = {**props, "pending_link_traces": pending} if pending else props
        nodes.append((labels, SPAN, node_id(key["trace_id"], key["span_id"]), full, key))
    for labels, space, nid, props, key in nodes:
        columns, cells, fix = _encode(props)
        rows.append(("node", (labels, space, nid), columns, cells))
        if fix:
            fixups.append((labels[0], key, fix))
    for rel_type, start, end, props in graph["rels"]:
        columns, cells, _ = _encode(props)  # relationship properties are scalars: no fix-ups
        rows.append(("rel", (rel_type, start, end), columns, cells))
    return rows


def _write_trace(csvs: CsvSet, counts: CsvCounts, graph: dict[str, Any]) -> None:
    fixups: list[Fixup] = []
    rows = _rows(graph, fixups)
    for kind, where, columns, cells in rows:
        if kind == "node":
            csvs.node(*where, columns, cells)
        else:
            csvs.relationship(*where, columns, cells)
            counts.relationships[where[0]] = counts.relationships.get(where[0], 0) + 1
    csvs.flush()
    counts.fixups.extend(fixups)
    counts.traces += 1
    counts.spans += len(graph["spans"])
    counts.trace_ids.append(graph["trace"]["trace_id"])


def _services(csvs: CsvSet, counts: CsvCounts, names: set[str]) -> None:
    for name in sorted(names):
        columns, cells, _ = _encode({"name": name})
        csvs.node((SERVICE,), SERVICE, name, columns, cells)
    csvs.flush()
    counts.services = len(names)


def write_csvs(traces: Iterable[Trace], directory: str | Path, *, strict: bool = False) -> CsvCounts:
    """Write the graph of ``traces`` as neo4j-admin CSV files into ``directory``; return the counts.

    Pieces of one trace id are merged; unstorable traces are skipped (``counts.skipped``), or
    raised as ``InputError`` with ``strict``.  ``counts.csvs.import_args()`` lists the files.
    """
    started = time.perf_counter()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    counts, csvs, services = CsvCounts(), CsvSet(directory), set()
    spill = Spill(directory / "stream.pickle")
    try:
        spill.fill(traces)
        exists = _link_targets(spill)
        for trace_id in spill.pieces:

            def skip(exc: InputError, trace_id: str = trace_id) -> None:
                if strict:
                    raise exc
                counts.skipped.append(Diagnostic(record=exc.record or f"trace {trace_id}", field=exc.field,
                                                 message=exc.message))
            try:
                graph = _build(spill, trace_id, exists, skip)
                _write_trace(csvs, counts, graph)
            except InputError as exc:
                skip(exc)
                continue
            services.update(graph["services"])
        _services(csvs, counts, services)
    finally:
        spill.close()
        csvs.close()
    counts.csvs = csvs
    counts.seconds = time.perf_counter() - started
    return counts
