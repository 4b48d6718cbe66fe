"""Bad requests get the status the OTLP/HTTP spec (and the API's error rule) says, and the service stays up."""

from __future__ import annotations

import gzip

import grpc
import httpx
import pytest
import orjson
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from tests.serve.sdk import checkout, hex_trace_id, proto_bytes, record_spans

PB = {"content-type": "application/x-protobuf"}
JS = {"content-type": "application/json"}


def _json_doc(trace_id: str, spans: list[dict]) -> bytes:
    """An OTLP JSON request in the shape the collector's otlphttp exporter sends (hex ids, string times)."""
    return orjson.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "cart"}}]},
        "scopeSpans": [{"scope": {"name": "manual"}, "spans": [
            {"traceId": trace_id, "name": "GetCart", "kind": 2,
             "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000000005000000", **s}
            for s in spans]}]}]})


def test_bad_requests_get_the_right_status_and_the_service_stays_up(serve_factory, clean_db):
    serve = serve_factory().start()
    post = lambda body, headers: httpx.post(serve.otlp_http, content=body, headers=headers, timeout=10)  # noqa: E731

    # protobuf that does not parse: field 1 (resource_spans) announced with a length past the end
    bad = post(b"\x0a\xff\x01\x02", PB)
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/x-protobuf"
    status = Status.FromString(bad.content)          # OTLP/HTTP: a google.rpc.Status in the request's encoding
    assert status.code == 3 and "ExportTraceServiceRequest" in status.message     # 3 = INVALID_ARGUMENT
    bad_json = post(b"{not json", JS)
    assert bad_json.status_code == 400 and bad_json.json()["code"] == 3 and "JSON" in bad_json.json()["message"]
    assert post(b"[1, 2, 3]", JS).status_code == 400                          # JSON, but not a request
    assert post(b'{"resourceSpans": 7}', JS).status_code == 400
    wrong_type = post(b"hello", {"content-type": "text/plain"})
    assert wrong_type.status_code == 415 and set(wrong_type.json()) == {"error", "detail"}
    assert post(b"not gzip", {**PB, "content-encoding": "gzip"}).status_code == 400
    assert post(b"x", {**PB, "content-encoding": "br"}).status_code == 400
    too_big = post(b"\0" * (16 * 1024 * 1024 + 1), PB)                      # default limit: 16 MiB
    assert too_big.status_code == 413 and "16777216" in Status.FromString(too_big.content).message
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024 + 1))                   # inflates past the 64 MiB limit
    assert post(bomb, {**PB, "content-encoding": "gzip"}).status_code == 413
    assert httpx.get(serve.otlp_http, timeout=5).status_code == 405
    with grpc.insecure_channel(serve.otlp_grpc) as channel:   # gRPC: bytes that are no request
        export = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
        with pytest.raises(grpc.RpcError) as refused:
            export(b"\x0a\xff\x01\x02", timeout=10)
    assert refused.value.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.INVALID_ARGUMENT)
    assert httpx.get(f"{serve.api}/healthz", timeout=5).status_code == 200

    # a good request in each encoding, gzip'd or not, is acknowledged with its partial success
    spans = record_spans("shop", checkout)
    ok = post(gzip.compress(proto_bytes(spans)), {**PB, "content-encoding": "gzip"})
    assert ok.status_code == 200
    assert ExportTraceServiceResponse.FromString(ok.content).partial_success.rejected_spans == 0
    trace_id = "5b8efff798038103d269b633813fc60c"
    # two spans, the second without a spanId: 1 rejected (hand count)
    partial = post(_json_doc(trace_id, [{"spanId": "eee19b7ec3c1b174"}, {}]), JS)
    assert partial.status_code == 200
    assert partial.json()["partialSuccess"]["rejectedSpans"] == "1"
    assert serve.wait_trace(hex_trace_id(spans[0]), span_count=3)
    doc = serve.wait_trace(trace_id, span_count=1)
    assert doc["traces"][0]["spans"][0]["span_id"] == "eee19b7ec3c1b174"

    # the API's own errors: JSON {error, detail}, never a stack trace
    missing = httpx.get(f"{serve.api}/api/traces/0123456789abcdef0123456789abcdef", timeout=10)
    assert missing.status_code == 404 and set(missing.json()) == {"error", "detail"}
    assert httpx.get(f"{serve.api}/api/traces", params={"min_duration": "soon"}, timeout=10).status_code == 400
    assert httpx.get(f"{serve.api}/api/traces", params={"colour": "red"}, timeout=10).status_code == 400
    unknown = httpx.post(f"{serve.api}/api/recipes/no-such-recipe", json={}, timeout=10)
    assert unknown.status_code == 404
    assert httpx.post(f"{serve.api}/api/recipes/annotate", json={}, timeout=10).status_code == 403
    bad_param = httpx.post(f"{serve.api}/api/recipes/slow-edges", json={"limit": "many"}, timeout=10)
    assert bad_param.status_code == 400 and "limit" in bad_param.json()["detail"]
    assert httpx.post(f"{serve.api}/api/recipes/slow-edges", content=b"{", timeout=10).status_code == 400
    assert httpx.get(f"{serve.api}/nowhere", timeout=10).json()["error"] == "not found"
    for response in (missing, unknown, bad_param):
        assert "Traceback" not in response.text
    edges = httpx.get(f"{serve.api}/api/edges", params={"limit": "5"}, timeout=30)
    assert edges.status_code == 200 and "caller" in edges.json()["columns"]
    assert httpx.get(f"{serve.api}/api/compare", timeout=30).status_code == 200
    listed = {r["name"] for r in httpx.get(f"{serve.api}/api/recipes", timeout=10).json()["recipes"]}
    assert {"critical-path", "slow-edges", "compare-windows"} <= listed
    assert "/api/traces/{trace_id}" in httpx.get(f"{serve.api}/openapi.json", timeout=10).json()["paths"]
    assert serve.proc.poll() is None
