"""``graphtrace ingest`` as a real process against the test Neo4j: summary, idempotence, errors."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import orjson
import pytest

from graphtrace.store.delete import delete_traces
from graphtrace.store.read import counts

from tests.store.graph_helpers import edges, trace_node

ROOT = Path(__file__).resolve().parents[2]


def _otlp(trace_id: str) -> dict:
    """Three spans: web SERVER root 1000..2000, web CLIENT 1100..1900, users SERVER 1200..1700."""
    def span(sid, parent, name, kind, start, end):
        out = {"traceId": trace_id, "spanId": sid, "name": name, "kind": kind,
               "startTimeUnixNano": str(start), "endTimeUnixNano": str(end)}
        if parent:
            out["parentSpanId"] = parent
        return out

    def rs(service, spans):
        return {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
                "scopeSpans": [{"spans": spans}]}

    return {"resourceSpans": [
        rs("web", [span("00000000000000a1", None, "GET /", 2, 1000, 2000),
                   span("00000000000000a2", "00000000000000a1", "GetUser", 3, 1100, 1900)]),
        rs("users", [span("00000000000000a3", "00000000000000a2", "GetUser", 2, 1200, 1700)]),
    ]}


def _run(args: list[str], settings) -> subprocess.CompletedProcess:
    env = dict(os.environ, NEO4J_URI=settings.uri, NEO4J_USER=settings.user,
               NEO4J_PASSWORD=settings.password.get_secret_value(), NEO4J_DATABASE=settings.database)
    return subprocess.run([sys.executable, "-c", "from graphtrace.cli import main; main()", "ingest", *args],
                          env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)


@pytest.fixture
def trace_file(tmp_path, driver, database):
    trace_id = uuid.uuid4().hex  # 32 lowercase hex: a distinctive id on a shared server
    path = tmp_path / "t.ndjson"
    bad = b'{"resourceSpans": [ not json\n'
    path.write_bytes(orjson.dumps(_otlp(trace_id)) + b"\n" + bad)
    yield path, trace_id
    delete_traces(driver, [trace_id], database=database)


def test_ingest_twice_same_graph(trace_file, neo4j_settings, driver, database):
    path, trace_id = trace_file
    first = _run([str(path), "--no-annotate"], neo4j_settings)
    assert first.returncode == 0, first.stderr
    assert "Ingested 1 traces, 3 spans" in first.stdout
    assert "Skipped records (1):" in first.stderr and "line 2" in first.stderr  # the broken NDJSON line
    assert "Traceback" not in first.stderr
    graph = (counts(driver, database=database, trace_ids=[trace_id]), edges(driver, database, [trace_id]))
    # 3 spans, 2 parent edges, 1 remote call (a2 CLIENT -> a3 SERVER), services web + users.
    assert graph[0] == {"traces": 1, "spans": 3, "services": 2, "remote_calls": 1, "parent_edges": 2, "links": 0}

    second = _run([str(path)], neo4j_settings)  # this time with the annotate maintenance recipe
    assert second.returncode == 0, second.stderr
    assert "0 nodes and 0 relationships created" in second.stdout
    assert "Annotated 1 traces (3 spans)" in second.stdout
    assert (counts(driver, database=database, trace_ids=[trace_id]), edges(driver, database, [trace_id])) == graph
    assert trace_node(driver, database, trace_id)["annotated"] is True


def test_strict_fails_on_the_bad_line(trace_file, neo4j_settings):
    path, _ = trace_file
    result = _run([str(path), "--strict", "--no-annotate"], neo4j_settings)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: ") and "line 2" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_server_exit_2(trace_file, neo4j_settings):
    path, _ = trace_file
    result = _run([str(path), "--uri", "bolt://127.0.0.1:1"], neo4j_settings)
    assert result.returncode == 2
    assert "Error: cannot reach Neo4j at bolt://127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.stderr
