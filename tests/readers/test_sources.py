"""Sources: gz, stdin, directories, globs, several files; sniffing; empty and non-UTF-8 files; protobuf."""

import gzip
import io
import sys

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from graphtrace.errors import InputError
from graphtrace.readers import read_traces


def otlp_line(trace: int, span: int, parent: int | None = None) -> str:
    parent_id = "" if parent is None else "%016x" % parent
    return ('{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"s"}}]},'
            '"scopeSpans":[{"spans":[{"traceId":"%032x","spanId":"%016x","parentSpanId":"%s",'
            '"name":"op","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}' % (trace, span, parent_id))


def test_gzip_sniffed_by_magic_not_suffix(tmp_path, fixtures):
    data = (fixtures / "jaeger_trace.json").read_bytes()
    (tmp_path / "trace.dat").write_bytes(gzip.compress(data))
    [trace] = list(read_traces([tmp_path / "trace.dat"]))
    assert len(trace.spans) == 3


def test_stdin(monkeypatch, fixtures):
    data = (fixtures / "jaeger_bare.ndjson").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    traces = list(read_traces(["-"]))
    assert [t.spans[0].name for t in traces] == ["one", "two"]


def test_directory_and_glob_sorted(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.ndjson").write_text(otlp_line(2, 1) + "\n")
    (tmp_path / "sub" / "a.ndjson").write_text(otlp_line(1, 1) + "\n")
    (tmp_path / ".hidden").write_text("garbage")
    # directory: every file below it, sorted by path: b.ndjson < sub/a.ndjson
    assert [t.trace_id[-1] for t in read_traces([tmp_path])] == ["2", "1"]
    assert [t.trace_id[-1] for t in read_traces([str(tmp_path / "**" / "*.ndjson")])] == ["2", "1"]
    with pytest.raises(InputError):
        read_traces([str(tmp_path / "*.nothing")])
    with pytest.raises(InputError):
        read_traces([tmp_path / "missing.json"])


def test_one_trace_split_across_files_and_many_per_file(tmp_path):
    (tmp_path / "1.ndjson").write_text(otlp_line(1, 1) + "\n" + otlp_line(2, 1) + "\n")
    (tmp_path / "2.ndjson").write_text(otlp_line(1, 2, 1) + "\n" + otlp_line(3, 1) + "\n")
    traces = list(read_traces([tmp_path / "1.ndjson", tmp_path / "2.ndjson"]))
    assert sorted((t.trace_id[-1], len(t.spans)) for t in traces) == [("1", 2), ("2", 1), ("3", 1)]


def test_window_flushes_and_reappearing_trace_is_a_second_piece(tmp_path):
    lines = [otlp_line(1, 1)] + [otlp_line(100 + i, 1) for i in range(200)] + [otlp_line(1, 2, 1)]
    (tmp_path / "w.ndjson").write_text("\n".join(lines) + "\n")
    stream = read_traces([tmp_path / "w.ndjson"], window=10)
    traces = list(stream)
    pieces = [t for t in traces if t.trace_id == "%032x" % 1]
    assert [[s.span_id[-1] for s in p.spans] for p in pieces] == [["1"], ["2"]]
    assert len(traces) == 202
    assert any("re-appeared" in w.message for w in stream.warnings)


def test_empty_and_non_utf8_files(tmp_path):
    (tmp_path / "empty.json").write_bytes(b"")
    (tmp_path / "latin1.json").write_bytes('{"traceId": "caf\xe9"}'.encode("latin-1") + b"\xff\xfe\x00")
    stream = read_traces([tmp_path / "empty.json", tmp_path / "latin1.json"])
    assert list(stream) == []
    messages = {d.file.rsplit("/", 1)[-1]: d.message for d in stream.skipped}
    assert messages["empty.json"] == "empty file"
    assert "not UTF-8" in messages["latin1.json"]


def test_unknown_json_shape(tmp_path):
    (tmp_path / "x.json").write_text('{"hello": "world"}')
    stream = read_traces([tmp_path / "x.json"])
    assert list(stream) == [] and "cannot tell the trace format" in stream.skipped[0].message


def test_protobuf_sniffed_and_explicit(tmp_path):
    msg = ExportTraceServiceRequest()
    rs = msg.resource_spans.add()
    attr = rs.resource.attributes.add()
    attr.key, attr.value.string_value = "service.name", "cart"
    span = rs.scope_spans.add().spans.add()
    span.trace_id, span.span_id = bytes.fromhex("0af7651916cd43dd8448eb211c80319c"), bytes.fromhex("b7ad6b7169203331")
    span.parent_span_id = bytes.fromhex("00f067aa0ba902b7")
    span.name, span.kind = "GetCart", 3
    span.start_time_unix_nano, span.end_time_unix_nano = 1_700_000_000_000_000_000, 1_700_000_000_000_000_900
    span.status.code = 2
    (tmp_path / "t.pb").write_bytes(msg.SerializeToString())
    for fmt in (None, "otlp-proto"):
        [trace] = list(read_traces([tmp_path / "t.pb"], input_format=fmt))
        [s] = trace.spans
        assert (s.trace_id, s.span_id, s.parent_span_id) == (
            "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "00f067aa0ba902b7")
        assert (s.service, s.kind.value, s.status_code.value, s.duration_ns) == ("cart", "CLIENT", "ERROR", 900)


def test_explicit_format_and_unknown_format(fixtures):
    [trace] = list(read_traces([fixtures / "jaeger_trace.json"], input_format="jaeger"))
    assert len(trace.spans) == 3
    with pytest.raises(InputError):
        read_traces([fixtures / "jaeger_trace.json"], input_format="xml")


def test_ndjson_sniffed_when_lines_are_long(tmp_path):
    # regression: a partial head (file larger than the sniffing chunk) must still look like NDJSON
    pad = '{"key":"pad","value":{"stringValue":"%s"}}' % ("x" * 100_000)
    line = otlp_line(1, 1).replace('"attributes":[', '"attributes":[' + pad + ",", 1)
    (tmp_path / "long.ndjson").write_text(line + "\n" + otlp_line(2, 1) + "\n")
    assert len(line) > 100_000
    stream = read_traces([tmp_path / "long.ndjson"])
    assert [t.trace_id[-1] for t in stream] == ["1", "2"] and stream.counters.records_read == 2
