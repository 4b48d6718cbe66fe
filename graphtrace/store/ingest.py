"""Write traces into Neo4j: batched, idempotent, each trace whole or not at all.

A batch holds whole traces only (about ``batch_spans`` spans; a larger trace
is a batch of its own) and is written in one managed transaction
(``session.execute_write``, retried on transient errors) as a few
``UNWIND $rows`` statements: trace nodes, services, spans, parent edges,
remote calls, links, trace aggregates.  Traces that already have spans in the
database (re-ingest, or a trace split across files) take the ``MERGE`` path
and get whole-trace fix-ups: children whose parent arrives now, CLIENT/SERVER
pairs across pieces, and aggregates recomputed from every stored span.  A new
trace of more than ``BIG_TRACE_SPANS`` spans, too big for Neo4j's transaction
memory pool, is written in chunks by :mod:`graphtrace.store.big_trace`, marked
``incomplete`` until its last chunk and deleted again if a chunk fails.

A batch Neo4j refuses is split until the refusing trace is alone; that trace
is skipped (reported in ``IngestSummary.skipped``) and the others are written.
Losing the server raises ``StoreError`` saying how much was committed.

>>> s = IngestSummary(traces=2, spans=7)
>>> s.traces, s.spans, s.skipped
(2, 7, [])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from neo4j import Driver, ManagedTransaction, NotificationMinimumSeverity, Session
from neo4j.exceptions import DriverError, Neo4jError

from graphtrace.errors import InputError, StoreError
from graphtrace.model import Diagnostic, Trace
from graphtrace.store import queries
from graphtrace.store.big_trace import BIG_TRACE_SPANS, run_counted, start_big_trace, write_big_trace
from graphtrace.store.codec import link_rows, links_from_json
from graphtrace.store.pipeline import BatchFailed, IngestSummary, Pipeline, one_line
from graphtrace.store.rows import Prepared, prepare


def _batches(
    traces: Iterable[Trace], batch_spans: int, summary: IngestSummary, strict: bool,
    file_of: Callable[[str], str | None] | None = None,
) -> Iterator[list[Prepared]]:
    """Group prepared traces into batches of whole traces; unstorable traces go to ``skipped``.

    A skipped trace names the file it was read from when ``file_of`` (or ``traces``, a
    TraceStream) knows it.
    """
    batch: list[Prepared] = []
    ids: set[str] = set()
    size = 0
    file_of = file_of or getattr(traces, "file_of", None)
    for trace in traces:
        file = file_of(trace.trace_id) if file_of is not None else None
        try:
            prepared = prepare(trace)
        except InputError as exc:
            if strict:
                raise InputError(exc.message, file=exc.file or file, record=exc.record, field=exc.field) from exc
            summary.skipped.append(Diagnostic(file=exc.file or file, record=exc.record, field=exc.field,
                                              message=exc.message))
            continue
        prepared.file = file
        # A second piece of a trace already in this batch goes to the next one (MERGE path).
        if batch and (size + len(prepared.spans) > batch_spans or prepared.trace_id in ids):
            yield batch
            batch, ids, size = [], set(), 0
        batch.append(prepared)
        ids.add(prepared.trace_id)
        size += len(prepared.spans)
    if batch:
        yield batch


def _write_links(tx: ManagedTransaction, stats: dict[str, int], batch: list[Prepared], ids: list[str]) -> None:
    """LINKS_TO edges from this batch, and from stored spans waiting for a target in this batch."""
    rows = [row for p in batch for row in p.links]
    for rec in run_counted(tx, stats, queries.PENDING_LINK_SOURCES, trace_ids=ids):
        rows.extend(link_rows(rec["trace_id"], rec["span_id"], links_from_json(rec["links_json"])))
    if not rows:
        return
    missing = run_counted(tx, stats, queries.LINKS, rows=rows)
    waiting = {(r["trace_id"], r["span_id"]) for r in missing}
    done = {(r["trace_id"], r["span_id"]) for r in rows} - waiting
    if missing:
        run_counted(tx, stats, queries.MARK_PENDING, rows=[r.data() for r in missing])
    if done:
        run_counted(tx, stats, queries.CLEAR_PENDING, rows=[{"trace_id": t, "span_id": s} for t, s in done])


def _write_batch_tx(tx: ManagedTransaction, batch: list[Prepared]) -> dict[str, int]:
    """The whole batch in one transaction (re-run from scratch when the driver retries)."""
    stats = {"nodes": 0, "relationships": 0}
    ids = [p.trace_id for p in batch]
    existed = {r["trace_id"] for r in run_counted(tx, stats, queries.MERGE_TRACES, trace_ids=ids) if r["existed"]}
    new = [p for p in batch if p.trace_id not in existed]
    old = [p for p in batch if p.trace_id in existed]
    services = sorted({n for p in batch for n in p.services})
    run_counted(tx, stats, queries.MERGE_SERVICES, names=services)
    if new:
        _create_new(tx, stats, new, services)
    if old:
        _merge_old(tx, stats, old)
    _write_links(tx, stats, batch, ids)
    return stats


def _create_new(tx: ManagedTransaction, stats: dict[str, int], new: list[Prepared], services: list[str]) -> None:
    """Traces with no stored span: one CREATE statement for spans, edges and remote calls."""
    position = {name: i for i, name in enumerate(services)}
    rows = [
        {"trace_id": p.trace_id, "props": p.props, "edges": p.edges,
         "spans": [{"svc": position[r["service"]], "props": r["props"]} for r in p.spans]}
        for p in new
    ]
    run_counted(tx, stats, queries.CREATE_TRACES, services=services, traces=rows)


def _write(session: Session, batch: list[Prepared]) -> dict[str, int]:
    """The batch in one transaction, or a new big trace (a batch of its own) in several."""
    p, stats = batch[0], {"nodes": 0, "relationships": 0}
    if len(batch) > 1 or len(p.spans) <= BIG_TRACE_SPANS or start_big_trace(
            session, p.trace_id, sorted(p.services), stats):
        return session.execute_write(_write_batch_tx, batch)
    return write_big_trace(session, p.trace_id, p.spans, p.edges, p.props,
                           lambda tx, st: _write_links(tx, st, batch, [p.trace_id]), stats)


def _merge_old(tx: ManagedTransaction, stats: dict[str, int], old: list[Prepared]) -> None:
    """Traces that already have spans: MERGE, then whole-trace fix-ups and recomputed aggregates.

    A re-sent span replaces the stored one, and every edge that depended on the old version goes:
    the stored edges of the trace are those of the merged trace (see :func:`_stale_links`).
    """
    old_ids = [p.trace_id for p in old]
    run_counted(tx, stats, queries.MERGE_SPANS, rows=[r for p in old for r in p.spans])
    keys = [{"trace_id": r["trace_id"], "span_id": r["props"]["span_id"]} for p in old for r in p.spans]
    run_counted(tx, stats, queries.STALE_PARENT_EDGES, rows=keys)
    parents = [r for p in old for r in p.parents]
    if parents:
        run_counted(tx, stats, queries.PARENT_EDGES, rows=parents)
    run_counted(tx, stats, queries.ADOPT_CHILDREN, rows=keys)
    run_counted(tx, stats, queries.STALE_REMOTE_CALLS, trace_ids=old_ids)
    run_counted(tx, stats, queries.TRACE_REMOTE_CALLS, trace_ids=old_ids)
    run_counted(tx, stats, queries.STALE_LINKS, rows=_stale_links(old, keys))
    run_counted(tx, stats, queries.RECOMPUTE_TRACES, trace_ids=old_ids)


def _stale_links(old: list[Prepared], keys: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Rows for ``STALE_LINKS``: each span of ``old`` with the link targets its new version names
    (its ``LINKS_TO`` edges to other targets go; ``_write_links`` then makes the named ones)."""
    targets: dict[tuple[str, str], list[list[str]]] = {}
    for p in old:
        for row in p.links:
            targets.setdefault((row["trace_id"], row["span_id"]), []).append(
                [row["target_trace_id"], row["target_span_id"]])
    return [{**k, "targets": targets.get((k["trace_id"], k["span_id"]), [])} for k in keys]


_REFUSALS = ("Neo.ClientError.Schema.", "Neo.ClientError.Statement.")


def _refused(exc: Exception) -> bool:
    """True when Neo4j (or the driver's encoder) refused the data, not the connection or the database."""
    if isinstance(exc, (ValueError, TypeError, OverflowError)):
        return True
    return isinstance(exc, Neo4jError) and str(exc.code or "").startswith(_REFUSALS)


def _write_batch(
    driver: Driver, batch: list[Prepared], database: str, summary: IngestSummary, strict: bool = False
) -> None:
    """Write ``batch`` into ``summary`` (this batch's own); on a refusal, split it so only the refusing trace is skipped."""
    try:
        with driver.session(database=database, notifications_min_severity=NotificationMinimumSeverity.OFF) as session:
            stats = _write(session, batch)
    except (DriverError, OSError) as exc:
        raise BatchFailed(exc, len(batch), lost=True) from exc
    except (Neo4jError, ValueError, TypeError, OverflowError) as exc:
        if not _refused(exc):
            raise BatchFailed(exc, len(batch), lost=False) from exc
        if len(batch) > 1:
            half = len(batch) // 2
            _write_batch(driver, batch[:half], database, summary, strict)
            _write_batch(driver, batch[half:], database, summary, strict)
            return
        if strict:
            raise StoreError(f"Neo4j refused the trace: {one_line(exc)}", file=batch[0].file,
                             record=f"trace {batch[0].trace_id}") from exc
        summary.skipped.append(Diagnostic(file=batch[0].file, record=f"trace {batch[0].trace_id}",
                                          message=f"Neo4j refused the trace: {one_line(exc)}"))
        return
    summary.batches += 1
    summary.traces += len(batch)
    summary.spans += sum(len(p.spans) for p in batch)
    summary.nodes_created += stats["nodes"]
    summary.relationships_created += stats["relationships"]
    summary.trace_ids.extend(p.trace_id for p in batch)


def ingest(
    driver: Driver,
    traces: Iterable[Trace],
    *,
    database: str,
    batch_spans: int = 10_000,
    on_progress: Callable[[IngestSummary], None] | None = None,
    strict: bool = False,
    workers: int = 1,
    file_of: Callable[[str], str | None] | None = None,
) -> IngestSummary:
    """Write ``traces`` (run :func:`~graphtrace.store.schema.init_schema` first); return what was written.

    Re-ingesting the same traces changes no count; pieces of one trace merge.
    ``on_progress`` is called with the running summary after every batch.  With ``strict``
    the first trace that cannot be stored raises (``InputError`` / ``StoreError``) instead of
    being skipped; traces committed before it stay (each is whole).  Up to ``workers`` batches
    (on disjoint traces) are written at once, each in its own transaction, while the next batch
    is prepared; the summary, the progress calls and the errors follow the input order.  With one
    worker (the default) each batch is written before the next trace is read.  A trace that cannot
    be stored names its file: ``file_of(trace_id)``, by default the ``file_of`` of ``traces`` when it is
    a TraceStream (pass it when ``traces`` wraps one).

    >>> ingest(None, [], database="neo4j").traces
    0
    """
    summary = IngestSummary()

    def write(batch: list[Prepared], part: IngestSummary) -> None:
        _write_batch(driver, batch, database, part, strict)

    pipeline = Pipeline(write, max(1, workers), summary, on_progress)
    try:
        for batch in _batches(traces, max(1, batch_spans), summary, strict, file_of):
            pipeline.submit(batch)
        pipeline.drain()
    finally:
        pipeline.drain_quietly()
    return summary
