"""Test helper: write small hand-made traces into Neo4j with plain Cypher, following the graph schema.

Used by the recipe tests until (and alongside) the store's ``ingest``.  Only
ever touches the trace ids it is given.
"""

from __future__ import annotations

from collections.abc import Iterable

import neo4j

_WRITE = """
UNWIND $spans AS row
MERGE (t:Trace {trace_id: row.trace_id})
MERGE (s:Span {trace_id: row.trace_id, span_id: row.span_id})
SET s += row
MERGE (t)-[:HAS_SPAN]->(s)
MERGE (svc:Service {name: row.service})
MERGE (s)-[:IN_SERVICE]->(svc)
WITH DISTINCT row.trace_id AS tid
MATCH (t:Trace {trace_id: tid})-[:HAS_SPAN]->(s:Span)
WITH t, min(s.start_ns) AS lo, max(s.end_ns) AS hi, count(s) AS n
SET t.start_ns = lo, t.end_ns = hi, t.duration_ns = hi - lo, t.span_count = n
WITH t
MATCH (t)-[:HAS_SPAN]->(c:Span)
MATCH (t)-[:HAS_SPAN]->(p:Span {span_id: c.parent_span_id})
MERGE (p)-[:PARENT_OF {ref_type: coalesce(c.ref_type, 'CHILD_OF')}]->(c)
"""

_DELETE = """
UNWIND $ids AS tid
OPTIONAL MATCH (s:Span {trace_id: tid})
DETACH DELETE s
WITH DISTINCT tid
OPTIONAL MATCH (t:Trace {trace_id: tid})
DETACH DELETE t
"""


def span(trace_id: str, span_id: str, parent: str | None, start: int, end: int, *,
         service: str = "svc", name: str | None = None, kind: str = "INTERNAL") -> dict:
    """One span row in the store's property names."""
    return {"trace_id": trace_id, "span_id": span_id, "parent_span_id": parent, "start_ns": start,
            "end_ns": end, "duration_ns": end - start, "service": service, "name": name or span_id,
            "kind": kind, "status_code": "UNSET"}


def write_spans(driver: neo4j.Driver, spans: Iterable[dict], *, database: str) -> None:
    """MERGE the spans, their trace and service nodes and the PARENT_OF edges."""
    driver.execute_query(_WRITE, {"spans": list(spans)}, database_=database)


def delete_traces(driver: neo4j.Driver, trace_ids: Iterable[str], *, database: str) -> None:
    """Remove exactly these traces and their spans (Service nodes are shared and kept)."""
    driver.execute_query(_DELETE, {"ids": list(trace_ids)}, database_=database)
