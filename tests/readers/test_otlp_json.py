"""OTLP JSON reader on hand-written fixtures (tests/fixtures/readers/otlp_*.json*)."""

import base64
import json

import pytest

from graphtrace.errors import InputError
from graphtrace.model import RefType, SpanKind, StatusCode
from graphtrace.readers import read_traces


def by_id(traces):
    return {t.trace_id: {s.span_id: s for s in t.spans} for t in traces}


def test_variants_ids_kinds_status_values(fixtures):
    stream = read_traces([fixtures / "otlp_variants.json"])
    traces = by_id(stream)
    # uppercase hex -> lowercase; both spans carry the same id once lowercased
    main = traces["5b8efff798038103d269b633813fc60c"]
    root = main["eee19b7ec3c1b174"]
    # "1b174" has its leading zeros stripped: left-padded to 16 digits
    child = main["000000000001b174"]
    assert root.parent_span_id is None and root.ref_type is None
    assert child.parent_span_id == "eee19b7ec3c1b174" and child.ref_type is RefType.CHILD_OF
    assert root.kind is SpanKind.SERVER and child.kind is SpanKind.CLIENT  # "SPAN_KIND_SERVER", 3
    assert root.status_code is StatusCode.ERROR and root.status_message == "boom"
    assert child.status_code is StatusCode.OK  # code 1
    # "1700000000000000000" .. "1700000000005000000" as strings: 5 ms
    assert root.start_ns == 1_700_000_000_000_000_000 and root.duration_ns == 5_000_000
    assert child.start_ns == 1_700_000_000_001_000_000  # given as an int
    assert root.service == "frontend" and root.resource == {"service.name": "frontend", "host.name": "h1"}
    assert root.attributes == {"s": "x", "i": 42, "d": 1.5, "b": True, "arr": ["a", 2], "kv": {"k": "v"},
                               "otel.scope.name": "io.opentelemetry.http", "otel.scope.version": "1.2"}
    [event] = root.events
    assert (event.name, event.time_ns, event.attributes) == ("retry", 1_700_000_000_001_000_000, {"attempt": 2})
    [link] = child.links
    assert (link.trace_id, link.span_id, link.attributes) == (
        "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", {"why": "batch"})


def test_enum_names_for_kind_and_status(fixtures):
    # collector file exporter NDJSON, two requests of one trace, kind and status code written as
    # enum names in the spellings exporters use: SPAN_KIND_*, "Client", "client", STATUS_CODE_*,
    # and the short "Unset" / "Error" / "Ok"
    stream = read_traces([fixtures / "otlp_enum_names.ndjson"])
    [spans] = by_id(stream).values()
    got = {sid[-3:]: (s.kind.value, s.status_code.value, s.status_message) for sid, s in spans.items()}
    assert got == {
        "a01": ("SERVER", "UNSET", ""),                  # SPAN_KIND_SERVER, STATUS_CODE_UNSET
        "a02": ("CLIENT", "ERROR", "upstream 503"),      # "Client", "Error" + message
        "a03": ("CLIENT", "OK", ""),                     # "client", "Ok"
        "a04": ("UNSPECIFIED", "UNSET", ""),             # SPAN_KIND_UNSPECIFIED, "Unset"
        "b01": ("SERVER", "ERROR", ""),                  # "Server", "Error"
        "b02": ("CLIENT", "UNSET", ""),                  # SPAN_KIND_CLIENT, status {} (no code)
        "b03": ("PRODUCER", "OK", ""),                   # "Producer", STATUS_CODE_OK
        "b04": ("INTERNAL", "UNSET", ""),                # "Internal", no status
    }
    assert stream.skipped == [] and stream.warnings == [] and stream.counters.spans_skipped == 0
    # the cart server names the checkout client "...a02" (from the other line) as parent
    assert spans["0000000000000b01"].parent_span_id == "0000000000000a02"


def test_enum_names_in_a_document_with_one_span_per_line(fixtures, tmp_path):
    # the same request as one document laid out one span per line: its span lines are
    # complete JSON objects by themselves, yet the input is one document, not NDJSON (read
    # line by line, this trace was skipped: "unknown status code {'code': 'Ok'}")
    request = json.loads((fixtures / "otlp_enum_names.ndjson").read_text().splitlines()[0])
    spans = request["resourceSpans"][0]["scopeSpans"][0].pop("spans")
    head = json.dumps(request).replace('"scope": {', '"spans": [\n%s\n], "scope": {', 1)
    path = tmp_path / "one-per-line.json"
    path.write_text(head % ",\n".join(json.dumps(s) for s in spans) + "\n")
    assert len(path.read_text().splitlines()) == 6  # head, 4 spans, tail
    stream = read_traces([path])
    [trace] = list(stream)
    got = sorted((s.span_id[-3:], s.kind.value, s.status_code.value) for s in trace.spans)
    assert got == [("a01", "SERVER", "UNSET"), ("a02", "CLIENT", "ERROR"), ("a03", "CLIENT", "OK"),
                   ("a04", "UNSPECIFIED", "UNSET")] and stream.skipped == []


def test_legacy_scope_and_base64_ids(fixtures):
    traces = by_id(read_traces([fixtures / "otlp_variants.json"]))
    # independent decoding with the standard library
    trace_id = base64.b64decode("S0jtyZ2ARdmV1M+sGuEA0Q==").hex()
    span_id = base64.b64decode("AAAAAAAAAAE=").hex()
    assert span_id == "0000000000000001"
    span = traces[trace_id][span_id]
    assert span.service == "legacy" and span.kind is SpanKind.CLIENT  # "client"
    assert span.attributes == {"otel.scope.name": "old-lib"}
    assert (span.start_ns, span.end_ns) == (10, 20)


def test_plain_string_ids_kept_with_one_warning_each(fixtures):
    stream = read_traces([fixtures / "otlp_variants.json"])
    traces = by_id(stream)
    hand = traces["trace-X"]
    assert set(hand) == {"span-A", "span-B"} and hand["span-B"].parent_span_id == "span-A"
    assert hand["span-A"].service == "unknown" and hand["span-A"].kind is SpanKind.INTERNAL
    texts = [w.text for w in stream.warnings]
    assert sum("traceId" in t and "not a hex id" in t for t in texts) == 1
    assert sum("spanId" in t and "not a hex id" in t for t in texts) == 1


def test_bad_ndjson_lines_and_traces(fixtures):
    stream = read_traces([fixtures / "otlp_bad.ndjson"])
    traces = by_id(stream)
    t = lambda n: "%032x" % n
    # only trace 1 (line 1) and trace 7 (line 10) survive
    assert set(traces) == {t(1), t(7)}
    skipped = {d.record.split(",")[0]: d for d in stream.skipped}
    assert set(skipped) == {f"line {n}" for n in (2, 3, 4, 5, 6, 7, 8, 9)}
    assert "invalid JSON" in skipped["line 2"].message and "invalid JSON" in skipped["line 3"].message
    assert skipped["line 4"].field == "startTimeUnixNano" and t(2) in skipped["line 4"].message
    assert skipped["line 5"].field == "spanId" and "whole trace" in skipped["line 5"].message
    assert skipped["line 6"].field == "traceId" and "whole trace" not in skipped["line 6"].message
    assert skipped["line 7"].field == "parentSpanId" and "own parent" in skipped["line 7"].message
    assert skipped["line 8"].field == "parent_span_id" and "cycle" in skipped["line 8"].message
    assert skipped["line 9"].field == "endTimeUnixNano" and "negative duration" in skipped["line 9"].message
    assert all(d.file.endswith("otlp_bad.ndjson") for d in stream.skipped)
    # line 10: span 2 twice identical (merged silently), span 1 again renamed (warned, first kept)
    dup = traces[t(7)]
    assert list(dup) == ["%016x" % 1, "%016x" % 2] and dup["%016x" % 1].name == "op"
    assert [w.field for w in stream.warnings] == ["span_id"]
    assert stream.counters.duplicates_merged == 2
    assert stream.counters.traces_yielded == 2 and stream.counters.records_skipped == 2
    assert stream.counters.records_read == 10


def test_strict_raises_on_first_skip(fixtures):
    with pytest.raises(InputError) as info:
        list(read_traces([fixtures / "otlp_bad.ndjson"], strict=True))
    assert info.value.record == "line 2" and info.value.file.endswith("otlp_bad.ndjson")


def test_truncated_whole_document(tmp_path, fixtures):
    text = (fixtures / "otlp_variants.json").read_text()
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2])
    stream = read_traces([path])
    assert list(stream) == []
    [diag] = stream.skipped
    assert diag.record == "document" and "invalid JSON" in diag.message
