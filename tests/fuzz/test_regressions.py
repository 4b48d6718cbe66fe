"""Regression tests for the crashes the fuzz campaign found (issue #11, item 1; #10.7).

Each input is hand-written in the shape of its format (OTLP JSON as the collector's
file exporter writes it, Jaeger as the UI download, ClickHouse's otel_traces as CSV,
OTLP protobuf built with opentelemetry-proto) with one field broken the way the
fuzzer broke it.  The property: exit 0 or exit 2 with ``Error:`` naming the file,
the record and the field in plain words; never a traceback or Python exception text.
"""

from __future__ import annotations

import copy
import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest

from graphtrace.errors import InputError
from graphtrace.readers import read_traces
from tests.fuzz.harness import classify, invoke

TRACE = "5b8efff798038103d269b633813fc60c"


def _otlp(spans: list[dict[str, Any]], scope: Any = None) -> dict[str, Any]:
    group: dict[str, Any] = {"scope": {"name": "io.opentelemetry.http"} if scope is None else scope, "spans": spans}
    return {"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "frontend"}}]}, "scopeSpans": [group]}]}


def _span(span_id: str, parent: str = "", start: Any = "1700000000000000000",
          end: Any = "1700000000005000000", **extra: Any) -> dict[str, Any]:
    return {"traceId": TRACE.upper(), "spanId": span_id, "parentSpanId": parent, "name": "GET /cart",
            "kind": "SPAN_KIND_SERVER", "startTimeUnixNano": start, "endTimeUnixNano": end, **extra}


JAEGER = {"data": [{"traceID": "0af7651916cd43dd", "spans": [
    {"traceID": "0af7651916cd43dd", "spanID": "1", "operationName": "GET /", "references": [],
     "startTime": 1700000000000000, "duration": 1000, "processID": "p1",
     "tags": [{"key": "span.kind", "type": "string", "value": "server"}]},
    {"traceID": "0af7651916cd43dd", "spanID": "2", "operationName": "SELECT", "processID": "p2",
     "references": [{"refType": "CHILD_OF", "traceID": "0af7651916cd43dd", "spanID": "1"}],
     "startTime": 1700000000000100, "duration": 300,
     "tags": [{"key": "span.kind", "type": "string", "value": "client"}]}],
    "processes": {"p1": {"serviceName": "frontend", "tags": []}, "p2": {"serviceName": "db", "tags": []}},
    "warnings": None}], "total": 0, "limit": 0, "offset": 0, "errors": None}

CLICKHOUSE_HEADER = ("Timestamp,TraceId,SpanId,ParentSpanId,SpanName,SpanKind,ServiceName,ResourceAttributes,"
                     "SpanAttributes,Duration,StatusCode,StatusMessage")
CLICKHOUSE_ROW = ("2023-11-14 22:13:20.123456789,5B8EFFF798038103D269B633813FC60C,EEE19B7EC3C1B174,,GET /cart,"
                  "Server,frontend,{'host.name':'h1'},\"{\"\"http.method\"\":\"\"GET\"\"}\",5000000,STATUS_CODE_OK,")


def _cli(tmp_path: Path, name: str, data: bytes, *options: str) -> tuple[int | None, str, str]:
    path = tmp_path / name
    path.write_bytes(data)
    code, out, err, escaped = invoke(["analyze", str(path), *options], timeout=60)
    assert escaped is None, repr(escaped)
    kind, cause = classify(code, out, err, names=[name])
    assert kind in ("ok", "clean_error"), (kind, cause)
    return code, out, err


def _skipped(path: Path) -> tuple[list[Any], list[str]]:
    stream = read_traces([path])
    traces = list(stream)
    return traces, [d.text for d in stream.skipped]


# ---------------------------------------------------------------- OTLP scope / spans of the wrong type

@pytest.mark.parametrize(("scope", "spans", "field", "found"), [
    ([1, 2], None, "scope", "a list"),
    ("grpc", None, "scope", "a string"),
    (None, {"a": 1}, "spans", "an object"),
    (None, 5, "spans", "an integer"),
])
def test_otlp_scope_or_spans_of_the_wrong_type_names_the_field(tmp_path: Path, scope: Any, spans: Any,
                                                               field: str, found: str) -> None:
    doc = _otlp([_span("EEE19B7EC3C1B174")])
    bad = copy.deepcopy(doc["resourceSpans"][0]["scopeSpans"][0])
    if scope is not None:
        bad["scope"] = scope
    if spans is not None:
        bad["spans"] = spans
    doc["resourceSpans"][0]["scopeSpans"].append(bad)
    path = tmp_path / "t.json"
    path.write_bytes(orjson.dumps(doc))
    traces, skipped = _skipped(path)
    # the good scopeSpans[0] is kept; scopeSpans[1] is one skipped record naming its field
    assert [len(t.spans) for t in traces] == [1]
    assert skipped == [f"{path}: resourceSpans[0], scopeSpans[1]: {field}: expected "
                       f"{'a list' if field == 'spans' else 'an object'}, got {found}"]


def test_otlp_scope_spans_given_as_a_string_is_one_skipped_record(tmp_path: Path) -> None:
    # found by the long run (case 69908): a 200 KB string was read a character at a time,
    # 200,000 skipped "records" and 10 s
    doc = _otlp([_span("EEE19B7EC3C1B174")])
    doc["resourceSpans"].append({"resource": {"attributes": []}, "scopeSpans": "a" * 200_000})
    path = tmp_path / "t.json"
    path.write_bytes(orjson.dumps(doc))
    traces, skipped = _skipped(path)
    assert [len(t.spans) for t in traces] == [1]
    assert skipped == [f"{path}: resourceSpans[1]: scopeSpans: expected a list, got a string"]


# ---------------------------------------------------------------- Jaeger processes / processID

@pytest.mark.parametrize(("edit", "field", "message"), [
    (lambda t: t.update(processes=list(t["processes"].values())), "processes",
     "expected an object of processes by id, got a list"),
    (lambda t: t["spans"][0].update(processID=["p1"]), "processID", "expected a string, got a list"),
    (lambda t: t["spans"][0].update(processID={"id": "p1"}), "processID", "expected a string, got an object"),
])
def test_jaeger_processes_or_process_id_of_the_wrong_type(tmp_path: Path, edit: Any, field: str,
                                                         message: str) -> None:
    doc = copy.deepcopy(JAEGER)
    edit(doc["data"][0])
    code, _, err = _cli(tmp_path, "j.json", orjson.dumps(doc))
    assert code == 2  # the bad span spoils its trace, the only one
    assert f"j.json: span 1: {field}: {message}" in err, err


# ---------------------------------------------------------------- CSV cells

def test_csv_row_with_more_cells_than_the_header(tmp_path: Path) -> None:
    data = f"{CLICKHOUSE_HEADER}\n{CLICKHOUSE_ROW},extra,cells\n".encode()
    code, _, err = _cli(tmp_path, "ch.csv", data)
    assert code == 2 and "ch.csv: row 1: 2 more field(s) than the header's 12" in err, err


def test_csv_cell_that_looks_like_a_literal_but_is_not_one(tmp_path: Path) -> None:
    data = f"{CLICKHOUSE_HEADER}\n{CLICKHOUSE_ROW}\n".replace("{'host.name':'h1'}", "{'host.name': [}").encode()
    code, _, err = _cli(tmp_path, "ch.csv", data)
    assert code == 2 and "ch.csv: row 1: ResourceAttributes: cannot read" in err, err


def test_csv_invalid_date(tmp_path: Path) -> None:
    data = f"{CLICKHOUSE_HEADER}\n{CLICKHOUSE_ROW}\n".replace("2023-11-14 22:13:20", "2023-13-45 25:61:00").encode()
    code, _, err = _cli(tmp_path, "ch.csv", data)
    assert code == 2 and "ch.csv: row 1: Timestamp: not a valid date and time: '2023-13-45 25:61:00" in err, err


# ---------------------------------------------------------------- gzip corruption anywhere

def _gzip_cases() -> list[tuple[str, Any]]:
    return [
        ("truncated early", lambda p: p[:15]),
        ("truncated late", lambda p: p[:-12]),
        ("bad CRC", lambda p: p[:-8] + bytes([p[-8] ^ 0xFF]) + p[-7:]),
        ("bad length", lambda p: p[:-4] + bytes([p[-4] ^ 0x01]) + p[-3:]),
        ("garbage after the stream", lambda p: p + b"garbage"),
    ]


@pytest.mark.parametrize(("what", "damage"), _gzip_cases(), ids=[c[0] for c in _gzip_cases()])
def test_corrupt_gzip_is_an_error_naming_the_file(tmp_path: Path, what: str, damage: Any) -> None:
    # large enough (about 1 MB decompressed) that late damage is found after the sniffed head
    doc = _otlp([_span(f"{i:016x}") for i in range(1, 4000)])
    packed = gzip.compress(orjson.dumps(doc), mtime=0)
    code, _, err = _cli(tmp_path, "t.json.gz", damage(packed))
    assert code == 2 and err.startswith(f"Error: {tmp_path / 't.json.gz'}: corrupt gzip data"), err


def test_flipped_deflate_byte_is_an_error_naming_the_file(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(orjson.dumps(_otlp([_span(f"{i:016x}") for i in range(1, 400)])), mtime=0))
    found = 0
    for offset in range(20, len(packed) - 8, max(1, len(packed) // 40)):  # damage at 40 points of the stream
        damaged = bytes(packed[:offset]) + bytes([packed[offset] ^ 0x10]) + bytes(packed[offset + 1:])
        code, _, err = _cli(tmp_path, "t.json.gz", damaged)
        found += "corrupt gzip data" in err
        assert code in (0, 2), (offset, err)
    assert found >= 30  # deflate damage is almost always detected (bad code, distance or CRC)


# ---------------------------------------------------------------- nesting, huge values

def test_value_nested_1000_deep_gives_a_short_message(tmp_path: Path) -> None:
    deep: Any = "x"
    for _ in range(1000):
        deep = [deep]
    doc = _otlp([_span("EEE19B7EC3C1B174", name=deep), _span("00000000000000A1", "EEE19B7EC3C1B174")])
    code, _, err = _cli(tmp_path, "t.json", _dump_deep(doc))
    assert code == 2 and "name: expected a string, got [[[...]]]" in err and len(err) < 2000, err


def _dump_deep(doc: Any) -> bytes:
    """orjson refuses to write 255+ levels; splice the deep name in as text (what an exporter could send)."""
    name = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0].pop("name")
    depth = 0
    while isinstance(name, list):
        name, depth = name[0], depth + 1
    text = orjson.dumps(doc).decode()
    marker = '"spanId":"EEE19B7EC3C1B174"'
    return text.replace(marker, f'{marker},"name":{"[" * depth}"x"{"]" * depth}', 1).encode()


def test_a_200_kb_value_is_never_echoed(tmp_path: Path) -> None:
    doc = _otlp([_span("EEE19B7EC3C1B174", name=["a" * 200_000])])
    code, _, err = _cli(tmp_path, "t.json", orjson.dumps(doc))
    assert code == 2 and "name: expected a string" in err and len(err) < 2000, len(err)


# ---------------------------------------------------------------- times beyond 64 bits

@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_jaeger_duration_of_2_to_the_64_ns_skips_the_span(tmp_path: Path, fmt: str) -> None:
    doc = copy.deepcopy(JAEGER)
    doc["data"].append(copy.deepcopy(doc["data"][0]))
    other = doc["data"][1]
    for span in other["spans"]:
        span["traceID"] = "1af7651916cd43dd"
    other["spans"][1]["references"][0]["traceID"] = "1af7651916cd43dd"
    # 2^64 ns = 18,446,744,073,709,551,616 ns = 18,446,744,073,709,551.616 µs: beyond any real span
    other["spans"][1]["duration"] = 18_446_744_073_709_552
    code, out, err = _cli(tmp_path, "j.json", orjson.dumps(doc), "--format", fmt)
    assert code == 0  # the first trace is analysed; the second is skipped with a reason
    if fmt == "json":
        [skip] = orjson.loads(out)["skipped"]
        assert (skip["record"], skip["field"]) == ("span 2", "duration") and "out of range" in skip["message"]
    else:
        assert "j.json: span 2: duration: time" in err and "is out of range (0 to 2^63-1 ns" in err, err


def test_otlp_start_of_minus_2_to_the_63_is_out_of_range(tmp_path: Path) -> None:
    doc = _otlp([_span("EEE19B7EC3C1B174", start=str(-(2 ** 63)))])
    code, _, err = _cli(tmp_path, "t.json", orjson.dumps(doc), "--format", "json")
    assert code == 2 and "startTimeUnixNano: time -9223372036854775808 ns is out of range" in err, err


def test_render_takes_any_integer() -> None:
    from graphtrace.render.json import render_json
    from graphtrace.render.units import format_ms

    # 2^64 ns / 10^6 = 18,446,744,073,709.551616 ms -> 18,446,744,073,709.55
    assert format_ms(2 ** 64) == "18,446,744,073,709.55"
    assert render_json({"n": 2 ** 64 + 1}, indent=False) == '{"n":"18446744073709551617"}'


# ---------------------------------------------------------------- protobuf start time 0

def _proto(start: int, end: int) -> bytes:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    msg = ExportTraceServiceRequest()
    rs = msg.resource_spans.add()
    kv = rs.resource.attributes.add()
    kv.key, kv.value.string_value = "service.name", "cart"
    span = rs.scope_spans.add().spans.add()
    span.trace_id, span.span_id = bytes.fromhex(TRACE), bytes.fromhex("eee19b7ec3c1b174")
    span.name, span.start_time_unix_nano, span.end_time_unix_nano = "GetCart", start, end
    return msg.SerializeToString()


def test_protobuf_start_time_0_is_1970_not_missing(tmp_path: Path) -> None:
    path = tmp_path / "t.pb"
    path.write_bytes(_proto(0, 1_700_000_000_000_000_000))
    traces, skipped = _skipped(path)
    assert skipped == []
    [span] = traces[0].spans
    assert (span.start_ns, span.end_ns) == (0, 1_700_000_000_000_000_000)


def test_protobuf_span_without_any_time_is_skipped_as_missing(tmp_path: Path) -> None:
    path = tmp_path / "t.pb"
    path.write_bytes(_proto(0, 0))
    traces, skipped = _skipped(path)
    assert traces == [] and len(skipped) == 1 and "startTimeUnixNano: missing" in skipped[0], skipped


# ---------------------------------------------------------------- event attributes as a list

def test_event_attributes_given_as_a_list_are_rejected_when_read(tmp_path: Path) -> None:
    # ClickHouse otel_traces exported with nested Events as objects (JSONEachRow); Attributes a list
    row = {"Timestamp": "2023-11-14 22:13:20.123456789", "TraceId": TRACE, "SpanId": "eee19b7ec3c1b174",
           "ParentSpanId": "", "SpanName": "GET /cart", "SpanKind": "Server", "ServiceName": "frontend",
           "Duration": 5000000, "StatusCode": "Ok",
           "Events": [{"Timestamp": "2023-11-14 22:13:20.124", "Name": "retry", "Attributes": [["k", "v"]]}]}
    path = tmp_path / "rows.ndjson"
    path.write_bytes(orjson.dumps(row) + b"\n")
    traces, skipped = _skipped(path)
    # before the fix the span was accepted, ingested, and only `check` failed, without naming the trace
    assert traces == [] and len(skipped) == 1, skipped
    assert "events.attributes: expected an object of key: value, got a list" in skipped[0]
    assert TRACE in skipped[0]


# ---------------------------------------------------------------- #10.7: non-trace files in a directory

def test_non_trace_files_in_a_directory_are_left_out_and_counted(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_bytes(orjson.dumps(_otlp([_span("EEE19B7EC3C1B174")])))
    (tmp_path / "README.md").write_text("# traces from the staging cluster\n")
    (tmp_path / "export.py").write_text("print('export')\n")
    stream = read_traces([tmp_path])
    assert [t.trace_id for t in stream] == [TRACE]
    assert stream.skipped == [] and stream.warnings == []
    assert stream.counters.files_ignored == 2
    assert sorted(p.name for p in stream.ignored) == ["README.md", "export.py"]


def test_a_non_trace_file_named_explicitly_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text("# not a trace\n")
    with pytest.raises(InputError):  # read, and reported: the user asked for this file
        list(read_traces([path], strict=True))
