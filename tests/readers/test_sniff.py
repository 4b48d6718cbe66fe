"""One JSON document or NDJSON: decided by parsing, not by the shape of the lines (issue #10, 3b).

Each fixture is a single JSON document laid out with one object per line, the way
hand-edited exports and ``jq -c`` pipelines leave them; before, such files were read
as NDJSON and lost every record whose line ended in a comma.
"""

from __future__ import annotations

import orjson
import pytest

from graphtrace.readers import read_traces
from graphtrace.readers.sniff import detect_layout
from graphtrace.readers.sources import open_source


def _by_id(stream):
    return {t.trace_id: t for t in stream}


def test_jaeger_data_array_with_a_trace_per_line(fixtures):
    stream = read_traces([fixtures / "layout_jaeger_data_lines.json"])
    traces = _by_id(stream)
    # two traces (ids padded to 32 digits); alpha: 1 span of 70 µs; beta: root 80 µs + child 30 µs
    alpha, beta = traces["00000000000000001f2e3d4c5b6a7988"], traces["00000000000000002a3b4c5d6e7f8091"]
    assert [(s.service, s.duration_ns) for s in alpha.spans] == [("alpha", 70 * 1000)]
    spans = {s.span_id: s for s in beta.spans}
    assert spans["2a3b4c5d6e7f8091"].duration_ns == 80 * 1000
    assert spans["3b4c5d6e7f809102"].duration_ns == 30 * 1000
    assert spans["3b4c5d6e7f809102"].parent_span_id == "2a3b4c5d6e7f8091"
    assert stream.skipped == [] and stream.counters.records_read == 1  # one document


def test_zipkin_array_with_a_span_per_line(fixtures):
    stream = read_traces([fixtures / "layout_zipkin_array_lines.json"])
    [trace] = list(stream)
    # the three spans of the array, durations 300, 150 and 60 µs
    assert sorted((s.name, s.duration_ns) for s in trace.spans) == [
        ("get /", 300_000), ("get /api", 150_000), ("render", 60_000)]
    assert stream.skipped == []


def test_otlp_document_whose_resource_spans_sit_on_their_own_lines(fixtures):
    stream = read_traces([fixtures / "layout_otlp_lines.json"])
    [trace] = list(stream)
    spans = {s.name: s for s in trace.spans}
    # AddItem: 1714557608000400000 - 1714557608000000000 = 400000 ns; HSET: ...250000 - ...100000 = 150000
    assert (spans["AddItem"].service, spans["AddItem"].duration_ns) == ("cart", 400_000)
    assert (spans["HSET"].service, spans["HSET"].duration_ns) == ("redis", 150_000)
    assert spans["HSET"].parent_span_id == spans["AddItem"].span_id
    assert stream.skipped == []


def test_ndjson_with_a_bad_first_line_stays_ndjson(fixtures):
    stream = read_traces([fixtures / "layout_ndjson_bad_first.ndjson"])
    [trace] = list(stream)
    # line 1 is a Python repr (skipped and reported); lines 2 and 3 are one span each
    assert sorted((s.name, s.duration_ns) for s in trace.spans) == [("get /x", 500_000), ("get /y", 200_000)]
    assert [d.record for d in stream.skipped] == ["line 1"]


def test_a_broken_document_is_one_skip_not_a_skip_per_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[\n{"traceId": "a1", "id": "01", "name": "x", "timestamp": 1, "duration": 1},\n]\n')
    stream = read_traces([path])
    assert list(stream) == []
    [skip] = stream.skipped
    assert skip.record == "document" and "invalid JSON" in skip.message


def _trace_line(i: int) -> str:
    # one Jaeger trace of one span: id 1000+i, start 10 µs apart, duration i+1 µs
    tid = f"{1000 + i:016x}"
    return orjson.dumps({"traceID": tid, "spans": [{
        "traceID": tid, "spanID": tid, "operationName": "op-" + "x" * 200, "references": [],
        "startTime": 1714557600000000 + 10 * i, "duration": i + 1, "processID": "p1", "tags": []}],
        "processes": {"p1": {"serviceName": "big", "tags": []}}}).decode()


def test_a_document_larger_than_the_sniffed_head(tmp_path):
    n = 400  # each line is about 400 bytes: 160 kB, far beyond the 64 kB head
    path = tmp_path / "big.json"
    path.write_text('{"data": [\n' + ",\n".join(_trace_line(i) for i in range(n)) + "\n]}\n")
    opened = open_source(path)
    try:
        assert not opened.complete and detect_layout(opened.head, complete=False) == "document"
    finally:
        opened.close()
    stream = read_traces([path])
    durations = sorted(s.duration_ns for t in stream for s in t.spans)
    assert durations == [(i + 1) * 1000 for i in range(n)] and stream.skipped == []


def test_real_ndjson_larger_than_the_head_is_still_read_line_by_line(tmp_path):
    n = 400
    path = tmp_path / "big.ndjson"
    path.write_text("\n".join(_trace_line(i) for i in range(n)) + "\n")
    opened = open_source(path)
    try:
        assert not opened.complete and detect_layout(opened.head, complete=False) == "ndjson"
    finally:
        opened.close()
    stream = read_traces([path])
    assert sum(1 for _ in stream) == n and stream.counters.records_read == n


@pytest.mark.parametrize("head, complete, layout", [
    # the opening of a document, cut at a line break, whatever its lines look like
    (b'[\n{"a": 1},\n{"a": 2}\n', False, "document"),
    (b'{"data":[\n{"traceID": "a", "spans": []}\n', False, "document"),
    (b'{\n  "resourceSpans": [\n', False, "document"),
    (b'[ {"a": 1}\n, {"a": 2}\n', False, "document"),  # leading-comma style
    # a complete first line followed by more: a document cannot go on, so NDJSON
    (b'{"a": 1}\n{"a": 2}\n{"a', False, "ndjson"),
    (b'[{"a": 1}]\n[{"a": 2}]\n', True, "ndjson"),
    # a cut first record followed by records: not the opening of one document
    (b'{"traceId": "ab", "na\n{"traceId": "ab"}\n', True, "ndjson"),
    # complete, and it does not parse: a broken document, not NDJSON lines
    (b'[\n{"a": 1},\n]\n', True, "document"),
    (b'{"a": 1,\n"b": 2\n', True, "document"),  # truncated
])
def test_layout_decided_by_parsing(head, complete, layout):
    assert detect_layout(head, complete=complete) == layout
