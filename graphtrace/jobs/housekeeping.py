"""Housekeeping jobs: empty the database (``db reset``), delete traces (``delete``), list them (``traces``).

Each takes resolved :class:`~graphtrace.store.connection.Neo4jSettings`, connects, does one
thing and returns plain data for the front end to render (times in ns since the epoch).
Long jobs take ``progress(phase, done, total)``.  Nothing is printed.

>>> trace_rows([{"trace_id": "a", "start_ns": 5, "duration_ns": 2, "span_count": 3, "root_service": "f",
...              "root_operation": "GET"}], {"a": ["cart", "f"]})[0]["services"]
['cart', 'f']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from graphtrace.errors import InputError
from graphtrace.jobs.rollups import forget_traces
from graphtrace.store.connection import Neo4jSettings, connect
from graphtrace.store.delete import delete_traces_batched, trace_ids_before
from graphtrace.store.reset import reset_database
from graphtrace.store.schema import init_schema
from graphtrace.store.search import search_traces
from graphtrace.store.windows import store_window, trace_services

Progress = Callable[[str, int, "int | None"], None]


def reset(settings: Neo4jSettings, *, progress: Progress | None = None) -> dict[str, Any]:
    """Delete every node of the database, then make sure the schema is there; ``{database, nodes_deleted}``."""
    with connect(settings) as driver:
        deleted = reset_database(driver, database=settings.database, progress=progress)
        init_schema(driver, database=settings.database)
    return {"database": settings.database, "nodes_deleted": deleted}


def delete(settings: Neo4jSettings, *, trace_ids: Sequence[str] = (), before_ns: int | None = None,
           progress: Progress | None = None) -> dict[str, Any]:
    """Delete the given traces and/or the traces that started before ``before_ns``.

    Each round's traces leave the rollups first (:func:`graphtrace.jobs.rollups.forget_traces`,
    while their spans still exist), so the rollups keep matching the stored traces.

    Returns ``{deleted_traces, deleted_spans, trace_ids, missing}``: ``missing`` lists the
    given ids not in the database (not an error for the others).
    """
    if not trace_ids and before_ns is None:
        raise InputError("nothing to delete: give --trace-id ID (repeatable) or --before TIME", field="delete")
    with connect(settings) as driver:
        ids = list(trace_ids)
        if before_ns is not None:
            ids += trace_ids_before(driver, before_ns, database=settings.database)
        done = delete_traces_batched(driver, ids, database=settings.database, progress=progress,
                                     before_spans_go=lambda present: forget_traces(
                                         driver, present, database=settings.database))
    asked = set(trace_ids)
    return {"deleted_traces": done.traces, "deleted_spans": done.spans, "trace_ids": done.trace_ids,
            "missing": [t for t in done.missing if t in asked]}


def trace_rows(found: Sequence[Mapping[str, Any]], services: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """Search rows with each trace's services added (``[]`` when it vanished meanwhile)."""
    return [{**row, "services": services.get(row["trace_id"], [])} for row in found]


def list_traces(settings: Neo4jSettings, *, limit: int = 20, service: str | None = None,
                since_ns: int | None = None, until_ns: int | None = None) -> dict[str, Any]:
    """The store's window (overall and per service) and the newest ``limit`` traces with their services."""
    with connect(settings) as driver:
        window = store_window(driver, database=settings.database)
        found = search_traces(driver, database=settings.database, service=service, since_ns=since_ns,
                              until_ns=until_ns, limit=limit)
        services = trace_services(driver, [r["trace_id"] for r in found], database=settings.database)
    return {"window": window, "traces": trace_rows(found, services)}
