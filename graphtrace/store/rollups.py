"""The per-minute rollups in Neo4j: ``(:Rollup)`` nodes, written by adding (or taking away) deltas.

One node per cell ``(kind, minute, service, callee, operation)`` (``""`` where a part does not apply),
unique on ``rkey`` (the cell as a JSON list; the constraint and the two rollup indexes are
part of the graph schema, ``store.queries``, created by ``store.schema.init_schema``), with the counts of
:class:`graphtrace.analysis.rollup.Cell` and the sketches as sorted parallel lists ``keys``/``counts``
(the value sketch) and ``gkeys``/``gcounts`` (the gap sketch of an edge).  A delta is added with
``MERGE`` and ``+``, the sketch lists merged in Cypher (sum per bucket); a cell whose count falls to 0
is deleted.  ``Trace.rollup = true`` marks a trace whose contribution is in the rollups: the delta and
the mark change in one transaction, so a crash can never count a trace twice (docs/rollups.md).

This module only writes and reads; what a trace contributes is computed by
:mod:`graphtrace.analysis.rollup`, and :mod:`graphtrace.jobs.rollups` joins the two.

>>> rkey({"kind": "op", "minute": 3, "service": "s", "callee": "", "operation": "x"})
'["op",3,"s","","x"]'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from neo4j import Driver
from neo4j.exceptions import DriverError, Neo4jError

from graphtrace.errors import StoreError
from graphtrace.model import Span, Trace

# Which of the given traces are stored, and whether their contribution is in the rollups.
ROLLUP_STATE = """
UNWIND $trace_ids AS id
MATCH (t:Trace {trace_id: id})
RETURN t.trace_id AS trace_id, coalesce(t.rollup, false) AS rolled_up
"""

_MERGE_SKETCH = """
  WITH coalesce(r.{k}, []) + row.{k} AS ks, coalesce(r.{c}, []) + row.{c} AS cs
  UNWIND range(0, size(ks) - 1) AS i
  WITH ks[i] AS b, sum(cs[i]) AS c
  WHERE c <> 0
  WITH b, c ORDER BY b
  RETURN collect(b) AS {k}, collect(c) AS {c}
"""

# Add each delta row (counts may be negative: a contribution taken away) to its cell.
APPLY_DELTA = """
UNWIND $rows AS row
MERGE (r:Rollup {rkey: row.rkey})
ON CREATE SET r.kind = row.kind, r.minute = row.minute, r.service = row.service, r.callee = row.callee,
              r.operation = row.operation
SET r.n = coalesce(r.n, 0) + row.n, r.errors = coalesce(r.errors, 0) + row.errors,
    r.inferred = coalesce(r.inferred, 0) + row.inferred, r.unknown = coalesce(r.unknown, 0) + row.unknown,
    r.traces = coalesce(r.traces, 0) + row.traces, r.cp_traces = coalesce(r.cp_traces, 0) + row.cp_traces,
    r.sum_ns = coalesce(r.sum_ns, 0) + row.sum_ns
WITH r, row
CALL (r, row) {""" + _MERGE_SKETCH.format(k="keys", c="counts") + """}
CALL (r, row) {""" + _MERGE_SKETCH.format(k="gkeys", c="gcounts") + """}
SET r.keys = keys, r.counts = counts, r.gkeys = gkeys, r.gcounts = gcounts
WITH r WHERE r.n = 0
DELETE r
"""

MARK = "UNWIND $trace_ids AS id MATCH (t:Trace {trace_id: id}) SET t.rollup = true"
UNMARK = "UNWIND $trace_ids AS id MATCH (t:Trace {trace_id: id}) REMOVE t.rollup"
CLEAR_ROLLUPS = "MATCH (r:Rollup) CALL (r) { DELETE r } IN TRANSACTIONS OF 5000 ROWS"
CLEAR_MARKS = ("MATCH (t:Trace) WHERE t.rollup IS NOT NULL "
               "CALL (t) { REMOVE t.rollup } IN TRANSACTIONS OF 5000 ROWS")
# neo4j-admin cannot import an empty array (an empty field is no property at all): ``ingest --bulk``
# leaves the empty sketches out of its CSV files and this sets them to the empty lists APPLY_DELTA stores.
EMPTY_SKETCHES = ("MATCH (r:Rollup) WHERE r.keys IS NULL OR r.counts IS NULL OR r.gkeys IS NULL OR r.gcounts IS NULL "
                  "CALL (r) { SET r.keys = coalesce(r.keys, []), r.counts = coalesce(r.counts, []), "
                  "r.gkeys = coalesce(r.gkeys, []), r.gcounts = coalesce(r.gcounts, []) } "
                  "IN TRANSACTIONS OF 5000 ROWS")
NOT_ROLLED_UP = "MATCH (t:Trace) WHERE t.rollup IS NULL RETURN count(t) AS n"
UNROLLED_IDS = "MATCH (t:Trace) WHERE t.rollup IS NULL RETURN t.trace_id AS id ORDER BY id"


def rkey(row: dict[str, Any]) -> str:
    """The unique key of a cell: its five parts as compact JSON."""
    return json.dumps([row["kind"], row["minute"], row["service"], row["callee"], row["operation"]],
                      separators=(",", ":"))


def _fail(exc: Exception, database: str) -> StoreError:
    if isinstance(exc, Neo4jError):
        return StoreError(f"Neo4j refused the rollup write: {exc.message or exc}", record=database)
    return StoreError(f"cannot reach Neo4j for the rollups: {exc}", record=database)


def rollup_state(driver: Driver, trace_ids: Sequence[str], *, database: str) -> dict[str, bool]:
    """``{trace_id: rolled_up}`` for the given traces that are stored (missing ones left out)."""
    if not trace_ids:
        return {}
    try:
        records = driver.execute_query(ROLLUP_STATE, {"trace_ids": list(trace_ids)}, database_=database).records
    except (Neo4jError, DriverError, OSError) as exc:
        raise _fail(exc, database) from exc
    return {r["trace_id"]: r["rolled_up"] for r in records}


def apply_rollups(driver: Driver, rows: Iterable[dict[str, Any]], *, database: str,
                  mark: Sequence[str] = (), unmark: Sequence[str] = ()) -> None:
    """In ONE transaction: add the delta ``rows`` (plain dicts of
    :func:`graphtrace.analysis.rollup.store_rows`, negative to take a contribution away), set
    ``Trace.rollup`` on ``mark`` and remove it from ``unmark``.

    >>> apply_rollups(None, [], database="neo4j")  # nothing to do: no connection needed
    """
    rows = [{**r, "rkey": rkey(r)} for r in rows]
    if not rows and not mark and not unmark:
        return

    def work(tx: Any) -> None:
        for i in range(0, len(rows), 2000):
            tx.run(APPLY_DELTA, rows=rows[i:i + 2000]).consume()
        if unmark:
            tx.run(UNMARK, trace_ids=list(unmark)).consume()
        if mark:
            tx.run(MARK, trace_ids=list(mark)).consume()

    try:
        with driver.session(database=database) as session:
            session.execute_write(work)
    except (Neo4jError, DriverError, OSError) as exc:
        raise _fail(exc, database) from exc


def clear_rollups(driver: Driver, *, database: str) -> None:
    """Delete every rollup node and every trace's mark (before a rebuild)."""
    try:
        for query in (CLEAR_ROLLUPS, CLEAR_MARKS):
            with driver.session(database=database) as session:
                session.run(query).consume()
    except (Neo4jError, DriverError, OSError) as exc:
        raise _fail(exc, database) from exc


def fill_empty_sketches(driver: Driver, *, database: str) -> None:
    """Give every rollup cell imported without a sketch list its empty list (after ``ingest --bulk``)."""
    try:
        with driver.session(database=database) as session:
            session.run(EMPTY_SKETCHES).consume()
    except (Neo4jError, DriverError, OSError) as exc:
        raise _fail(exc, database) from exc


def traces_not_rolled_up(driver: Driver, *, database: str) -> int:
    """How many stored traces have no contribution in the rollups (stored by another path, or a crash)."""
    try:
        return driver.execute_query(NOT_ROLLED_UP, database_=database).records[0]["n"]
    except (Neo4jError, DriverError, OSError) as exc:
        raise _fail(exc, database) from exc


def unrolled_trace_ids(driver: Driver, *, database: str) -> list[str]:
    """The stored traces whose contribution is not in the rollups, sorted."""
    try:
        return [r["id"] for r in driver.execute_query(UNROLLED_IDS, database_=database).records]
    except (Neo4jError, DriverError, OSError) as exc:
        raise _fail(exc, database) from exc


# Only what a trace's rollup contribution depends on (the tree, kinds, times, names, status).
TIMING_SPANS = """
UNWIND $trace_ids AS tid
MATCH (:Trace {trace_id: tid})-[:HAS_SPAN]->(s:Span)
RETURN tid AS trace_id, collect([s.span_id, s.parent_span_id, s.ref_type, s.service, s.name, s.kind,
                                 s.start_ns, s.end_ns, s.status_code]) AS spans
"""


def timing_traces(driver: Driver, trace_ids: Sequence[str], *, database: str) -> list[Trace]:
    """The stored traces ``trace_ids`` (missing ones left out) with only the span fields a rollup
    contribution reads: ids, parent, ref type, service, name, kind, times, status.  Much lighter than
    :func:`graphtrace.store.read.iter_traces` (no attributes, events, links)."""
    if not trace_ids:
        return []
    try:
        records = driver.execute_query(TIMING_SPANS, {"trace_ids": list(trace_ids)}, database_=database).records
    except (Neo4jError, DriverError, OSError) as exc:
        raise _fail(exc, database) from exc
    return [Trace(trace_id=r["trace_id"], spans=[
        Span(trace_id=r["trace_id"], span_id=i, parent_span_id=p, ref_type=ref, service=svc, name=name, kind=kind,
             start_ns=start, end_ns=end, status_code=status)
        for i, p, ref, svc, name, kind, start, end, status in sorted(r["spans"], key=lambda v: (v[6], v[7], v[0]))])
        for r in records]
