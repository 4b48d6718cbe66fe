"""Write one new trace too big for a single transaction, and never leave it half written.

A trace of more than :data:`BIG_TRACE_SPANS` spans does not fit Neo4j's transaction
memory pool (``dbms.memory.transaction.total.max``, 70 % of a 1 GB heap: about 100,000
spans with their index entries).  :func:`write_big_trace` writes it in several
transactions: the Trace node marked ``incomplete = true`` (with its services), its spans
and then its edges in chunks of :data:`CHUNK_ROWS`, and last its links and properties,
which also removes the mark.  If any step fails, the trace is deleted again (chunk by
chunk); if even that fails (the server went away), the mark stays and the next ingest of
the trace deletes the stale pieces before writing it.

A trace that already has complete spans stored (re-ingest, pieces) is not handled here:
the caller's one-transaction MERGE path takes it.

>>> chunks([1, 2, 3, 4, 5], 2)
[[1, 2], [3, 4], [5]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from neo4j import ManagedTransaction, Session

from graphtrace.store import queries

# Spans from which a new trace is written in several transactions.
BIG_TRACE_SPANS = 20_000
# Spans (or edges) per statement and transaction.
CHUNK_ROWS = 10_000


def chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    """``items`` cut into lists of at most ``size``."""
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def run_counted(tx: ManagedTransaction, stats: dict[str, int], query: str, **params: Any) -> list[Any]:
    """Run ``query`` in ``tx``; its records, with the nodes and relationships it created added to ``stats``."""
    result = tx.run(query, params)
    records = list(result)
    counters = result.consume().counters
    stats["nodes"] += counters.nodes_created
    stats["relationships"] += counters.relationships_created
    return records


def delete_partial(session: Session, trace_id: str) -> None:
    """Delete a trace's spans ``CHUNK_ROWS`` per transaction, then the Trace node."""
    session.run(queries.DELETE_TRACE_SPANS_CHUNKED, trace_id=trace_id).consume()
    session.run(queries.DELETE_TRACES, trace_ids=[trace_id]).consume()


def start_big_trace(session: Session, trace_id: str, services: list[str], stats: dict[str, int]) -> bool:
    """Create (or find) the Trace node; return True when it already has complete spans.

    A new trace is marked ``incomplete``; stale pieces of an earlier failed write are deleted.
    """
    rec = session.execute_write(lambda tx: run_counted(tx, stats, queries.BIG_TRACE_START, trace_id=trace_id))[0]
    if rec["existed"] and not rec["incomplete"]:
        return True
    if rec["existed"]:
        session.run(queries.DELETE_TRACE_SPANS_CHUNKED, trace_id=trace_id).consume()
    session.execute_write(lambda tx: run_counted(tx, stats, queries.MERGE_SERVICES, names=services))
    return False


def write_big_trace(session: Session, trace_id: str, spans: list[dict[str, Any]], edges: list[list[Any]],
                    props: dict[str, Any], finish: Callable[[ManagedTransaction, dict[str, int]], None],
                    stats: dict[str, int]) -> dict[str, int]:
    """Write a new trace's ``spans`` (rows ``{service, props}``) and ``edges`` (``[parent index,
    child index, ...]``) chunk by chunk, then ``finish(tx, stats)`` (links) and the trace's ``props``
    in the last transaction, which removes the ``incomplete`` mark.  Deletes the trace on failure."""
    ids = [r["props"]["span_id"] for r in spans]
    try:
        for part in chunks(spans, CHUNK_ROWS):
            rows = [{"service": r["service"], "props": r["props"]} for r in part]
            session.execute_write(lambda tx, rows=rows: run_counted(
                tx, stats, queries.CREATE_TRACE_SPANS, trace_id=trace_id, rows=rows))
        for part in chunks(edges, CHUNK_ROWS):
            named = [[ids[e[0]], ids[e[1]], *e[2:]] for e in part]
            session.execute_write(lambda tx, named=named: run_counted(
                tx, stats, queries.CREATE_TRACE_EDGES, trace_id=trace_id, edges=named))

        def last(tx: ManagedTransaction) -> None:
            finish(tx, stats)
            run_counted(tx, stats, queries.BIG_TRACE_FINISH, trace_id=trace_id, props=props)

        session.execute_write(last)
    except BaseException:
        try:
            delete_partial(session, trace_id)
        except Exception:  # noqa: BLE001 -- the mark stays; the next ingest of the trace cleans up
            pass
        raise
    return stats
