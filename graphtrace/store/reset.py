"""Empty graphtrace's database (``graphtrace db reset``): every node and relationship, the schema kept.

Deletes in rounds of ``round_size`` nodes, each round ``CALL { DETACH DELETE } IN TRANSACTIONS``
of ``batch`` nodes, so a store of any size never overflows the transaction memory pool (Neo4j's
1 GB default heap): the spans first, then the rest (a ``Service`` node holds a relationship per
span of it; deleted after the spans, it has none left).  Constraints and indexes are not touched.

>>> reset_database  # needs a server; see tests/cli/test_housekeeping.py  # doctest: +ELLIPSIS
<function reset_database at ...>
"""

from __future__ import annotations

from collections.abc import Callable

from neo4j import Driver

from graphtrace.store import queries_housekeeping
from graphtrace.store.delete import run_autocommit


def count_nodes(driver: Driver, *, database: str) -> int:
    """Every node in ``database`` (Neo4j answers from its count store, at once)."""
    return int(run_autocommit(driver, database, queries_housekeeping.COUNT_NODES)[0]["nodes"])


def reset_database(driver: Driver, *, database: str, round_size: int = 100_000, batch: int = 10_000,
                   progress: Callable[[str, int, int | None], None] | None = None) -> int:
    """Delete every node (and relationship) of ``database``; return the nodes deleted.

    ``progress("reset", nodes deleted so far, nodes at the start)`` after each round.
    """
    total = count_nodes(driver, database=database)
    done = 0
    if progress is not None:
        progress("reset", 0, total)
    for query in (queries_housekeeping.RESET_SPANS_ROUND, queries_housekeeping.RESET_ROUND):
        while True:
            rows = run_autocommit(driver, database, query, round=max(1, round_size), batch=max(1, batch))
            deleted = int(rows[0]["deleted"]) if rows else 0
            if deleted == 0:
                break
            done += deleted
            if progress is not None:
                progress("reset", done, max(total, done))
    return done
