"""``graphtrace ingest`` exit codes and messages: nothing stored is an error; one warning per repeated trace.

Inputs are hand-written in the shapes the tools emit: the collector's file exporter (OTLP JSON,
ids in hex, times as strings of ns) and the Jaeger UI's "Download JSON" (``data`` list, µs).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import orjson
import pytest

from graphtrace.store.delete import delete_traces
from graphtrace.store.read import counts

from tests.store.graph_helpers import edges
from tests.store.test_cli_ingest import ROOT, _run


def _otlp_spans(trace_id: str, spans: list[tuple[str, str | None, int, int]]) -> bytes:
    """One collector file-exporter line: service "shop", each span (id, parent, start ns, end ns)."""
    out = []
    for sid, parent, start, end in spans:
        span = {"traceId": trace_id, "spanId": sid, "name": f"op-{sid[-2:]}", "kind": 1,
                "startTimeUnixNano": str(start), "endTimeUnixNano": str(end), "status": {}}
        if parent:
            span["parentSpanId"] = parent
        out.append(span)
    doc = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "shop"}}]},
                              "scopeSpans": [{"scope": {"name": "manual"}, "spans": out}]}]}
    return orjson.dumps(doc) + b"\n"


A, B = "00000000000000a1", "00000000000000b1"
T0 = 1_700_000_000_000_000_000  # ns; a whole number of µs, so Jaeger can carry it


@pytest.fixture
def trace_id(driver, database):
    tid = uuid.uuid4().hex
    yield tid
    delete_traces(driver, [tid], database=database)


def test_no_trace_in_the_input_exits_2(tmp_path, neo4j_settings):
    path = tmp_path / "empty.json"
    path.write_text('{"resourceSpans": []}\n')
    result = _run([str(path), "--no-annotate"], neo4j_settings)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: no traces stored"), result.stderr
    assert "Ingested" not in result.stdout and "Traceback" not in result.stderr


def test_only_trace_has_a_parent_cycle(tmp_path, neo4j_settings, driver, database, trace_id):
    path = tmp_path / "cycle.ndjson"
    # a1's parent is b1 and b1's parent is a1: a cycle, so the reader skips the whole trace.
    path.write_bytes(_otlp_spans(trace_id, [(A, B, T0, T0 + 100), (B, A, T0 + 10, T0 + 50)]))
    result = _run([str(path), "--no-annotate"], neo4j_settings)
    assert result.returncode == 2
    assert "Error: no traces stored" in result.stderr and "parent cycle" in result.stderr
    assert "Traceback" not in result.stderr
    assert counts(driver, database=database, trace_ids=[trace_id])["spans"] == 0


def test_only_trace_ends_before_it_starts(tmp_path, neo4j_settings, driver, database, trace_id):
    path = tmp_path / "negative.ndjson"
    # b1 ends (T0 + 5) before it starts (T0 + 50): a bad record, so its whole trace is skipped.
    path.write_bytes(_otlp_spans(trace_id, [(A, None, T0, T0 + 100), (B, A, T0 + 50, T0 + 5)]))
    result = _run([str(path), "--no-annotate"], neo4j_settings)
    assert result.returncode == 2
    assert "Error: no traces stored" in result.stderr and "negative duration" in result.stderr
    assert counts(driver, database=database, trace_ids=[trace_id])["spans"] == 0


def test_same_trace_in_two_formats_one_warning(tmp_path, neo4j_settings, driver, database, trace_id):
    otlp = tmp_path / "trace.otlp.ndjson"
    otlp.write_bytes(_otlp_spans(trace_id, [(A, None, T0, T0 + 9_000), (B, A, T0 + 1_000, T0 + 5_000)]))
    us = T0 // 1000
    jaeger = tmp_path / "trace.jaeger.json"
    jaeger.write_bytes(orjson.dumps({"data": [{
        "traceID": trace_id,
        "spans": [
            {"traceID": trace_id, "spanID": A, "operationName": "op-a1", "references": [], "startTime": us,
             "duration": 9, "tags": [{"key": "span.kind", "type": "string", "value": "internal"}], "logs": [],
             "processID": "p1", "warnings": None, "flags": 1},
            {"traceID": trace_id, "spanID": B, "operationName": "op-b1",
             "references": [{"refType": "CHILD_OF", "traceID": trace_id, "spanID": A}], "startTime": us + 1,
             "duration": 4, "tags": [{"key": "span.kind", "type": "string", "value": "internal"}], "logs": [],
             "processID": "p1", "warnings": None, "flags": 1}],
        "processes": {"p1": {"serviceName": "shop", "tags": []}}, "warnings": None}],
        "total": 0, "limit": 0, "offset": 0, "errors": None}))
    result = _run([str(otlp), str(jaeger), "--no-annotate"], neo4j_settings)
    assert result.returncode == 0, result.stderr
    assert "Ingested 1 traces, 2 spans" in result.stdout
    mentions = [line for line in result.stderr.splitlines() if trace_id in line]
    assert len(mentions) == 1, result.stderr
    assert "Warnings (1):" in result.stderr
    assert str(otlp) in mentions[0] and str(jaeger) in mentions[0]
    assert counts(driver, database=database, trace_ids=[trace_id])["spans"] == 2



def _graphtrace(args: list[str], settings) -> subprocess.CompletedProcess:
    """Any graphtrace command as a real process against the test server."""
    env = dict(os.environ, NEO4J_URI=settings.uri, NEO4J_USER=settings.user,
               NEO4J_PASSWORD=settings.password.get_secret_value(), NEO4J_DATABASE=settings.database)
    return subprocess.run([sys.executable, "-c", "from graphtrace.cli import main; main()", *args],
                          env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_f1_then_f2_store_the_merged_tree(tmp_path, neo4j_settings, driver, database, trace_id):
    c1 = "00000000000000c1"
    f1, f2 = tmp_path / "f1.ndjson", tmp_path / "f2.ndjson"
    # f1: root a1 (T0..T0+100) with child c1 (T0+10..T0+20); f2: b1 (T0+5..T0+50) under a1, c1 under b1.
    f1.write_bytes(_otlp_spans(trace_id, [(A, None, T0, T0 + 100), (c1, A, T0 + 10, T0 + 20)]))
    f2.write_bytes(_otlp_spans(trace_id, [(B, A, T0 + 5, T0 + 50), (c1, B, T0 + 10, T0 + 20)]))
    for path in (f1, f2):
        result = _graphtrace(["ingest", str(path)], neo4j_settings)
        assert result.returncode == 0, result.stderr
    parent_edges = sorted((src, dst) for typ, src, dst, _ in edges(driver, database, [trace_id])
                          if typ == "PARENT_OF")
    assert parent_edges == [(A, B), (B, c1)]  # a1 -> b1 -> c1 only: c1 has one parent
    check = _graphtrace(["check", "--trace-id", trace_id], neo4j_settings)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("checked 1 traces, 3 spans, not compared: all agree")
