"""Nothing acknowledged is lost: kill -9 mid-send, and Neo4j unreachable then back."""

from __future__ import annotations

import signal
import threading
import time
from urllib.parse import urlparse

import grpc
import httpx
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export import SpanExportResult

from tests.serve.conftest import SwitchableProxy
from tests.serve.sdk import hex_span_id, hex_trace_id, http_exporter, many_traces, proto_bytes, record_spans

STORED = """
MATCH (s:Span) WITH s.trace_id AS trace_id, s.span_id AS span_id, count(*) AS copies
RETURN trace_id, span_id, copies
"""


def _by_trace(spans) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for span in spans:
        out.setdefault(hex_trace_id(span), set()).add(hex_span_id(span))
    return out


def _batches(spans, traces_per_batch: int) -> list[list]:
    """Whole traces per batch: a trace is acknowledged entirely or not at all."""
    traces = _by_trace(spans)
    ids = list(traces)
    groups = [set(ids[i:i + traces_per_batch]) for i in range(0, len(ids), traces_per_batch)]
    return [[s for s in spans if hex_trace_id(s) in group] for group in groups]


def _stored(driver) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for row in driver.execute_query(STORED).records:
        assert row["copies"] == 1, f"span {row['span_id']} stored {row['copies']} times"
        out.setdefault(row["trace_id"], set()).add(row["span_id"])
    return out


def _wait_stored(driver, expected: dict[str, set[str]], timeout: float = 60.0) -> dict[str, set[str]]:
    deadline = time.monotonic() + timeout
    stored = _stored(driver)
    while time.monotonic() < deadline and not all(t in stored for t in expected):
        time.sleep(0.3)
        stored = _stored(driver)
    return stored


def test_kill_9_while_sending_loses_no_acknowledged_span(serve_factory, clean_db):
    spans = record_spans("batch", many_traces(300, 4))     # 300 traces x 4 spans
    batches = _batches(spans, 5)                            # 60 requests of 5 whole traces
    serve = serve_factory("spool").start()
    acked: list[list] = []
    exporter = http_exporter(serve, timeout=2)

    def send() -> None:
        for batch in batches:
            if exporter.export(batch) is not SpanExportResult.SUCCESS:
                return
            acked.append(batch)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    deadline = time.monotonic() + 30
    while len(acked) < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    serve.stop(signal.SIGKILL)
    sender.join(30)
    assert 10 <= len(acked) < len(batches), "the kill must land mid-send"

    again = serve_factory("spool")  # same spool directory, new ports
    again.spool = serve.spool
    again.start()
    expected = _by_trace([s for batch in acked for s in batch])
    stored = _wait_stored(clean_db, expected)
    for trace_id, span_ids in expected.items():
        assert stored.get(trace_id) == span_ids, f"trace {trace_id} partial or missing"
    everything = _by_trace(spans)
    for trace_id, span_ids in stored.items():  # a trace stored beyond the acknowledged ones is whole too
        assert span_ids == everything[trace_id]
    assert not clean_db.execute_query("MATCH (t:Trace) WHERE t.incomplete RETURN t").records
    again.wait_metric("graphtrace_spool_bytes", lambda v: v == 0)


def test_neo4j_down_spools_or_pushes_back_then_drains_by_itself(serve_factory, clean_db, neo4j_settings):
    target = urlparse(neo4j_settings.uri)
    proxy = SwitchableProxy(target.hostname, target.port)   # off: nothing listens on its port
    serve = serve_factory("spool", uri=f"bolt://127.0.0.1:{proxy.port}",
                          extra=("--spool-max-mb", "1")).start()
    assert httpx.get(f"{serve.api}/readyz", timeout=5).status_code == 503

    spans = record_spans("batch", many_traces(40, 3))
    acked: list[list] = []
    exporter = http_exporter(serve, timeout=5)
    for batch in _batches(spans, 4):                      # 10 requests, all accepted into the spool
        assert exporter.export(batch) is SpanExportResult.SUCCESS
        acked.append(batch)
    assert serve.metrics()["graphtrace_neo4j_up"] == 0
    assert serve.metrics()["graphtrace_spool_bytes"] > 0

    # fill the 1 MiB spool: the receiver answers 503 with Retry-After, and a refused batch is not stored
    filler = record_spans("filler", many_traces(200, 10))
    body = proto_bytes(filler)                            # about 100 KB (checked below)
    assert 50_000 < len(body) < 400_000
    statuses = [httpx.post(serve.otlp_http, content=body, headers={"content-type": "application/x-protobuf"},
                           timeout=10) for _ in range(20)]
    refused = [r for r in statuses if r.status_code == 503]
    assert refused and all(r.headers["retry-after"] for r in refused)
    assert all(r.status_code in (200, 503) for r in statuses)
    with grpc.insecure_channel(serve.otlp_grpc) as channel:      # gRPC says UNAVAILABLE (retryable)
        stub = trace_service_pb2_grpc.TraceServiceStub(channel)
        with pytest.raises(grpc.RpcError) as refusal:
            stub.Export(ExportTraceServiceRequest.FromString(body), timeout=10)
    assert refusal.value.code() == grpc.StatusCode.UNAVAILABLE
    assert httpx.get(f"{serve.api}/healthz", timeout=5).status_code == 200

    proxy.on()                                            # Neo4j is back: the spool drains without a restart
    try:
        expected = _by_trace([s for batch in acked for s in batch])
        stored = _wait_stored(clean_db, expected)
        for trace_id, span_ids in expected.items():
            assert stored.get(trace_id) == span_ids
        serve.wait_metric("graphtrace_spool_bytes", lambda v: v == 0, timeout=60)
        assert httpx.get(f"{serve.api}/readyz", timeout=5).status_code == 200
        # every refused request counted whole: the HTTP 503s and the one gRPC UNAVAILABLE
        assert serve.metrics()["graphtrace_spans_refused_total"] == (len(refused) + 1) * len(filler)
    finally:
        serve.stop()
        proxy.off()


def test_a_corrupt_spool_tail_is_reported_and_the_rest_replayed(serve_factory, clean_db, tmp_path):
    from graphtrace.spool.records import HEADER_SIZE, PROTO, encode
    from graphtrace.spool.spool import segment_name

    spans = record_spans("batch", many_traces(2, 3))
    spool = tmp_path / "spool"
    spool.mkdir()
    whole = encode(PROTO, proto_bytes(spans))
    torn = encode(PROTO, proto_bytes(spans))[:HEADER_SIZE + 10]       # a crash in mid-write
    (spool / segment_name(1)).write_bytes(whole + torn)
    serve = serve_factory("spool").start()
    stored = _wait_stored(clean_db, _by_trace(spans))
    assert stored == _by_trace(spans)
    assert serve.wait_metric("graphtrace_spool_corrupt_records_total", lambda v: v == 1) == 1
    serve.wait_metric("graphtrace_spool_bytes", lambda v: v == 0)     # the torn segment is removed too
    assert "cut short" in serve.log.read_text()
    assert serve.proc.poll() is None
