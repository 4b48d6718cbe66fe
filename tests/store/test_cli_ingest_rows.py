"""``graphtrace ingest`` of the flat-row acceptance CSV (#10 item 4) into a real Neo4j, no flags.

tests/fixtures/readers/rows_acceptance.csv: TraceID,SpanID,ParentID,PodName,OperationName,
StartTimeUnixNano,EndTimeUnixNano,Duration (µs), ParentID "root" for the two roots.  Expected
values derived by hand from the file (see tests/readers/test_rows_sql.py for the arithmetic).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]
ACCEPTANCE = ROOT / "tests" / "fixtures" / "readers" / "rows_acceptance.csv"
T1, T2 = "4bf92f3577b34da6a3ce929d0e0e4736", "0af7651916cd43dd8448eb211c80319c"
SPANS = """
MATCH (t:Trace)-[:HAS_SPAN]->(s:Span)-[:IN_SERVICE]->(v:Service)
OPTIONAL MATCH (p:Span)-[:PARENT_OF]->(s)
RETURN t.trace_id AS trace, s.span_id AS span, v.name AS service, s.service AS prop,
       p.span_id AS parent, s.parent_span_id AS parent_prop, s.duration_ns AS duration,
       s.resource_json AS resource
"""
TRACES = "MATCH (t:Trace) RETURN t.trace_id AS trace, t.root_span_ids AS roots, t.duration_ns AS duration"


def _ingest(settings) -> subprocess.CompletedProcess:
    env = dict(os.environ, NEO4J_URI=settings.uri, NEO4J_USER=settings.user,
               NEO4J_PASSWORD=settings.password.get_secret_value(), NEO4J_DATABASE=settings.database)
    return subprocess.run([sys.executable, "-c", "from graphtrace.cli import main; main()", "ingest",
                           str(ACCEPTANCE)], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_ingest_acceptance_csv_with_no_flags(clean_db, neo4j_settings):
    result = _ingest(neo4j_settings)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Skipped" not in result.stderr
    assert "Ingested 2 traces, 6 spans" in result.stdout
    database = neo4j_settings.database
    traces = {r["trace"]: (r["roots"], r["duration"])
              for r in clean_db.execute_query(TRACES, database_=database).records}
    # one root each ("root" is no parent); trace durations 12.5 ms and 20 ms (end - start, in ns)
    assert traces == {T1: (["a1b2c3d4e5f60718"], 12_500_000), T2: (["e5f60718293a4b5c"], 20_000_000)}
    rows = {r["span"]: r for r in clean_db.execute_query(SPANS, database_=database).records}
    got = {span: (r["service"], r["parent"], r["duration"]) for span, r in rows.items()}
    assert got == {
        "a1b2c3d4e5f60718": ("frontend", None, 12_500_000),
        "b2c3d4e5f6071829": ("cartservice", "a1b2c3d4e5f60718", 3_250_000),
        "c3d4e5f60718293a": ("redis-cart", "b2c3d4e5f6071829", 750_000),
        "d4e5f60718293a4b": ("productcatalogservice", "a1b2c3d4e5f60718", 6_000_000),
        "e5f60718293a4b5c": ("checkoutservice", None, 20_000_000),
        "f60718293a4b5c6d": ("paymentservice", "e5f60718293a4b5c", 7_000_000),
    }
    assert all(r["service"] == r["prop"] for r in rows.values())
    root = rows["a1b2c3d4e5f60718"]
    assert root["parent_prop"] is None  # a root, not an orphan whose parent is "root"
    assert orjson.loads(root["resource"]) == {"k8s.pod.name": "frontend-6b8c7d9f5c-q2xwz",
                                              "service.name": "frontend"}
