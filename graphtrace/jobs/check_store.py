"""Structural checks of the stored graph for ``graphtrace check``: the span tree's edges and the traces asked for.

The recipes walk ``PARENT_OF`` edges while the in-memory engine builds the tree from each
span's ``parent_span_id``; where the two differ (a span with several parent edges, left by
an older store that did not replace a re-sent span's edge, or a missing edge) the recipes'
answers differ for reasons no recipe can show, so this names the cause per span.

>>> expected_parents("c", "b", {"a", "b", "c"}), expected_parents("c", "x", {"a", "c"})
(['b'], [])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import neo4j
from neo4j import Query, RoutingControl
from neo4j.exceptions import DriverError, Neo4jError

from graphtrace.errors import StoreError
from graphtrace.store.queries import TRACES_FOUND


def expected_parents(span_id: str, parent_span_id: str | None, span_ids: set[str]) -> list[str]:
    """The parent edges a span should have: one from its parent when the parent is stored, else none."""
    return [parent_span_id] if parent_span_id is not None and parent_span_id in span_ids else []


def read_rows(driver: neo4j.Driver, query: str, database: str, timeout_s: float | None,
              **params: Any) -> list[dict[str, Any]]:
    """Rows of one read query as dicts (plain values), with a server-side ``timeout_s`` per query.

    A timeout or a refusal becomes a ``StoreError`` saying so.
    """
    try:
        records, _, keys = driver.execute_query(Query(query, timeout=timeout_s), params,
                                                routing_=RoutingControl.READ, database_=database)
    except Neo4jError as exc:
        code = str(exc.code or "")
        if "TransactionTimedOut" in code or "TransactionTimeout" in code:
            raise StoreError(f"a check query timed out after {timeout_s} s (raise it with --timeout)",
                             record=f"database {database}") from exc
        raise StoreError(f"Neo4j refused a check query: {exc.message or exc}", record=f"database {database}") from exc
    except (DriverError, OSError) as exc:
        raise StoreError(f"cannot read from Neo4j: {exc}", record=f"database {database}") from exc
    return [dict(zip(keys, r)) for r in records]


def missing_traces(driver: neo4j.Driver, trace_ids: Sequence[str], *, database: str,
                   timeout_s: float | None = None) -> list[str]:
    """The ids of ``trace_ids`` that are not stored, in the given order."""
    found = {r["trace_id"] for r in read_rows(driver, TRACES_FOUND, database, timeout_s, trace_ids=list(trace_ids))}
    return [t for t in trace_ids if t not in found]


def parent_edge_problems(rows: Iterable[dict[str, Any]], span_ids: dict[str, set[str]]) -> list[dict[str, Any]]:
    """From ``PARENT_EDGE_ANOMALIES`` rows, the spans whose parent edges differ from
    :func:`expected_parents` (``span_ids``: trace id -> its stored span ids), as
    ``{trace_id, span_id, neo4j: sorted edge sources, networkx: expected}``.

    >>> parent_edge_problems([{"trace_id": "t", "span_id": "c", "parent_span_id": "b", "parents": ["b", "a"]},
    ...                       {"trace_id": "t", "span_id": "o", "parent_span_id": "x", "parents": []}],
    ...                      {"t": {"a", "b", "c", "o"}})
    [{'trace_id': 't', 'span_id': 'c', 'neo4j': ['a', 'b'], 'networkx': ['b']}]
    """
    out = []
    for row in rows:
        ids = span_ids.get(row["trace_id"], set())
        want = expected_parents(row["span_id"], row["parent_span_id"], ids)
        got = sorted(row["parents"])
        if got != want:
            out.append({"trace_id": row["trace_id"], "span_id": row["span_id"], "neo4j": got, "networkx": want})
    return out
