"""The OpenTelemetry SDK's OTLP/HTTP and OTLP/gRPC exporters send to a running ``graphtrace serve``.

The API then answers with the same document ``graphtrace analyze --format json`` prints for the same
spans (encoded by the SDK's own protobuf encoder into a file), and ``graphtrace check`` agrees.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
from opentelemetry.sdk.trace.export import SpanExportResult

from tests.serve.sdk import (checkout, grpc_exporter, hex_span_id, hex_trace_id, http_exporter, proto_bytes,
                             record_spans)

CLI = [sys.executable, "-c", "from graphtrace.cli import main; main()"]


def _analyze_file(tmp_path, spans) -> dict:
    path = tmp_path / "trace.pb"
    path.write_bytes(proto_bytes(spans))
    out = subprocess.run([*CLI, "analyze", "--format", "json", "--input-format", "otlp-proto", str(path)],
                         capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)


def test_sdk_exporters_reach_the_api_and_check_agrees(serve_factory, clean_db, neo4j_settings, tmp_path):
    serve = serve_factory(token="t0ken").start()
    by_http = record_spans("shop", checkout)
    by_grpc = record_spans("shop", checkout)
    assert http_exporter(serve, gzip=True).export(by_http) is SpanExportResult.SUCCESS
    assert grpc_exporter(serve, gzip=True).export(by_grpc) is SpanExportResult.SUCCESS

    for spans in (by_http, by_grpc):
        trace_id = hex_trace_id(spans[0])
        served = serve.wait_trace(trace_id, span_count=3)
        report = served["traces"][0]
        # three spans made by checkout(): the root and its two children, one with an error
        assert report["span_count"] == 3
        assert sorted(s["name"] for s in report["spans"]) == ["GET /checkout", "charge card", "reserve stock"]
        assert served == _analyze_file(tmp_path, spans)
        _wait_annotated(clean_db, trace_id)
        env = _check_env(neo4j_settings)
        check = subprocess.run([*CLI, "check", "--trace-id", trace_id], capture_output=True, text=True,
                               timeout=120, env=env)
        assert check.returncode == 0, check.stdout + check.stderr

    # the search finds both, newest first; the error filter keeps them (each has an ERROR span)
    found = httpx.get(f"{serve.api}/api/traces", params={"service": "shop", "error": "true"},
                      headers=serve.headers(), timeout=10).json()["traces"]
    assert [t["trace_id"] for t in found] == [hex_trace_id(by_grpc[0]), hex_trace_id(by_http[0])]
    assert {t["root_operation"] for t in found} == {"GET /checkout"}
    none = httpx.get(f"{serve.api}/api/traces", params={"error": "false"}, headers=serve.headers(), timeout=10)
    assert none.json() == {"traces": []}

    # a recipe over the API gives the rows `recipe run` gives
    trace_id = hex_trace_id(by_http[0])
    api_rows = httpx.post(f"{serve.api}/api/recipes/critical-path", json={"trace_id": trace_id},
                          headers=serve.headers(), timeout=30).json()
    cli = subprocess.run([*CLI, "recipe", "run", "critical-path", "-p", "trace_id", trace_id, "--format", "json"],
                         capture_output=True, text=True, timeout=60, env=env)
    assert cli.returncode == 0, cli.stderr
    assert api_rows["rows"] == json.loads(cli.stdout)

    # no token: 401 on the API and both receivers; the password is in no answer and no log line
    assert httpx.get(f"{serve.api}/api/traces", timeout=5).status_code == 401
    assert httpx.post(serve.otlp_http, content=proto_bytes(by_http),
                      headers={"content-type": "application/x-protobuf"}, timeout=5).status_code == 401
    serve.token = None
    assert grpc_exporter(serve, timeout=3).export(by_http) is SpanExportResult.FAILURE
    serve.token = "t0ken"
    assert neo4j_settings.password.get_secret_value() not in serve.log.read_text()


def _wait_annotated(driver, trace_id: str, timeout: float = 30.0) -> None:
    """Annotation (for the recipes) follows the write a moment later, in its own transactions."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = driver.execute_query("MATCH (t:Trace {trace_id: $t}) RETURN t.annotated AS a", t=trace_id).records
        if rows and rows[0]["a"]:
            return
        time.sleep(0.2)
    raise AssertionError(f"trace {trace_id} not annotated in {timeout} s")


def _check_env(settings) -> dict[str, str]:
    return {"NEO4J_URI": settings.uri, "NEO4J_USER": settings.user,
            "NEO4J_PASSWORD": settings.password.get_secret_value(), "NEO4J_DATABASE": settings.database,
            "PATH": "/usr/bin:/bin"}


def test_a_late_span_merges_into_the_stored_trace(serve_factory, clean_db, neo4j_settings):
    serve = serve_factory().start()
    spans = record_spans("shop", checkout)
    root = next(s for s in spans if s.parent is None)
    early = [s for s in spans if s.name != "reserve stock"]
    late = [s for s in spans if s.name == "reserve stock"]
    assert http_exporter(serve).export(early) is SpanExportResult.SUCCESS
    first = serve.wait_trace(hex_trace_id(root), span_count=2)["traces"][0]
    assert sorted(s["name"] for s in first["spans"]) == ["GET /checkout", "charge card"]
    # the late span, then the root again (a re-sent span replaces its copy, never doubles it)
    assert http_exporter(serve).export(late + [root]) is SpanExportResult.SUCCESS
    merged = serve.wait_trace(hex_trace_id(root), span_count=3)["traces"][0]
    assert sorted(s["span_id"] for s in merged["spans"]) == sorted(hex_span_id(s) for s in spans)
    count = clean_db.execute_query("MATCH (s:Span {trace_id: $t}) RETURN count(s) AS n",
                                   t=hex_trace_id(root)).records[0]["n"]
    assert count == 3
    # the merged trace is annotated again: Neo4j's critical path and self time agree with networkx
    _wait_annotated(clean_db, hex_trace_id(root))
    check = subprocess.run([*CLI, "check", "--trace-id", hex_trace_id(root)], capture_output=True, text=True,
                           timeout=120, env=_check_env(neo4j_settings))
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_clean_stop_writes_the_traces_still_in_their_decision_wait(serve_factory, clean_db):
    serve = serve_factory(decision_wait=600.0).start()      # no trace would be written for 10 minutes
    spans = record_spans("shop", checkout)
    assert http_exporter(serve).export(spans) is SpanExportResult.SUCCESS
    serve.wait_metric("graphtrace_traces_pending", lambda v: v == 1, timeout=10)
    assert serve.stop() == 0                                  # SIGTERM
    count = clean_db.execute_query("MATCH (s:Span {trace_id: $t}) RETURN count(s) AS n",
                                   t=hex_trace_id(spans[0])).records[0]["n"]
    assert count == 3
