"""Flat rows as SQL tools export them (#10 item 4): column names in any case, explicit duration
units, "no parent" sentinels, the service from a Kubernetes pod name, CSV quirks.

Every expected value is derived by hand from the fixture (arithmetic in the comments).
"""

from __future__ import annotations

import pytest

from graphtrace.errors import InputError
from graphtrace.model import SpanKind, StatusCode
from graphtrace.readers import read_traces
from graphtrace.readers.columns import MAPPABLE, plan_for
from graphtrace.readers.pods import service_from_pod

T1 = "4bf92f3577b34da6a3ce929d0e0e4736"
T2 = "0af7651916cd43dd8448eb211c80319c"


def _spans(trace):
    return {s.span_id: s for s in trace.spans}


def _roots(trace):
    """Spans without a parent (an orphan would name a parent missing from the trace)."""
    return [s for s in trace.spans if s.parent_span_id is None]


def test_acceptance_csv_loads_with_no_flags(fixtures):
    # TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration (µs)
    stream = read_traces([fixtures / "rows_acceptance.csv"])
    traces = {t.trace_id: t for t in stream}
    assert set(traces) == {T1, T2}
    assert stream.skipped == [] and stream.warnings == []
    one = _spans(traces[T1])
    root = one["a1b2c3d4e5f60718"]
    # ParentID "root" is a root, not an orphan pointing at span "root"
    assert root.parent_span_id is None and [s.span_id for s in _roots(traces[T1])] == [root.span_id]
    # durations from end - start, not from the µs Duration column read as ns:
    # 1700000000012500000 - 1700000000000000000 = 12,500,000 ns (= 12500 µs, the Duration cell)
    assert root.duration_ns == 12_500_000
    # 4250000 - 1000000 = 3,250,000; 2250000 - 1500000 = 750,000; 11000000 - 5000000 = 6,000,000
    assert [(one[s].duration_ns, one[s].service) for s in
            ("b2c3d4e5f6071829", "c3d4e5f60718293a", "d4e5f60718293a4b")] == [
        (3_250_000, "cartservice"), (750_000, "redis-cart"), (6_000_000, "productcatalogservice")]
    # services: pod names without the ReplicaSet hash and pod suffix (StatefulSet: without "-0")
    assert root.service == "frontend"
    assert root.resource == {"k8s.pod.name": "frontend-6b8c7d9f5c-q2xwz", "service.name": "frontend"}
    assert root.attributes == {}  # Duration and PodName are not span attributes
    assert one["c3d4e5f60718293a"].parent_span_id == "b2c3d4e5f6071829"
    two = _spans(traces[T2])
    # 1700000001020000000 - 1700000001000000000 = 20 ms; 1009000000 - 1002000000 = 7 ms
    assert [(s.service, s.parent_span_id, s.duration_ns) for s in two.values()] == [
        ("checkoutservice", None, 20_000_000), ("paymentservice", "e5f60718293a4b5c", 7_000_000)]
    assert two["e5f60718293a4b5c"].name == "hipstershop.CheckoutService/PlaceOrder"


def test_clickhouse_csvwithnames_export(fixtures):
    # SELECT Timestamp, TraceId, ..., Duration, StatusCode, StatusMessage FROM otel_traces FORMAT CSVWithNames
    stream = read_traces([fixtures / "rows_clickhouse_export.csv"])
    [trace] = list(stream)
    spans = _spans(trace)
    root, client, server = (spans[c * 16] for c in "123")
    # "2023-11-14 22:13:20" UTC is epoch 1700000000 s; ClickHouse's Duration is ns (no end column)
    assert (root.start_ns, root.end_ns) == (1_700_000_000_000_000_000, 1_700_000_000_025_000_000)
    assert root.parent_span_id is None  # ParentSpanId "" for the root
    # .002 s + 21,500,000 ns = .0235 s; .00275 s + 20,000,000 ns = .02275 s
    assert (client.start_ns, client.end_ns) == (1_700_000_000_002_000_000, 1_700_000_000_023_500_000)
    assert (server.start_ns, server.end_ns) == (1_700_000_000_002_750_000, 1_700_000_000_022_750_000)
    assert (client.kind, server.kind, root.kind) == (SpanKind.CLIENT, SpanKind.SERVER, SpanKind.SERVER)
    assert server.status_code is StatusCode.ERROR and server.status_message == "card declined"
    assert root.status_code is StatusCode.OK
    # the service column wins over the pod name; the map's pod name stays a resource attribute
    assert server.service == "checkoutservice"
    assert server.resource["k8s.pod.name"] == "checkoutservice-69c8ff664b-8fdjr"
    assert stream.skipped == []


def test_parseable_query_result_json_array(fixtures):
    # POST /api/v1/query on an otel-traces stream: one JSON array, a row per span event; nulls
    # where a row has no event; dropped counts and schema URLs are not attributes
    stream = read_traces([fixtures / "rows_parseable_query.json"])
    [trace] = list(stream)
    spans = _spans(trace)
    root, client, server = (spans[f"aa0000000000000{i}"] for i in (1, 2, 3))
    # 1.7000000005e18 is exact (500000000 = 1953125 * 256); the end is start + span_duration_ns,
    # not the end epoch: 1.700000000503e18 is the float 1700000000503000064 (503000000 / 256 =
    # 1964843.75 rounds up to 1964844), which would give 3,000,064 ns
    assert root.start_ns == 1_700_000_000_500_000_000 and root.duration_ns == 3_000_000
    assert client.duration_ns == 1_500_000 and server.duration_ns == 1_000_000
    # the two rows of span 1 are one span with both events, their times from Parseable's
    # "%Y-%m-%dT%H:%M:%S%.6fZ" strings: 22:13:20.501024 and .502048 after epoch 1700000000 s
    assert [(e.name, e.time_ns, e.attributes) for e in root.events] == [
        ("cache.miss", 1_700_000_000_501_024_000, {"cache.key": "cart:42"}),
        ("retry", 1_700_000_000_502_048_000, {})]
    assert root.parent_span_id is None and server.parent_span_id == client.span_id
    assert server.service == "cartservice" and server.status_code is StatusCode.ERROR
    assert server.resource == {"service.name": "cartservice", "k8s.pod.name": "cartservice-7d9f8b6c4d-x2x9k",
                               "k8s.namespace.name": "otel-demo"}
    assert server.attributes == {"rpc.system": "grpc", "otel.scope.name": "opentelemetry.instrumentation.grpc",
                                 "otel.scope.version": "0.42b0"}
    assert stream.counters.duplicates_merged == 1 and stream.skipped == []


def test_export_quirks_bom_crlf_quotes_blank_lines_and_root_sentinels(fixtures):
    # BOM, quoted upper-case header, CRLF rows, a quoted newline, doubled quotes, 3 blank lines at the end
    stream = read_traces([fixtures / "rows_export_quirks.csv"])
    traces = {t.trace_id[0]: t for t in stream}
    assert sorted(traces) == list("123456") and stream.skipped == [] and stream.warnings == []
    names = {k: [s.name for s in t.spans] for k, t in traces.items()}
    assert names["1"] == ["GET /search?q=a,b"] and names["2"] == ['say "hi"']
    assert names["3"] == ["line one\nline two"]
    # parents "0", "-1", "NULL", "", "0000000000000000", "ROOT": each trace has exactly one root
    for t in traces.values():
        assert [s.span_id[-4:] for s in _roots(t)] == [f"{t.trace_id[-1]}001"], t.trace_id
    # parent "E001" is the short upper-case hex of span 000000000000e001
    child = _spans(traces["5"])["000000000000e002"]
    assert child.parent_span_id == "000000000000e001" and child.service == "db"
    # 1700000006003000000 - 1700000006001000000 = 2 ms; trace 4: 5000004000 - 5000000000 = 4 µs
    assert child.duration_ns == 2_000_000 and traces["4"].spans[0].duration_ns == 4_000


def test_duration_of_unknown_unit_is_refused_without_an_end_column(fixtures):
    with pytest.raises(InputError) as caught:
        list(read_traces([fixtures / "rows_unitless_duration.csv"]))
    assert caught.value.field == "Duration" and "--map duration_us=Duration" in caught.value.message


def test_duration_unit_from_the_map(fixtures):
    stream = read_traces([fixtures / "rows_unitless_duration.csv"], mapping={"duration_us": "Duration"})
    [trace] = list(stream)
    root, child = trace.spans
    # 1250 µs = 1,250,000 ns; 875.5 µs = 875,500 ns (scaled before rounding)
    assert (root.parent_span_id, root.duration_ns) == (None, 1_250_000)
    assert (child.service, child.duration_ns) == ("adservice", 875_500)
    # the same column read as ms: 1250 ms
    [trace] = list(read_traces([fixtures / "rows_unitless_duration.csv"], mapping={"duration_ms": "duration"}))
    assert trace.spans[0].duration_ns == 1_250_000_000  # mapped column matched in another case


@pytest.mark.parametrize(("keys", "sources"), [
    # start and end win over any duration column
    (("TraceID", "SpanID", "StartTimeUnixNano", "EndTimeUnixNano", "duration_us"),
     (("EndTimeUnixNano", 0), ("duration_us", 1_000))),
    # ClickHouse's Duration (beside its Timestamp) is ns
    (("Timestamp", "TraceId", "SpanId", "Duration"), (("Duration", 1),)),
    # a bare duration without ClickHouse's Timestamp has no unit: nothing gives the end
    (("trace_id", "span_id", "start_ns", "duration"), ()),
    # Parseable's float end epoch loses to its exact span_duration_ns
    (("span_trace_id", "span_span_id", "span_end_time_unix_nano_epoch", "span_duration_ns"),
     (("span_duration_ns", 1), ("span_end_time_unix_nano_epoch", 0))),
])
def test_where_the_end_comes_from(keys, sources):
    assert plan_for(keys).end_sources == sources


def test_column_names_match_in_any_case():
    plan = plan_for(("TRACEID", "spanid", "ParentID", "operationname", "PODNAME", "starttimeunixnano"))
    assert plan.fields == {"trace_id": "TRACEID", "span_id": "spanid", "parent_span_id": "ParentID",
                           "name": "operationname", "pod": "PODNAME", "start_ns": "starttimeunixnano"}


def test_mappable_fields_include_the_new_targets():
    assert {"pod", "duration_ns", "duration_us", "duration_ms"} <= set(MAPPABLE)
    assert "duration" not in MAPPABLE and not any(f.startswith("event_") for f in MAPPABLE)


@pytest.mark.parametrize(("pod", "service"), [
    ("cartservice-7d9f8b6c4d-x2x9k", "cartservice"),           # Deployment: 10-char hash + 5
    ("currencyservice-5f8c9d4b7-zvq2m", "currencyservice"),    # 9-char hash
    ("quote-7bc9fd4c5-2lrpx", "quote"),
    ("fluent-bit-8xk2w", "fluent-bit"),                         # DaemonSet: 5 generated characters
    ("kafka-0", "kafka"), ("opensearch-master-12", "opensearch-master"),  # StatefulSet ordinals
    ("frontend", "frontend"), ("load-generator", "load-generator"),       # nothing generated
    ("api-v2", "api-v2"),                                       # "v2" is not a generated suffix
    ("web-abcde", "web-abcde"),                                 # vowels never appear in a suffix
    ("cart-7d9f8b6c4d-x2x9a", "cart-7d9f8b6c4d-x2x9a"),         # "a" is not in the alphabet...
])
def test_service_from_pod(pod, service):
    assert service_from_pod(pod) == service
