"""The Jaeger reader on the shapes Jaeger's own tools write (issue #10, item 1).

Fixtures (tests/fixtures/readers):
* jaeger_ui_trace.json: the trace object Jaeger UI works on: ``traceID`` on the trace only,
  spans and references without it, UI-only fields (``depth``, ``hasChildren``...) present;
* jaeger_data_object.json: the query API answer with ``data`` an object, not an array;
* jaeger_dup_ids.json: one span id used by two different spans and by an identical copy;
* jaeger_es_dump.ndjson: Jaeger's Elasticsearch/OpenSearch span documents as a bulk file
  (action lines between the spans, tag values as strings, ``tag``/``process.tag`` maps with
  ``@`` for ``.``, two traces interleaved);
* jaeger_es_hits.ndjson: the same documents as elasticdump writes them (``_source`` hits);
* jaeger_es_search.json: a ``_search`` answer (``hits.hits[]._source``), pretty-printed.

All times in the fixtures are µs; expected values are µs * 1000 = ns.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson

from graphtrace.model import RefType, SpanKind, StatusCode
from graphtrace.readers import read_traces

ROOT = Path(__file__).resolve().parents[2]
T0 = 1714557600000000  # µs; the fixtures' times are offsets from here


def _spans(trace):
    return {s.span_id: s for s in trace.spans}


def test_ui_trace_spans_inherit_the_trace_id(fixtures):
    stream = read_traces([fixtures / "jaeger_ui_trace.json"])
    [trace] = list(stream)
    assert trace.trace_id == "5b8aa5a2d2c872e8321cf37308d69df2"
    spans = _spans(trace)
    root, client, server = (spans["051581bf3cb55c13"], spans["5ba1d2b3c4e5f601"],
                            spans["7c2e9d0a1b3f4e55"])
    # root: T0 .. T0+600 µs; client: +100, 350 µs; server: +150, 200 µs
    assert (root.start_ns, root.duration_ns, root.parent_span_id) == (T0 * 1000, 600_000, None)
    assert (client.start_ns, client.duration_ns) == ((T0 + 100) * 1000, 350_000)
    assert (server.start_ns, server.duration_ns) == ((T0 + 150) * 1000, 200_000)
    # references without traceID are references into this trace
    assert (client.parent_span_id, client.ref_type) == (root.span_id, RefType.CHILD_OF)
    assert (server.parent_span_id, server.ref_type) == (client.span_id, RefType.CHILD_OF)
    assert [(s.service, s.kind) for s in (root, client, server)] == [
        ("frontend", SpanKind.SERVER), ("frontend", SpanKind.CLIENT), ("customer", SpanKind.SERVER)]
    assert root.resource == {"hostname": "web-1", "service.name": "frontend"}
    assert server.attributes == {"http.status_code": 200}
    assert stream.skipped == [] and stream.warnings == []


def test_data_as_one_trace_object(fixtures):
    stream = read_traces([fixtures / "jaeger_data_object.json"])
    [trace] = list(stream)
    assert trace.trace_id == "000000000000000000f067aa0ba902b7"  # 16 digits padded to 32
    spans = _spans(trace)
    producer, consumer = spans["00f067aa0ba902b7"], spans["53995c3f42cd8ad8"]
    assert (producer.kind, producer.service, producer.duration_ns) == (SpanKind.PRODUCER, "orders", 40_000)
    # consumer: the FOLLOWS_FROM reference is its parent, type kept; 75 µs from T0+1 s+900 µs
    assert (consumer.parent_span_id, consumer.ref_type) == (producer.span_id, RefType.FOLLOWS_FROM)
    assert (consumer.kind, consumer.service) == (SpanKind.CONSUMER, "billing")
    assert (consumer.start_ns, consumer.duration_ns) == ((T0 + 1_000_900) * 1000, 75_000)
    assert stream.skipped == []


def test_duplicate_span_ids_are_kept_under_derived_ids(fixtures):
    stream = read_traces([fixtures / "jaeger_dup_ids.json"])
    [trace] = list(stream)
    spans = _spans(trace)
    # b2 is used three times: "charge" (twice, identical: merged) and "charge retry" (kept as b2_1,
    # the id Jaeger UI gives the first repeat of an id)
    assert sorted(spans) == ["00000000000000a1", "00000000000000b2", "00000000000000b2_1",
                             "00000000000000c3"]
    first, retry, server = spans["00000000000000b2"], spans["00000000000000b2_1"], spans["00000000000000c3"]
    assert (first.name, first.start_ns, first.duration_ns) == ("charge", (T0 + 2_000_100) * 1000, 200_000)
    assert (retry.name, retry.start_ns, retry.duration_ns) == ("charge retry", (T0 + 2_000_400) * 1000, 500_000)
    assert retry.parent_span_id == "00000000000000a1"
    assert server.parent_span_id == "00000000000000b2"  # a reference to the id means the first span
    assert stream.counters.duplicates_merged == 1
    [warning] = stream.warnings
    assert "00000000000000b2" in warning.message and "00000000000000b2_1" in warning.message
    assert stream.skipped == []


def test_es_dump_with_bulk_lines_tag_maps_and_scattered_traces(fixtures):
    stream = read_traces([fixtures / "jaeger_es_dump.ndjson"], strict=True)  # bulk lines are no skips
    traces = {t.trace_id: t for t in stream}
    assert sorted(traces) == ["0000000000000000e5a1c2d3f4b50617", "4bf92f3577b34da6a3ce929d0e0e4736"]
    spans = _spans(traces["4bf92f3577b34da6a3ce929d0e0e4736"])
    root, db, stock = spans["00f067aa0ba902b7"], spans["b7ad6b7169203331"], spans["e457b5a2e4d86bd1"]
    # root: 2500 µs from T0, a server ("tags" list, values stored as strings by the ES storage)
    assert (root.start_ns, root.duration_ns, root.parent_span_id) == (T0 * 1000, 2_500_000, None)
    assert (root.kind, root.service, root.attributes) == (SpanKind.SERVER, "api", {"http.status_code": 200})
    assert root.resource == {"hostname": "web-1", "service.name": "api"}
    # db: 1200 µs from T0+300; kind from the "tag" map (span@kind), error from the "tags" list
    assert (db.start_ns, db.duration_ns) == ((T0 + 300) * 1000, 1_200_000)
    assert (db.parent_span_id, db.ref_type) == (root.span_id, RefType.CHILD_OF)
    assert (db.kind, db.status_code, db.attributes) == (SpanKind.CLIENT, StatusCode.ERROR,
                                                        {"db.system": "postgresql"})
    assert db.resource == {"host.name": "web-1", "service.name": "api"}
    [log] = db.events
    assert (log.name, log.time_ns, log.attributes) == ("retry", (T0 + 1000) * 1000, {"attempt": 2})
    # stock: FOLLOWS_FROM the root, 400 µs from T0+1800, another service
    assert (stock.parent_span_id, stock.ref_type) == (root.span_id, RefType.FOLLOWS_FROM)
    assert (stock.kind, stock.service, stock.duration_ns) == (SpanKind.CONSUMER, "inventory", 400_000)
    assert stock.attributes == {"messaging.system": "kafka"}
    assert stock.resource == {"k8s.pod.name": "inventory-7d9f8b6c4d-x2x9k", "service.name": "inventory"}
    worker = _spans(traces["0000000000000000e5a1c2d3f4b50617"])
    poll, enqueue = worker["1111111111111111"], worker["2222222222222222"]
    assert (poll.duration_ns, poll.kind, enqueue.duration_ns, enqueue.kind) == (
        50_000, SpanKind.UNSPECIFIED, 20_000, SpanKind.PRODUCER)
    assert enqueue.parent_span_id == poll.span_id
    # 10 lines read: 5 spans and 5 bulk action lines, none of them a skip
    counters = stream.counters
    assert (counters.records_read, counters.spans_read, counters.records_skipped) == (10, 5, 0)
    assert stream.skipped == [] and stream.warnings == []


def test_es_hits_as_elasticdump_writes_them(fixtures):
    stream = read_traces([fixtures / "jaeger_es_hits.ndjson"])
    [trace] = list(stream)
    spans = _spans(trace)
    health, check = spans["9c5ab3d8e1f20417"], spans["0a1b2c3d4e5f6071"]
    assert (health.kind, health.duration_ns, health.attributes) == (SpanKind.SERVER, 90_000,
                                                                    {"http.status_code": 200})
    assert health.resource == {"host.name": "gw-1", "service.name": "gateway"}
    assert (check.kind, check.duration_ns, check.parent_span_id) == (SpanKind.CLIENT, 30_000, health.span_id)
    assert stream.skipped == []


def test_es_search_answer(fixtures):
    stream = read_traces([fixtures / "jaeger_es_search.json"])
    [trace] = list(stream)
    spans = _spans(trace)
    # GET /cart 800 µs, HGET 300 µs starting 100 µs later, its child
    assert (spans["75d3f0e2c1b4a697"].duration_ns, spans["86e4a1f3d2c5b7a8"].duration_ns) == (800_000, 300_000)
    assert spans["86e4a1f3d2c5b7a8"].parent_span_id == "75d3f0e2c1b4a697"
    assert stream.skipped == []


def _es_span(span_id: str, name: str, start: int, duration: int, **extra) -> dict:
    return {"traceID": "00000000000000000000000000000abc", "spanID": span_id, "operationName": name,
            "references": [], "startTime": start, "startTimeMillis": start // 1000, "duration": duration,
            "tags": [], "logs": [], "process": {"serviceName": "svc", "tags": []}, **extra}


def test_duplicates_scattered_over_a_dump_are_renamed_too(tmp_path):
    lines = [_es_span("0000000000000001", "a", 1_000_000, 10), _es_span("0000000000000009", "other", 5, 1),
             _es_span("0000000000000001", "b", 1_000_020, 30), _es_span("0000000000000001", "c", 1_000_060, 5)]
    lines[1]["traceID"] = "0def"  # another trace between them
    path = tmp_path / "dump.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in lines) + b"\n")
    stream = read_traces([path])
    trace = next(t for t in stream if t.trace_id.endswith("abc"))
    # the 2nd and 3rd distinct spans with id ...01 become ..._1 and ..._2, in reading order
    assert {s.span_id: (s.name, s.duration_ns) for s in trace.spans} == {
        "0000000000000001": ("a", 10_000), "0000000000000001_1": ("b", 30_000),
        "0000000000000001_2": ("c", 5_000)}
    assert len(stream.warnings) == 1  # one warning for the trace


def test_start_time_millis_disagreeing_with_start_time_is_warned_once(tmp_path):
    lines = [_es_span("0000000000000001", "a", 1_714_557_600_000_000, 10),
             _es_span("0000000000000002", "b", 1_714_557_600_000_000, 10)]
    for line in lines:
        line["startTimeMillis"] = 1_714_557_600  # seconds, not ms
    path = tmp_path / "dump.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in lines) + b"\n")
    stream = read_traces([path])
    [trace] = list(stream)
    assert trace.spans[0].start_ns == 1_714_557_600_000_000_000  # startTime (µs) is what counts
    [warning] = stream.warnings
    assert warning.field == "startTimeMillis"


def test_an_api_answer_with_errors_and_no_data_is_reported(tmp_path):
    path = tmp_path / "notfound.json"
    path.write_text('{"data": null, "total": 0, "limit": 0, "offset": 0,\n'
                    ' "errors": [{"code": 404, "msg": "trace not found"}]}\n')
    stream = read_traces([path])
    assert list(stream) == []
    [skip] = stream.skipped
    assert "trace not found" in skip.message


def _analyze(path: Path) -> dict:
    # the console script's entry point, run from this checkout in a real process
    cmd = [sys.executable, "-c", "import sys; from graphtrace.cli import main; main(sys.argv[1:])"]
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([*cmd, "analyze", str(path), "--format", "json"], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    return orjson.loads(done.stdout)


def test_cli_analyzes_an_es_dump(fixtures):
    out = _analyze(fixtures / "jaeger_es_dump.ndjson")
    reports = {t["trace_id"]: t for t in out["traces"]}
    api = reports["4bf92f3577b34da6a3ce929d0e0e4736"]
    # spans: root T0..T0+2500, db T0+300..T0+1500, stock T0+1800..T0+2200 (µs)
    assert (api["span_count"], api["duration_ns"]) == (3, 2_500_000)
    assert api["services"] == ["api", "inventory"] and api["root_span_ids"] == ["00f067aa0ba902b7"]
    by_id = {s["span_id"]: s for s in api["spans"]}
    # root self time: 2500 - (1200 + 400) = 900 µs (the two children do not overlap)
    assert by_id["00f067aa0ba902b7"]["self_time_ns"] == 900_000
    assert (by_id["b7ad6b7169203331"]["kind"], by_id["b7ad6b7169203331"]["status"]) == ("CLIENT", "ERROR")
    assert by_id["e457b5a2e4d86bd1"]["depth"] == 1
    worker = reports["0000000000000000e5a1c2d3f4b50617"]
    assert (worker["span_count"], worker["duration_ns"]) == (2, 50_000)
    assert out["skipped"] == [] and out["warnings"] == []


def test_cli_keeps_the_time_of_a_duplicate(fixtures):
    out = _analyze(fixtures / "jaeger_dup_ids.json")
    [report] = out["traces"]
    assert report["span_count"] == 4
    by_id = {s["span_id"]: s for s in report["spans"]}
    # root checkout 1000 µs; children charge 100..300 and charge retry 400..900:
    # self time 1000 - 200 - 500 = 300 µs (800 µs if the retry were dropped)
    assert by_id["00000000000000a1"]["self_time_ns"] == 300_000
    assert by_id["00000000000000b2_1"]["duration_ns"] == 500_000
    assert len(out["warnings"]) == 1


def test_start_time_millis_agreeing_as_decimal_strings_is_not_warned(tmp_path):
    line = _es_span("0000000000000001", "a", 0, 10)
    line["startTime"], line["startTimeMillis"] = "1714557600000123", "1714557600000"  # 1714557600000123 // 1000
    path = tmp_path / "dump.ndjson"
    path.write_bytes(orjson.dumps(line) + b"\n")
    stream = read_traces([path])
    [trace] = list(stream)
    assert trace.spans[0].start_ns == 1_714_557_600_000_123_000 and stream.warnings == []


def test_zipkin_style_shared_client_server_id_in_a_raw_dump(fixtures):
    # jaeger_es_shared.ndjson: the SERVER half of id f1 comes first in the file, the CLIENT second.
    # Jaeger's query service (SpanIDDeduper) gives the SERVER the new id, whatever the order, makes it
    # the CLIENT's child and moves the children of f1 under it.
    stream = read_traces([fixtures / "jaeger_es_shared.ndjson"])
    [trace] = list(stream)
    spans = _spans(trace)
    assert sorted(spans) == ["00000000000000a0", "00000000000000b2", "00000000000000f1", "00000000000000f1_1"]
    client, server, select = spans["00000000000000f1"], spans["00000000000000f1_1"], spans["00000000000000b2"]
    assert (client.kind, client.service, client.parent_span_id) == (SpanKind.CLIENT, "web", "00000000000000a0")
    assert (server.kind, server.service) == (SpanKind.SERVER, "quotes")
    assert (server.parent_span_id, server.ref_type) == (client.span_id, RefType.CHILD_OF)
    assert select.parent_span_id == server.span_id
    assert (client.duration_ns, server.duration_ns) == (800_000, 600_000)
    [warning] = stream.warnings
    assert "00000000000000f1_1" in warning.message and "SERVER" in warning.message


def test_cli_on_a_shared_client_server_id(fixtures):
    out = _analyze(fixtures / "jaeger_es_shared.ndjson")
    [report] = out["traces"]
    by_id = {s["span_id"]: s for s in report["spans"]}
    # web GET /checkout 0..1000 > client 100..900 > server 150..750 > SELECT 200..500 (µs)
    assert [by_id[i]["depth"] for i in ("00000000000000a0", "00000000000000f1", "00000000000000f1_1",
                                        "00000000000000b2")] == [0, 1, 2, 3]
    # self times: client 800 - 600 = 200 µs; server 600 - 300 = 300 µs
    assert by_id["00000000000000f1"]["self_time_ns"] == 200_000
    assert by_id["00000000000000f1_1"]["self_time_ns"] == 300_000
    assert report["services"] == ["quotes", "web"] and out["skipped"] == []
