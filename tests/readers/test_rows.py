"""Flat rows: Parseable NDJSON (one row per event), ClickHouse CSV, --map."""

from graphtrace.model import SpanKind, StatusCode
from graphtrace.readers import read_traces


def test_parseable_rows_per_event_and_float_epochs(fixtures):
    stream = read_traces([fixtures / "parseable_events.ndjson"])
    [trace] = list(stream)
    assert trace.trace_id == "9f0a".rjust(32, "0")
    spans = {s.span_id[-1]: s for s in trace.spans}
    root = spans["1"]
    # 1.7000000001234568e18 is the float nearest 1700000000123456789: floats are 256 ns apart
    # there, 1700000000123456789 = 6640625000482253 * 256 + 21, so the float is ...768.
    assert root.start_ns == 1_700_000_000_123_456_768
    # the end comes from the explicit duration (2.5 ms), not from the end epoch
    assert root.duration_ns == 2_500_000
    assert root.kind is SpanKind.SERVER and root.status_code is StatusCode.ERROR
    assert root.status_message == "bad" and root.service == "web"
    assert root.resource == {"host.name": "h1", "service.name": "web"}
    assert root.attributes == {"http.method": "GET"}  # p_timestamp and span_* columns are not attributes
    # two rows of one span: one span, both events (1.700000000124e18 is exact: 124000000 = 484375 * 256)
    assert [(e.name, e.time_ns, e.attributes) for e in root.events] == [
        ("start", 1_700_000_000_123_456_768, {}),
        ("exception", 1_700_000_000_124_000_000, {"exception.message": "x"})]
    assert spans["2"].parent_span_id == root.span_id and spans["2"].kind is SpanKind.CLIENT
    assert spans["2"].duration_ns == 1000 and spans["2"].events == []
    # span 3: its two rows disagree on the name: first kept, conflict reported naming both rows
    assert spans["3"].name == "first" and [e.name for e in spans["3"].events] == ["e1"]
    [warning] = stream.warnings
    assert "name" in warning.message and "line 4" in warning.message and "line 5" in warning.record
    assert stream.counters.duplicates_merged == 2 and stream.counters.spans_read == 5


def test_clickhouse_csv(fixtures):
    stream = read_traces([fixtures / "clickhouse.csv"])
    [trace] = list(stream)
    root, child = trace.spans
    assert trace.trace_id == "5b8efff798038103d269b633813fc60c"
    # 2023-11-14 22:13:20 UTC is epoch 1700000000; nanosecond fraction kept
    assert root.start_ns == 1_700_000_000_123_456_789 and root.duration_ns == 5_000_000
    assert root.kind is SpanKind.SERVER and root.status_code is StatusCode.ERROR
    assert root.resource == {"host.name": "h1", "service.name": "frontend"}
    assert root.attributes == {"http.method": "GET"}
    assert [(e.name, e.time_ns, e.attributes) for e in root.events] == [
        ("exception", 1_700_000_000_124_000_000, {"exception.message": "x"})]
    assert child.span_id == "000000000001b174" and child.parent_span_id == root.span_id
    assert child.start_ns == 1_700_000_000_124_000_000 and child.kind is SpanKind.CLIENT
    assert child.status_code is StatusCode.UNSET and stream.skipped == []


def test_mapping_for_unknown_columns(fixtures):
    mapping = {"trace_id": "tid", "span_id": "sid", "parent_span_id": "pid", "name": "op",
               "service": "svc", "start_ns": "begin_ns", "duration_ns": "dur"}
    stream = read_traces([fixtures / "mapped.csv"], mapping=mapping)
    [trace] = list(stream)
    root, child = trace.spans
    assert (root.name, root.service, root.start_ns, root.end_ns) == ("root", "alpha", 1000, 1500)
    assert (child.parent_span_id, child.start_ns, child.end_ns) == (root.span_id, 1100, 1200)
    assert root.attributes == {"colour": "red"}


def test_unmapped_unknown_columns_are_skipped_with_a_clear_message(fixtures):
    stream = read_traces([fixtures / "mapped.csv"])
    assert list(stream) == []
    assert all(d.field in ("trace_id",) for d in stream.skipped) and len(stream.skipped) == 2
