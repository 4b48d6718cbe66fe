"""Jaeger JSON reader on hand-written fixtures."""

from graphtrace.model import RefType, SpanKind, StatusCode
from graphtrace.readers import read_traces


def test_jaeger_references_tags_processes(fixtures):
    stream = read_traces([fixtures / "jaeger_trace.json"])
    [trace] = list(stream)
    # "0af7651916cd43dd" and "0000...0AF7651916CD43DD" are one trace once padded to 32 digits
    assert trace.trace_id == "00000000000000000af7651916cd43dd"
    spans = {s.span_id: s for s in trace.spans}
    root, db, worker = spans["0000000000000001"], spans["0000000000000002"], spans["0000000000000003"]
    # µs -> ns: 1700000000000000 µs, 1000 µs long
    assert (root.start_ns, root.end_ns) == (1_700_000_000_000_000_000, 1_700_000_000_001_000_000)
    assert root.kind is SpanKind.SERVER and root.service == "frontend"
    assert root.resource == {"hostname": "web-1", "service.name": "frontend"}
    assert root.attributes == {"http.status_code": 200}
    [log] = root.events
    assert (log.name, log.time_ns, log.attributes) == ("cache miss", 1_700_000_000_000_500_000, {"key": "u1"})
    # CHILD_OF wins over an earlier FOLLOWS_FROM; the FOLLOWS_FROM becomes a link
    assert db.parent_span_id == root.span_id and db.ref_type is RefType.CHILD_OF
    assert [(l.span_id, l.ref_type) for l in db.links] == [("0000000000000009", RefType.FOLLOWS_FROM)]
    assert db.status_code is StatusCode.ERROR and db.kind is SpanKind.CLIENT
    assert db.attributes == {"db.system": "postgresql"}
    assert (db.start_ns, db.duration_ns) == (1_700_000_000_000_100_000, 300_000)
    # only a FOLLOWS_FROM reference: it is the parent, type kept; otel.status_code beats error=false
    assert worker.parent_span_id == db.span_id and worker.ref_type is RefType.FOLLOWS_FROM
    assert worker.status_code is StatusCode.OK and worker.service == "worker"
    assert stream.skipped == [] and stream.warnings == []


def test_jaeger_ndjson_of_bare_traces(fixtures):
    traces = list(read_traces([fixtures / "jaeger_bare.ndjson"]))
    assert [(t.trace_id[-4:], t.spans[0].name, t.spans[0].service, t.spans[0].duration_ns) for t in traces] == [
        ("aaaa", "one", "s1", 2000), ("bbbb", "two", "s2", 3000)]
