"""A trace with a parent cycle sent to ``graphtrace serve`` is skipped whole, as ``ingest`` skips it from a
file: the same diagnostic, counted in ``/metrics``, and nothing of it reaches Neo4j."""

from __future__ import annotations

import httpx
import orjson

from graphtrace.readers import read_traces

JS = {"content-type": "application/json"}
CYCLE = "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1"
GOOD = "600d600d600d600d600d600d600d600d"
A, B, C = "aaaaaaaaaaaaaaa1", "bbbbbbbbbbbbbbb2", "ccccccccccccccc3"
R, K = "1111111111111111", "2222222222222222"


def _span(trace_id: str, span_id: str, parent: str | None, name: str) -> dict:
    span = {"traceId": trace_id, "spanId": span_id, "name": name, "kind": 1,
            "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000000005000000"}
    if parent:
        span["parentSpanId"] = parent
    return span


def _request() -> bytes:
    """One OTLP/JSON request in the collector's otlphttp shape (hex ids, string times): trace CYCLE with
    a -> b -> a (a's parent is b, b's is a) and c under a; trace GOOD with a root and one child."""
    spans = [_span(CYCLE, A, B, "a"), _span(CYCLE, B, A, "b"), _span(CYCLE, C, A, "c"),
             _span(GOOD, R, None, "root"), _span(GOOD, K, R, "child")]
    return orjson.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "loop"}}]},
        "scopeSpans": [{"scope": {"name": "manual"}, "spans": spans}]}]})


def test_a_parent_cycle_is_skipped_whole_like_ingest_and_counted(serve_factory, clean_db, neo4j_driver,
                                                                 neo4j_settings, tmp_path):
    # what ingest says about the same document read from a file (the readers' rule): the cycle is
    # found from the first span, a: a -> b -> a, and the whole trace (3 spans) is skipped
    path = tmp_path / "cycle.json"
    path.write_bytes(_request())
    stream = read_traces([path])
    assert [t.trace_id for t in stream] == [GOOD]
    [diag] = stream.skipped
    want = f"parent cycle {A} -> {B} -> {A}; whole trace {CYCLE} skipped (3 span records)"
    assert diag.message == want and diag.field == "parent_span_id"

    serve = serve_factory().start()
    sent = httpx.post(serve.otlp_http, content=_request(), headers=JS, timeout=10)
    assert sent.status_code == 200 and sent.json().get("partialSuccess", {}).get("rejectedSpans") in (None, "0")
    doc = serve.wait_trace(GOOD, span_count=2)
    assert {s["span_id"] for s in doc["traces"][0]["spans"]} == {R, K}
    # 5 spans received: the 2 of GOOD written, the 3 of CYCLE dropped (spooled but not storable)
    assert serve.wait_metric("graphtrace_spans_dropped_total", lambda v: v >= 3) == 3
    metrics = serve.metrics()
    assert metrics["graphtrace_spans_received_total"] == 5
    assert metrics["graphtrace_spans_written_total"] == 2 and metrics["graphtrace_traces_written_total"] == 1
    assert httpx.get(f"{serve.api}/api/traces/{CYCLE}", timeout=10).status_code == 404
    assert serve.stop() == 0
    assert want in serve.log.read_text()  # the same diagnostic as ingest's, in the service's log
    records, _, _ = neo4j_driver.execute_query(
        "OPTIONAL MATCH (t:Trace {trace_id: $tid}) OPTIONAL MATCH (s:Span {trace_id: $tid}) "
        "RETURN count(DISTINCT t) AS traces, count(s) AS spans", tid=CYCLE, database_=neo4j_settings.database)
    assert (records[0]["traces"], records[0]["spans"]) == (0, 0)
