"""Delete stored traces (``graphtrace delete``, tests, benchmarks, reloading a trace from scratch).

Service nodes are shared by every trace and stay.  A span elsewhere whose
``LINKS_TO`` edge pointed into a deleted trace simply loses that edge.

>>> delete_traces.__name__
'delete_traces'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver
from neo4j.exceptions import DriverError, Neo4jError

from graphtrace.errors import StoreError
from graphtrace.store import queries, queries_housekeeping


def delete_traces(driver: Driver, trace_ids: Iterable[str], *, database: str, batch: int = 100) -> int:
    """Delete the traces and their spans, ``batch`` traces per transaction; return nodes deleted.

    Service nodes are shared and stay.

    >>> delete_traces(None, [], database="neo4j")
    0
    """
    ids = list(dict.fromkeys(trace_ids))
    deleted = 0
    for start in range(0, len(ids), max(1, batch)):
        chunk = ids[start:start + max(1, batch)]
        try:
            summary = driver.execute_query(queries.DELETE_TRACES, {"trace_ids": chunk}, database_=database).summary
        except Neo4jError as exc:
            raise StoreError(f"Neo4j refused to delete: {exc.message or exc}", record=database) from exc
        except (DriverError, OSError) as exc:
            raise StoreError(f"cannot reach Neo4j to delete: {exc}", record=database) from exc
        deleted += summary.counters.nodes_deleted
    return deleted


Progress = Callable[[str, int, "int | None"], None]


def run_autocommit(driver: Driver, database: str, query: str, **params: Any) -> list[Any]:
    """Run ``query`` in an auto-commit session (``IN TRANSACTIONS`` needs one); StoreError on failure."""
    try:
        with driver.session(database=database) as session:
            return list(session.run(query, **params))
    except Neo4jError as exc:
        raise StoreError(f"Neo4j refused to delete: {exc.message or exc}", record=database) from exc
    except (DriverError, OSError) as exc:
        raise StoreError(f"cannot reach Neo4j to delete: {exc}", record=database) from exc


@dataclass
class Deleted:
    """What a delete did: the traces found and deleted (in the order asked), their spans, the ids not found.

    >>> Deleted(["a"], 3, ["b"]).traces
    1
    """

    trace_ids: list[str] = field(default_factory=list)
    spans: int = 0
    missing: list[str] = field(default_factory=list)

    @property
    def traces(self) -> int:
        return len(self.trace_ids)


def delete_traces_batched(driver: Driver, trace_ids: Iterable[str], *, database: str, traces_per_round: int = 100,
                          span_batch: int = 10_000, progress: Progress | None = None,
                          before_spans_go: Callable[[list[str]], None] | None = None) -> Deleted:
    """Delete the stored ones of ``trace_ids``, ``span_batch`` spans per transaction; report the others.

    Each round marks up to ``traces_per_round`` traces ``incomplete`` (search and ingest then
    treat them as unfinished), deletes their spans ``IN TRANSACTIONS``, then the Trace nodes: an
    interrupted delete leaves marked traces, which a second delete finishes.  Service nodes stay.
    ``progress("delete", traces done, total)`` after each round.  ``before_spans_go(ids)`` is
    called with each round's stored ids once they are marked, while their spans still exist
    (the hook for taking a trace's contribution out of derived data such as rollups).

    >>> delete_traces_batched(None, [], database="neo4j")
    Deleted(trace_ids=[], spans=0, missing=[])
    """
    ids = list(dict.fromkeys(trace_ids))
    out = Deleted()
    step = max(1, traces_per_round)
    for start in range(0, len(ids), step):
        chunk = ids[start:start + step]
        found = {r["trace_id"]: r["spans"] for r in run_autocommit(
            driver, database, queries_housekeeping.MARK_TRACES_FOR_DELETE, trace_ids=chunk)}
        present = [t for t in chunk if t in found]
        out.missing.extend(t for t in chunk if t not in found)
        if present and before_spans_go is not None:
            before_spans_go(present)
        if present:
            run_autocommit(driver, database, queries_housekeeping.DELETE_MARKED_SPANS, trace_ids=present,
                         batch=max(1, span_batch))
            run_autocommit(driver, database, queries_housekeeping.DELETE_TRACE_NODES, trace_ids=present)
        out.trace_ids.extend(present)
        out.spans += sum(found[t] for t in present)
        if progress is not None:
            progress("delete", min(start + step, len(ids)), len(ids))
    return out


def trace_ids_before(driver: Driver, before_ns: int, *, database: str) -> list[str]:
    """Ids of the complete traces that started before ``before_ns`` (oldest first).

    >>> trace_ids_before  # needs a server; see tests/cli/test_housekeeping.py  # doctest: +ELLIPSIS
    <function trace_ids_before at ...>
    """
    rows = run_autocommit(driver, database, queries_housekeeping.TRACE_IDS_BEFORE, before_ns=before_ns)
    return [r["trace_id"] for r in rows]
