"""Constraints and indexes of the graph schema (see ``docs/schema.md``).

:func:`init_schema` is idempotent (``IF NOT EXISTS``) and must run before the
first ingest, so every ``MERGE`` on a key is an index seek.  The constraints
are Community-edition ones: ``Trace.trace_id`` unique, ``Span(trace_id,
span_id)`` composite unique, ``Service.name`` unique, ``Rollup.rkey`` unique (the rollups).

>>> sorted(EXPECTED_CONSTRAINTS)
['rollup_key', 'service_name', 'span_key', 'trace_id']
>>> "remote_call_operation" in EXPECTED_INDEXES
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver, RoutingControl
from neo4j.exceptions import DriverError, Neo4jError

from graphtrace.errors import StoreError
from graphtrace.store import queries

_NAME = re.compile(r"CREATE (?:CONSTRAINT|INDEX) (\w+) IF NOT EXISTS")

EXPECTED_CONSTRAINTS: tuple[str, ...] = tuple(_NAME.search(q).group(1) for q in queries.CONSTRAINTS)  # type: ignore[union-attr]
EXPECTED_INDEXES: tuple[str, ...] = tuple(_NAME.search(q).group(1) for q in queries.INDEXES)  # type: ignore[union-attr]


@dataclass
class SchemaStatus:
    """What exists in the database, and which of graphtrace's constraints/indexes are missing.

    >>> SchemaStatus(constraints=[{"name": "trace_id"}], indexes=[]).missing[:2]
    ['span_key', 'service_name']
    """

    constraints: list[dict[str, Any]] = field(default_factory=list)
    indexes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """Names of expected constraints and indexes that do not exist (or are not ONLINE)."""
        have = {c["name"] for c in self.constraints}
        online = {i["name"] for i in self.indexes if i.get("state", "ONLINE") == "ONLINE"}
        return [n for n in EXPECTED_CONSTRAINTS if n not in have] + [
            n for n in EXPECTED_INDEXES if n not in online
        ]

    @property
    def ok(self) -> bool:
        """True when every expected constraint and index exists and is online."""
        return not self.missing


# What a concurrent ``CREATE ... IF NOT EXISTS`` can still raise when another session created the same
# rule between its check and its commit: harmless, as long as the rule exists afterwards (verified).
RACE_CODES = frozenset({
    "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
    "Neo.ClientError.Schema.ConstraintAlreadyExists",
    "Neo.ClientError.Schema.IndexAlreadyExists",
})


def lost_race(exc: Exception) -> bool:
    """True when ``exc`` says another session created the same rule first.

    >>> from neo4j.exceptions import Neo4jError
    >>> lost_race(Neo4jError._hydrate_neo4j(code="Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
    ...                                     message="An equivalent index already exists"))
    True
    >>> lost_race(ValueError("x"))
    False
    """
    return isinstance(exc, Neo4jError) and exc.code in RACE_CODES


def _create(driver: Driver, statement: str, database: str) -> None:
    try:
        driver.execute_query(statement, database_=database)
    except Neo4jError as exc:
        if not lost_race(exc):
            raise


def init_schema(driver: Driver, *, database: str, wait_seconds: int = 300) -> None:
    """Create graphtrace's constraints and indexes if missing, then wait until they are online.

    Running it twice is harmless, and so is running it from two processes at once (the
    loser of a creation race gets "already exists", which is checked: every expected rule
    must exist afterwards).  Raises ``StoreError`` when Neo4j refuses.

    >>> init_schema  # doctest: +ELLIPSIS
    <function init_schema at ...>
    """
    try:
        for statement in (*queries.CONSTRAINTS, *queries.INDEXES):
            _create(driver, statement, database)
        driver.execute_query(queries.AWAIT_INDEXES, {"seconds": wait_seconds}, database_=database)
    except Neo4jError as exc:
        raise StoreError(f"cannot create the graph schema: {exc.message or exc}", record=database) from exc
    except (DriverError, OSError) as exc:
        raise StoreError(f"cannot create the graph schema, Neo4j is unreachable: {exc}", record=database) from exc
    missing = schema_status(driver, database).missing
    if missing:
        raise StoreError(f"the graph schema is incomplete after creating it: missing {', '.join(missing)}",
                         record=database)


def schema_status(driver: Driver, database: str) -> SchemaStatus:
    """List the constraints and (non-lookup) indexes that exist in ``database``.

    >>> schema_status  # doctest: +ELLIPSIS
    <function schema_status at ...>
    """
    try:
        cons = driver.execute_query(queries.SHOW_CONSTRAINTS, database_=database, routing_=RoutingControl.READ)
        idx = driver.execute_query(queries.SHOW_INDEXES, database_=database, routing_=RoutingControl.READ)
    except Neo4jError as exc:
        raise StoreError(f"cannot list the schema: {exc.message or exc}", record=database) from exc
    except (DriverError, OSError) as exc:
        raise StoreError(f"cannot list the schema, Neo4j is unreachable: {exc}", record=database) from exc
    return SchemaStatus(
        constraints=[r.data() for r in cons.records],
        indexes=[r.data() for r in idx.records],
    )
