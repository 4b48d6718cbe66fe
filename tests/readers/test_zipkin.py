"""Zipkin v2 reader: shared ids, fragments, missing timestamps."""

import hashlib

from graphtrace.model import SpanKind, StatusCode
from graphtrace.readers import read_traces

T0 = 1_700_000_000_000_000  # µs, the root's timestamp in the fixture


def test_shared_span_split_and_fragments(fixtures):
    stream = read_traces([fixtures / "zipkin_shared.json"])
    [trace] = list(stream)
    spans = {s.span_id: s for s in trace.spans}
    # documented rule: the CLIENT half's id is the first 16 hex of sha256("<id>:client")
    client_id = hashlib.sha256(b"b7ad6b7169203331:client").hexdigest()[:16]
    client, server = spans[client_id], spans["b7ad6b7169203331"]
    assert client.kind is SpanKind.CLIENT and server.kind is SpanKind.SERVER
    assert client.parent_span_id == "a2fb4a1d1a96d312" and server.parent_span_id == client_id
    assert client.attributes["zipkin.shared_span_id"] == "b7ad6b7169203331"
    assert client.attributes["peer.service"] == "backend" and client.attributes["net.peer.port"] == 8080
    assert (client.start_ns, client.duration_ns) == ((T0 + 1000) * 1000, 5000 * 1000)
    assert (server.start_ns, server.duration_ns) == ((T0 + 1500) * 1000, 4000 * 1000)
    # a backend child stays under the server half; a frontend child moves to the client half
    assert spans["c1c1c1c1c1c1c1c1"].parent_span_id == "b7ad6b7169203331"
    assert spans["d1d1d1d1d1d1d1d1"].parent_span_id == client_id
    # two fragments of one CLIENT span: timestamp from the first, duration from the second,
    # tags unioned (first value of "a" wins), the annotation becomes an event
    cache = spans["e1e1e1e1e1e1e1e1"]
    assert (cache.start_ns, cache.end_ns) == ((T0 + 6000) * 1000, (T0 + 6500) * 1000)
    assert cache.attributes == {"a": "1", "b": "2"} and cache.parent_span_id == "a2fb4a1d1a96d312"
    assert [(e.name, e.time_ns) for e in cache.events] == [("ws", (T0 + 6100) * 1000)]
    # error tag -> ERROR with its value as message
    slow = spans["f2f2f2f2f2f2f2f2"]
    assert slow.status_code is StatusCode.ERROR and slow.status_message == "timeout"
    assert "error" not in slow.attributes and slow.kind is SpanKind.UNSPECIFIED
    # the span with neither timestamp, duration, annotations nor children is skipped alone, and counted.
    # 9 records -> root, client + server halves, c1, d1, e1 (2 fragments), f2 = 7 spans
    assert "f1f1f1f1f1f1f1f1" not in spans and len(spans) == 7
    [skip] = stream.skipped
    assert "f1f1f1f1f1f1f1f1" in skip.record and skip.field == "timestamp"
    assert stream.counters.spans_skipped == 1


def test_list_of_lists_and_ndjson(tmp_path):
    span = '{"traceId": "%s", "id": "%s", "name": "n", "timestamp": 1, "duration": 1}'
    (tmp_path / "lists.json").write_text("[[%s], [%s]]" % (span % ("a", "1"), span % ("b", "1")))
    (tmp_path / "spans.ndjson").write_text(span % ("c", "1") + "\n" + span % ("c", "2") + "\n")
    traces = list(read_traces([tmp_path / "lists.json", tmp_path / "spans.ndjson"]))
    assert [(t.trace_id[-1], len(t.spans)) for t in traces] == [("a", 1), ("b", 1), ("c", 2)]


def test_annotations_never_stretch_a_span(tmp_path):
    (tmp_path / "z.json").write_text(
        '[{"traceId": "a", "id": "1", "name": "n", "timestamp": 10, '
        '"annotations": [{"timestamp": 10, "value": "cs"}, {"timestamp": 35, "value": "cr"}]}]')
    stream = read_traces([tmp_path / "z.json"])
    [trace] = list(stream)
    # timestamp 10 µs and no duration: [10 µs, 10 µs + 0] as Zipkin's UI; the annotation at
    # 35 µs stays an event and does not move the end
    [span] = trace.spans
    assert (span.start_ns, span.end_ns) == (10_000, 10_000)
    assert [(e.name, e.time_ns) for e in span.events] == [("cs", 10_000), ("cr", 35_000)]
    assert stream.warnings == []
