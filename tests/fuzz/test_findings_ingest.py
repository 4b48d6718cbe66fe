"""``analyze`` and ``ingest`` agree on an OTLP ``intValue`` beyond int64; ingest's skipped traces name
their file (fuzz findings 5a, 5b).  Real Neo4j (``clean_db``).

The OTLP spec types ``intValue`` as int64 (opentelemetry-proto ``common.proto``: ``int64 int_value``),
so a larger value is invalid input: both commands keep it as its decimal string, with one warning
naming the span and the attribute, and store/analyze the trace.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson

from graphtrace.readers import read_traces
from tests.fuzz.harness import invoke

ROOT = Path(__file__).resolve().parents[2]
TRACE, SPAN = "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174"
BIG = "123456789012345678901234567890"  # 30 digits: far beyond 2^63 - 1 = 9223372036854775807 (19 digits)
WARNING = (f"span {SPAN}: attributes.cart.items: intValue {BIG} is outside the int64 range of OTLP "
           "integers; kept as a string")


def _otlp(path: Path) -> Path:
    # as the collector's file exporter writes it (ids hex, times and intValue as strings)
    path.write_bytes(orjson.dumps({"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "frontend"}}]}, "scopeSpans": [{
            "scope": {"name": "io.opentelemetry.http"}, "spans": [{
                "traceId": TRACE.upper(), "spanId": SPAN.upper(), "parentSpanId": "", "name": "GET /cart",
                "kind": 2, "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000000005000000",
                "attributes": [{"key": "http.method", "value": {"stringValue": "GET"}},
                               {"key": "cart.items", "value": {"intValue": BIG}}],
                "status": {}}]}]}]}))
    return path


def _ingest(settings, path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, NEO4J_URI=settings.uri, NEO4J_USER=settings.user,
               NEO4J_PASSWORD=settings.password.get_secret_value(), NEO4J_DATABASE=settings.database)
    return subprocess.run([sys.executable, "-c", "from graphtrace.cli import main; main()", "ingest",
                           "--no-annotate", str(path)], env=env, capture_output=True, text=True, timeout=300,
                          cwd=ROOT)


def test_analyze_keeps_an_int_value_beyond_int64_as_a_string_with_a_warning(tmp_path: Path) -> None:
    path = _otlp(tmp_path / "t.json")
    code, out, err, escaped = invoke(["analyze", str(path)], timeout=60)
    assert escaped is None and code == 0, err
    assert f"{path}: {WARNING}" in err, err
    [trace] = list(read_traces([path]))  # the reader analyze uses
    assert trace.spans[0].attributes == {"http.method": "GET", "cart.items": BIG,
                                         "otel.scope.name": "io.opentelemetry.http"}


def test_ingest_stores_it_the_same_way_with_the_same_warning(clean_db, neo4j_settings, tmp_path: Path) -> None:
    path = _otlp(tmp_path / "t.json")
    result = _ingest(neo4j_settings, path)
    assert result.returncode == 0, result.stderr
    assert "Ingested 1 traces, 1 spans" in result.stdout, result.stdout
    assert f"{path}: {WARNING}" in result.stderr and "Skipped" not in result.stderr, result.stderr
    [record] = clean_db.execute_query("MATCH (s:Span {span_id: $id}) RETURN s.attributes_json AS a",
                                      id=SPAN, database_=neo4j_settings.database).records
    assert orjson.loads(record["a"])["cart.items"] == BIG


def test_a_trace_ingest_cannot_store_is_skipped_naming_its_file(clean_db, neo4j_settings, tmp_path: Path) -> None:
    # ClickHouse CSV: SpanAttributes as a ClickHouse/Python map literal; trace bbbb's holds an integer
    # of 31 digits, which JSON (and so the store) cannot hold as a 64-bit integer.  Trace aaaa is stored.
    path = tmp_path / "ch.csv"
    path.write_text(
        "Timestamp,TraceId,SpanId,ParentSpanId,SpanName,SpanKind,ServiceName,SpanAttributes,Duration,StatusCode\n"
        "2023-11-14 22:13:20.0,AAAA0000000000000000000000000001,1111111111111111,,GET /,Server,web,"
        "{'http.method':'GET'},5000000,Ok\n"
        "2023-11-14 22:13:20.0,BBBB0000000000000000000000000002,2222222222222222,,GET /x,Server,web,"
        "{'n':1000000000000000000000000000000},5000000,Ok\n", encoding="utf-8")
    result = _ingest(neo4j_settings, path)
    assert result.returncode == 0, result.stderr
    assert "Ingested 1 traces, 1 spans" in result.stdout, result.stdout
    assert "Skipped traces (1):" in result.stderr, result.stderr
    assert (f"  {path}: trace bbbb0000000000000000000000000002 span 2222222222222222: attributes: "
            "cannot store as JSON: it holds an integer beyond 64 bits") in result.stderr, result.stderr
    stored = clean_db.execute_query("MATCH (t:Trace) RETURN t.trace_id AS t", database_=neo4j_settings.database)
    assert [r["t"] for r in stored.records] == ["aaaa0000000000000000000000000001"]
