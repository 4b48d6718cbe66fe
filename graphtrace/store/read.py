"""Read traces back from Neo4j: the exact inverse of :mod:`graphtrace.store.ingest`.

Every span field, attribute, event and link comes back equal to what the
reader produced (attributes, resource, events and links are stored as exact
JSON).  Spans come back ordered by (start, end, span id): the order spans
were read in is not stored.  All reads are read transactions.

>>> _sorted_spans([{"span_id": "b", "start_ns": 1, "end_ns": 2}, {"span_id": "a", "start_ns": 1, "end_ns": 2}])[0]["span_id"]
'a'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from neo4j import Driver, Query, RoutingControl
from neo4j.exceptions import DriverError, Neo4jError

from graphtrace.errors import StoreError
from graphtrace.gcpause import gc_paused
from graphtrace.model import Trace
from graphtrace.store import queries
from graphtrace.store.codec import span_from_props


def _read(driver: Driver, query: str, database: str, timeout_s: float | None = None, **params: Any) -> list[Any]:
    """Run one read query (``timeout_s``: server-side, per query); turn driver/server failures into ``StoreError``."""
    try:
        return driver.execute_query(Query(query, timeout=timeout_s), params, database_=database,
                                    routing_=RoutingControl.READ).records
    except Neo4jError as exc:
        if "TransactionTimedOut" in str(exc.code or "") or "TransactionTimeout" in str(exc.code or ""):
            raise StoreError(f"a read timed out after {timeout_s} s (raise it with --timeout)",
                             record=database) from exc
        raise StoreError(f"Neo4j refused a read: {exc.message or exc}", record=database) from exc
    except (DriverError, OSError) as exc:
        raise StoreError(f"cannot read from Neo4j: {exc}", record=database) from exc


def _sorted_spans(props: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(props, key=lambda p: (p["start_ns"], p["end_ns"], p["span_id"]))


def _trace(trace_id: str, props: list[dict[str, Any]]) -> Trace:
    return Trace(trace_id=trace_id, spans=[span_from_props(p) for p in _sorted_spans(props)])


def load_trace(driver: Driver, trace_id: str, *, database: str) -> Trace:
    """The stored trace ``trace_id``; ``StoreError`` when it is not in the database.

    >>> load_trace  # needs a server; see tests/store  # doctest: +ELLIPSIS
    <function load_trace at ...>
    """
    with gc_paused():  # the records and spans are many long-lived objects and no garbage (see gcpause)
        return trace_from_props(trace_id, load_trace_props(driver, trace_id, database=database))


def load_trace_props(driver: Driver, trace_id: str, *, database: str) -> list[dict[str, Any]]:
    """The stored node properties of trace ``trace_id``'s spans, ordered as :func:`load_trace` orders
    its spans; ``StoreError`` when it is not in the database.  Equal properties, equal trace.

    >>> load_trace_props  # needs a server; see tests/store  # doctest: +ELLIPSIS
    <function load_trace_props at ...>
    """
    records = _read(driver, queries.LOAD_TRACES, database, trace_ids=[trace_id])
    if not records:
        raise StoreError(f"trace {trace_id} is not in the database", record=database, field="trace_id")
    return _sorted_spans(records[0]["spans"])


def trace_from_props(trace_id: str, props: list[dict[str, Any]]) -> Trace:
    """The trace made of the span properties of :func:`load_trace_props`.

    >>> trace_from_props("t", []).span_count
    0
    """
    return _trace(trace_id, props)


def large_trace_ids(driver: Driver, *, database: str, min_spans: int, limit: int = 100) -> list[str]:
    """Ids of complete, annotated stored traces of at least ``min_spans`` spans, largest first.

    >>> large_trace_ids  # needs a server; see tests/serve/test_view_speed_cache.py  # doctest: +ELLIPSIS
    <function large_trace_ids at ...>
    """
    return [r["trace_id"] for r in _read(driver, queries.LARGE_TRACE_IDS, database, min_spans=min_spans,
                                         limit=limit)]


def list_trace_ids(driver: Driver, *, database: str) -> list[str]:
    """Every stored trace id, sorted.

    >>> list_trace_ids  # needs a server; see tests/store  # doctest: +ELLIPSIS
    <function list_trace_ids at ...>
    """
    return [r["trace_id"] for r in _read(driver, queries.LIST_TRACE_IDS, database)]


def iter_traces(
    driver: Driver, *, database: str, trace_ids: Iterable[str] | None = None, batch: int = 200,
    timeout_s: float | None = None,
) -> Iterator[Trace]:
    """Stored traces (all, or ``trace_ids`` in that order, missing ones left out), ``batch`` per query
    (each query with a server-side ``timeout_s`` when given).

    >>> iter_traces  # needs a server; see tests/store  # doctest: +ELLIPSIS
    <function iter_traces at ...>
    """
    ids = list_trace_ids(driver, database=database) if trace_ids is None else list(trace_ids)
    for i in range(0, len(ids), max(1, batch)):
        chunk = ids[i:i + max(1, batch)]
        found = {r["trace_id"]: r["spans"]
                 for r in _read(driver, queries.LOAD_TRACES, database, timeout_s, trace_ids=chunk)}
        for tid in chunk:
            if tid in found:
                yield _trace(tid, found[tid])


def counts(driver: Driver, *, database: str, trace_ids: Iterable[str] | None = None) -> dict[str, int]:
    """Counts of traces, spans, services, remote_calls, parent_edges and links.

    With ``trace_ids``, only those traces count (services = distinct services of their spans).

    >>> counts  # needs a server; see tests/store  # doctest: +ELLIPSIS
    <function counts at ...>
    """
    if trace_ids is None:
        records = _read(driver, queries.COUNTS, database)
    else:
        records = _read(driver, queries.TRACE_COUNTS, database, trace_ids=sorted(set(trace_ids)))
    return {k: int(v or 0) for k, v in records[0].data().items()}

