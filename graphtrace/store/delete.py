"""Delete stored traces (tests, benchmarks, reloading a trace from scratch).

Service nodes are shared by every trace and stay.  A span elsewhere whose
``LINKS_TO`` edge pointed into a deleted trace simply loses that edge.

>>> delete_traces.__name__
'delete_traces'
"""

from __future__ import annotations

from collections.abc import Iterable

from neo4j import Driver
from neo4j.exceptions import DriverError, Neo4jError

from graphtrace.errors import StoreError
from graphtrace.store import queries


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
