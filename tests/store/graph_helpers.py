"""Test-side Cypher that looks at the stored graph directly (independently of graphtrace.store.read)."""

from __future__ import annotations

from typing import Any

EDGES = """
UNWIND $trace_ids AS tid
MATCH (:Trace {trace_id: tid})-[:HAS_SPAN]->(a:Span)-[r]->(b)
RETURN type(r) AS type, a.span_id AS src, coalesce(b.span_id, b.name) AS dst, properties(r) AS props
"""
NODE = "MATCH (s:Span {trace_id: $tid, span_id: $sid}) RETURN properties(s) AS p, labels(s) AS labels"
TRACE = "MATCH (t:Trace {trace_id: $tid}) RETURN properties(t) AS p"


def edges(driver, database: str, trace_ids: list[str]) -> list[tuple[str, str, str, tuple]]:
    """Every relationship leaving a span of ``trace_ids``, as sorted (type, from, to, props) tuples."""
    records = driver.execute_query(EDGES, trace_ids=trace_ids, database_=database).records
    return sorted((r["type"], r["src"], r["dst"], tuple(sorted(r["props"].items()))) for r in records)


def span_node(driver, database: str, trace_id: str, span_id: str) -> tuple[dict[str, Any], list[str]]:
    """A stored span's properties and labels."""
    rec = driver.execute_query(NODE, tid=trace_id, sid=span_id, database_=database).records[0]
    return rec["p"], rec["labels"]


def trace_node(driver, database: str, trace_id: str) -> dict[str, Any] | None:
    """A stored Trace node's properties (None when absent)."""
    records = driver.execute_query(TRACE, tid=trace_id, database_=database).records
    return records[0]["p"] if records else None
