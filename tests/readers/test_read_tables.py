"""``read_tables`` gives exactly ``[from_trace(t) for t in read_traces(...)]``, and the same diagnostics.

The oracle is ``read_traces`` (the span readers, each tested on its own against the formats'
reference behaviour) followed by ``spantable.from_trace`` (tested in the spantable and table-tree
tests): every column, the warnings, the skipped records, the ignored files and the counters must
be the same, on every fixture and example, on fuzzed and mutated records, on traces split over
records and files, with duplicates and shards.  The Jaeger fast path has its own test on
hand-written query-API documents, with the expected columns derived by hand from Jaeger's
mapping (µs -> ns, parent from the references).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphtrace.errors import InputError
from graphtrace.readers import bulk, jaeger, otlp_fast, read_tables, read_traces, sniff
from graphtrace.readers import stream as stream_module
from graphtrace.readers.otlp_fast import fast_items
from graphtrace.spantable import KINDS, REF_TYPES, STATUSES, SpanTable, from_trace

from tests.readers.test_otlp_fast import records as otlp_records

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for p in [*(ROOT / "tests/fixtures").rglob("*"), *(ROOT / "examples").glob("*.json")]
               if p.is_file())
MAPS = {"mapped.csv": {"trace_id": "tid", "span_id": "sid", "parent_span_id": "pid", "name": "op",
                       "service": "svc", "start_ns": "begin_ns", "duration_ns": "dur"}}
TRACE = "5b8efff798038103d269b633813fc60c"


def assert_table_equal(got: SpanTable, want: SpanTable) -> None:
    for f in dataclasses.fields(SpanTable):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, np.ndarray):
            assert a.dtype == b.dtype and a.tolist() == b.tolist(), f.name
        else:
            assert a == b, f.name


@contextlib.contextmanager
def batches_of(size):
    """Decode ``size`` spans at a time (0: the default), so that traces cross batch boundaries."""
    default = bulk.BATCH
    bulk.BATCH = size or default
    try:
        yield
    finally:
        bulk.BATCH = default


def both(paths, **kwargs):
    """``read_tables`` and ``from_trace`` of ``read_traces``: tables, warnings, skipped, ignored, counters."""
    out = []
    for read in (read_tables, read_traces):
        stream = read([str(p) for p in paths], **kwargs)
        try:
            items = list(stream)
        except InputError as exc:
            out.append(("raised", exc.args))
            continue
        tables = items if read is read_tables else [from_trace(t) for t in items]
        out.append((tables, stream.warnings, stream.skipped, stream.ignored, stream.counters))
    return out


def assert_same(paths, **kwargs):
    got, want = both(paths, **kwargs)
    assert len(got) == len(want)
    if got[0] == "raised":
        assert got == want
        return got
    assert len(got[0]) == len(want[0])
    for a, b in zip(got[0], want[0]):
        assert_table_equal(a, b)
    assert got[1:] == want[1:]
    return got


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_fixture_and_example(path):
    tables, *_ = assert_same([path], mapping=MAPS.get(path.name))
    assert_same([path], mapping=MAPS.get(path.name), window=3)
    if path.suffix == ".json" and "jaeger" in path.name:
        assert_same([path], input_format="jaeger")


def test_all_inputs_at_once_and_a_directory():
    # the examples directory holds make_formats.py and README.md: ignored files, counted
    tables, _, _, ignored, _ = assert_same([ROOT / "examples", ROOT / "tests/fixtures/readers/jaeger_trace.json"],
                                           window=50)
    assert tables and ignored


def _otlp_line(spans, service="svc"):
    return json.dumps({"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": service}},
        {"key": "host.name", "value": {"stringValue": f"{service}-host"}}]},
        "scopeSpans": [{"scope": {"name": "s"}, "spans": spans}]}]})


def _span(sid, parent="", trace=TRACE, start=100, end=200, name="op", **extra):
    return {"traceId": trace, "spanId": f"{sid:016x}", "parentSpanId": f"{parent:016x}" if parent else "",
            "name": name, "kind": 2, "startTimeUnixNano": str(start), "endTimeUnixNano": str(end), **extra}


def test_trace_split_over_records_and_files(tmp_path):
    a, b = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    a.write_text(_otlp_line([_span(1), _span(2, 1)]) + "\n" + _otlp_line([_span(3, 2, trace="ab")]) + "\n"
                 + _otlp_line([_span(4, 1, attributes=[{"key": "db.statement", "value": {"stringValue": "q"}}],
                                     status={"code": 2}, events=[{"name": "exception", "timeUnixNano": "150"}])],
                              service="db") + "\n")
    b.write_text(_otlp_line([_span(5, 4), _span(6, 5, trace="ab")]) + "\n")
    tables, *_ = assert_same([a, b])
    with batches_of(1):
        assert_same([a, b])
    # one trace of spans 1, 2, 4, 5 (two files, three records), one of 3 and 6
    assert [t.span_id[-1][-1] for t in tables] == ["5", "6"]
    assert tables[0].services == ["svc", "db"] and tables[0].hosts == ["svc-host", "db-host"]
    assert list(tables[0].error_events) == [2] and tables[0].attrs[2] == {"db.statement": "q"}
    assert_same([a, b], window=2)
    assert_same([b, a, b])  # read again from another input: one warning for the trace


def test_duplicates_identical_and_conflicting(tmp_path):
    path = tmp_path / "d.ndjson"
    path.write_text("\n".join([
        _otlp_line([_span(1), _span(2, 1)]),
        _otlp_line([_span(2, 1), _span(3, 1)]),             # span 2 again, identical: merged
        _otlp_line([_span(3, 1, name="other"), _span(4)]),  # span 3 again, different: first kept, warned
        _otlp_line([_span(7), _span(7)]),                   # a repeat inside one record
    ]) + "\n")
    tables, warnings, _, _, counters = assert_same([path])
    assert counters.duplicates_merged == 3 and len(warnings) == 1
    assert tables[0].name[tables[0].span_id.index(f"{3:016x}")] == "op"


def test_jaeger_duplicates_and_mixed_formats(tmp_path):
    dup = ROOT / "tests/fixtures/readers/jaeger_dup_ids.json"
    assert_same([dup])
    # the same trace as OTLP JSON and Jaeger JSON: one trace, read from two inputs
    doc = {"data": [{"traceID": TRACE, "processes": {"p1": {"serviceName": "svc"}}, "spans": [
        {"traceID": TRACE, "spanID": f"{i:016x}", "operationName": "op", "startTime": 1, "duration": 1,
         "processID": "p1", "references": [] if i == 1 else
         [{"refType": "CHILD_OF", "traceID": TRACE, "spanID": f"{1:016x}"}]} for i in (1, 8, 9)]}]}
    (tmp_path / "j.json").write_text(json.dumps(doc))
    (tmp_path / "o.ndjson").write_text(_otlp_line([_span(1, start=1000, end=2000), _span(2, 1)]) + "\n")
    assert_same([tmp_path / "o.ndjson", tmp_path / "j.json"])
    assert_same([tmp_path / "j.json", tmp_path / "j.json"])


def test_cycle_reappearing_trace_and_strict(tmp_path):
    path = tmp_path / "c.ndjson"
    lines = [_otlp_line([_span(1, 2), _span(2, 1)], service="cyc")]  # a parent cycle: trace skipped
    lines += [_otlp_line([_span(1, trace=f"{i:x}")]) for i in range(1, 80)]
    lines += [_otlp_line([_span(9, trace="1")])]  # trace 1 again, after the window flushed it
    path.write_text("\n".join(lines) + "\n")
    _, warnings, skipped, _, _ = assert_same([path], window=4)
    assert skipped and warnings
    assert_same([path], window=4, strict=True)


def test_shards_tag_like_the_span_path(tmp_path):
    paths = [ROOT / "examples/otel-demo-add-to-cart.json", ROOT / "examples/otel-demo-add-to-cart.jaeger.json",
             ROOT / "tests/fixtures/readers/jaeger_dup_ids.json"]
    path = tmp_path / "many.ndjson"
    path.write_text("\n".join(_otlp_line([_span(1, trace=f"{i:x}"), _span(2, 1, trace=f"{i:x}")])
                              for i in range(1, 60)) + "\n")
    for n in (2, 3):
        for k in range(n):
            got = list(read_tables([str(p) for p in [*paths, path]], shard=(k, n), window=16).tagged())
            want = list(read_traces([str(p) for p in [*paths, path]], shard=(k, n), window=16).tagged())
            assert [tag for tag, _ in got] == [tag for tag, _ in want]
            for (_, a), (_, b) in zip(got, want):
                assert_table_equal(a, from_trace(b))


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(otlp_records(), min_size=1, max_size=4), st.sampled_from([2, 3, 10_000]),
       st.sampled_from([1, 2, 0]))
def test_fuzzed_otlp_records(tmp_path_factory, docs, window, batch):
    path = tmp_path_factory.mktemp("fuzz") / "f.ndjson"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    try:
        with batches_of(batch):
            assert_same([path], window=window)
    except AttributeError:  # the careful reader itself fails on a non-object scope (test_otlp_fast)
        with pytest.raises(AttributeError):
            list(read_traces([str(path)]))


_ids = st.one_of(st.integers(1, 6).map(lambda v: f"{v:x}"), st.integers(1, 6).map(lambda v: f"{v:016X}"),
                 st.sampled_from(["", None, 7, "span-x", "AAAAAAAAAAE="]))
_values = st.one_of(st.text(max_size=3), st.integers(-3, 3), st.booleans(), st.none(), st.just(2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.just([1, "a"]))
_tag = st.builds(lambda k, t, v: {"key": k, "type": t, "value": v},
                 st.sampled_from(["span.kind", "error", "otel.status_code", "otel.status_description",
                                  "db.statement", "peer.service", "host.name", "x"]),
                 st.sampled_from(["string", "bool", "int64", "float64", "binary"]),
                 st.one_of(_values, st.sampled_from(["server", "CLIENT", "ERROR", "ok", "nope", "true", "True", "1",
                                                     "12"])))
_clean_tag = st.one_of(
    st.builds(lambda k, v: {"key": k, "type": "string", "value": v},
              st.sampled_from(["db.statement", "peer.service", "http.route", "x", "otel.status_description"]),
              st.text(max_size=3)),
    st.builds(lambda v: {"key": "error", "type": "bool", "value": v}, st.booleans()),
    st.builds(lambda v: {"key": "error", "type": "string", "value": v},
              st.sampled_from(["true", "True", "TRUE", "1", "false", "yes"])),
    st.builds(lambda v: {"key": "otel.status_code", "type": "string", "value": v},
              st.sampled_from(["OK", "ERROR", "UNSET", "STATUS_CODE_ERROR"])),
    st.builds(lambda v: {"key": "n", "type": "int64", "value": v}, st.integers(-5, 5)))
DIRTY = {
    "traceID": _ids, "spanID": _ids, "operationName": st.one_of(st.none(), st.integers(0, 2), st.just("")),
    "startTime": st.one_of(st.integers(-2, 2), st.just("12"), st.just(1.5), st.just(2**63)),
    "duration": st.one_of(st.integers(-2, 2), st.just("3"), st.just(2**62)),
    "references": st.one_of(st.none(), st.just([3]), st.lists(st.fixed_dictionaries(
        {}, optional={"refType": st.sampled_from(["CHILD_OF", "FOLLOWS_FROM", "child_of", "x", None, 1]),
                      "traceID": _ids, "spanID": _ids}), max_size=3)),
    "parentSpanID": _ids, "tags": st.one_of(st.none(), st.just("x"), st.lists(_tag, max_size=4)),
    "tag": st.one_of(st.none(), st.just({"span@kind": "client"})),
    "logs": st.one_of(st.none(), st.lists(st.fixed_dictionaries({}, optional={
        "timestamp": st.one_of(st.integers(0, 9), st.just("x")), "fields": st.lists(_tag, max_size=2)}), max_size=2)),
    "processID": st.one_of(st.none(), st.sampled_from(["p1", "p2", "nope", "", 3])),
    "process": st.one_of(st.none(), st.just({"serviceName": "inline"})),
    "startTimeMillis": st.one_of(st.none(), st.integers(0, 3), st.just("x")),
}


@st.composite
def jaeger_spans(draw):
    start = draw(st.integers(0, 10**9))
    parent = draw(st.integers(1, 6))
    span = {"traceID": draw(st.sampled_from([TRACE, TRACE.upper(), "ab"])),
            "spanID": f"{draw(st.integers(1, 6)):016x}", "operationName": draw(st.sampled_from(["GET", "q"])),
            "references": draw(st.sampled_from([[], [{"refType": "CHILD_OF", "traceID": TRACE,
                                                      "spanID": f"{parent:016x}"}]])),
            "startTime": start, "duration": draw(st.integers(0, 10**6)), "processID": "p1",
            "tags": [{"key": "span.kind", "type": "string", "value": draw(st.sampled_from(["server", "client"]))},
                     *draw(st.lists(_clean_tag, max_size=2))],
            "logs": [{"timestamp": start, "fields": [{"key": "event", "type": "string", "value": "boom"}]}],
            "warnings": None}
    dirty = draw(st.lists(st.sampled_from(sorted(DIRTY)), max_size=2)) if draw(st.integers(0, 3)) == 0 else []
    for key in dirty:
        if draw(st.booleans()):
            span.pop(key, None)
        else:
            span[key] = draw(DIRTY[key])
    return span if draw(st.integers(0, 30)) else draw(st.sampled_from([None, "span", []]))


@st.composite
def jaeger_docs(draw):
    processes = {"p1": {"serviceName": "web", "tags": [{"key": "host.name", "type": "string", "value": "h1"}]},
                 "p2": draw(st.one_of(st.just({}), st.just({"serviceName": "db"}), st.just({"serviceName": 5}),
                                      st.just("x"), st.just({"serviceName": "db", "tags": [{"key": "k"}]})))}
    traces = [{"traceID": draw(st.sampled_from([TRACE, "ab", None])), "spans": draw(st.lists(jaeger_spans(),
                                                                                            max_size=4)),
               "processes": processes, "warnings": None} for _ in range(draw(st.integers(1, 2)))]
    shape = draw(st.sampled_from(["data", "data", "data", "object", "bare", "list", "odd"]))
    if shape == "data":
        return {"data": traces, "total": 0, "limit": 0, "offset": 0, "errors": None}
    if shape == "object":
        return {"data": traces[0]}
    if shape == "bare":
        return traces[0]
    if shape == "list":
        return traces
    return draw(st.sampled_from([{"data": None, "errors": [{"msg": "x"}]}, [], {"data": traces, "hits": 1}]))


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(jaeger_docs(), min_size=1, max_size=3), st.booleans(), st.sampled_from([2, 10_000]),
       st.sampled_from([1, 2, 0]))
def test_fuzzed_jaeger_documents(tmp_path_factory, docs, ndjson, window, batch):
    folder = tmp_path_factory.mktemp("jfuzz")
    if ndjson:
        paths = [folder / "j.ndjson"]
        paths[0].write_text("".join(json.dumps(d) + "\n" for d in docs))
    else:
        paths = [folder / f"j{i}.json" for i in range(len(docs))]
        for p, d in zip(paths, docs):
            p.write_text(json.dumps(d, indent=1))
    with batches_of(batch):
        assert_same(paths, window=window)
        assert_same(paths, window=window, input_format="jaeger")


QUERY_API = {"data": [{"traceID": "00000000000000000000000000abc123", "spans": [
    {"traceID": "abc123", "spanID": "a", "operationName": "GET /cart", "references": [],
     "startTime": 1000, "duration": 50, "processID": "p1", "warnings": None,
     "tags": [{"key": "span.kind", "type": "string", "value": "server"},
              {"key": "http.route", "type": "string", "value": "/cart"}], "logs": []},
    {"traceID": "abc123", "spanID": "b", "operationName": "SELECT",
     "references": [{"refType": "FOLLOWS_FROM", "traceID": "abc123", "spanID": "c"},
                    {"refType": "CHILD_OF", "traceID": "abc123", "spanID": "a"}],
     "startTime": 1010, "duration": 20, "processID": "p2", "warnings": None,
     "tags": [{"key": "span.kind", "type": "string", "value": "client"},
              {"key": "db.statement", "type": "string", "value": "SELECT 1"},
              {"key": "error", "type": "bool", "value": True}],
     "logs": [{"timestamp": 1015, "fields": [{"key": "event", "type": "string", "value": "error"},
                                             {"key": "message", "type": "string", "value": "boom"}]}]},
    {"traceID": "abc123", "spanID": "c", "operationName": "publish",
     "references": [{"refType": "FOLLOWS_FROM", "traceID": "abc123", "spanID": "a"},
                    {"refType": "CHILD_OF", "traceID": "ffff", "spanID": "9"}],
     "startTime": 1040, "duration": 0, "processID": "p1", "warnings": None,
     "tags": [{"key": "otel.status_code", "type": "string", "value": "OK"}], "logs": []}],
    "processes": {"p1": {"serviceName": "frontend", "tags": [{"key": "host.name", "type": "string",
                                                              "value": "web-1"}]},
                  "p2": {"serviceName": "cartdb", "tags": []}}, "warnings": None}],
    "total": 0, "limit": 0, "offset": 0, "errors": None}


@pytest.mark.parametrize("batch", [0, 1, 2])
def test_jaeger_query_api_document_on_the_fast_path(tmp_path, monkeypatch, batch):
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(QUERY_API, indent=2))
    want = assert_same([path])
    monkeypatch.setattr(bulk, "BATCH", batch or bulk.BATCH)  # references to spans of later batches too
    # no span path at all: the careful Jaeger reader and the OTLP span fast path are never called
    monkeypatch.setattr(jaeger, "read_document", lambda *a: pytest.fail("careful reader used"))
    monkeypatch.setattr(stream_module, "fast_items", lambda *a: pytest.fail("span fast path used"))
    [table] = list(read_tables([str(path)]))
    assert_table_equal(table, want[0][0])
    # by hand, from Jaeger's mapping: ids padded to 16/32 hex digits, µs * 1000 = ns,
    # the parent is the first CHILD_OF into the same trace (b: a), else the first FOLLOWS_FROM (c: a;
    # its CHILD_OF points into trace ffff); status from error=true (b) and otel.status_code (c)
    pad = "0" * 15
    assert table.trace_id == "00000000000000000000000000abc123"
    assert table.span_id == [pad + "a", pad + "b", pad + "c"]
    assert table.parent_span_id == [None, pad + "a", pad + "a"]
    assert [REF_TYPES[r] if r >= 0 else None for r in table.ref_type] == [None, "CHILD_OF", "FOLLOWS_FROM"]
    assert table.start_ns.tolist() == [1_000_000, 1_010_000, 1_040_000]
    assert table.end_ns.tolist() == [1_050_000, 1_030_000, 1_040_000]  # start + duration: 1000+50 µs, ...
    assert [KINDS[k] for k in table.kind] == ["SERVER", "CLIENT", "UNSPECIFIED"]
    assert [STATUSES[s] for s in table.status] == ["UNSET", "ERROR", "OK"]
    assert table.services == ["frontend", "cartdb"] and table.service.tolist() == [0, 1, 0]
    assert table.hosts == ["web-1", None] and table.host.tolist() == [0, 1, 0]
    assert table.attrs == [{"http.route": "/cart"}, {"db.statement": "SELECT 1"}, None]
    [event] = table.error_events[1]
    assert (event.name, event.time_ns, event.attributes) == ("error", 1_015_000, {"message": "boom"})


def test_bench_shaped_records_take_the_fast_paths(tmp_path, monkeypatch):
    otlp = tmp_path / "o.json"
    otlp.write_text(_otlp_line([_span(i, i - 1 if i > 1 else 0) for i in range(1, 200)]))
    jdoc = tmp_path / "j.json"
    jdoc.write_text(json.dumps(QUERY_API))
    monkeypatch.setattr(jaeger, "read_document", lambda *a: pytest.fail("careful reader used"))
    monkeypatch.setattr(stream_module, "fast_items", lambda *a: pytest.fail("span fast path used"))
    monkeypatch.setattr(otlp_fast, "_new_span", lambda *a: pytest.fail("a Span was built"))
    tables = list(read_tables([str(otlp), str(jdoc)]))
    assert [t.n for t in tables] == [199, 3]


def test_span_fast_path_takes_what_the_table_path_takes():
    data = (ROOT / "examples/otel-demo-add-to-cart.json").read_bytes()
    assert fast_items(data, "x", None) is not None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789abcdefABCDEF =+/gx", min_size=1, max_size=17), min_size=1, max_size=5))
def test_bulk_ids_are_the_span_paths_ids(raw):
    """bulk.ids gives, for a whole column, what the span path's clean_id gives id by id (or refuses)."""
    try:
        one_by_one = [otlp_fast.clean_id(value, 16, {}) for value in raw]
    except Exception:  # a warning or a missing id: the span path refuses the record
        one_by_one = None
    try:
        column = bulk.ids(list(raw), 16, {})
    except Exception:
        column = None
    assert column == one_by_one


BIG = b'{"resourceSpans": [' + b'{"scopeSpans": []},' * 60_000 + b'{}]}'  # > 1 MiB, one line
HUGE = b'{"resourceSpans": [' + b'{"scopeSpans": []},' * 280_000 + b'{}]}'  # > 4 MiB
HEADS = {  # head -> complete?
    "plain": (BIG, True), "newline": (BIG + b"\n", True),
    "bom-and-blanks": (b"\xef\xbb\xbf \n" + BIG + b"\n \r\n\t", True),
    "bom-line-after": (BIG + b"\n\xef\xbb\xbf\n", True), "two-lines": (BIG + b"\n{}\n", True),
    "formfeed-after": (BIG + b"\n\x0c\n", True), "not-utf8": (BIG[:-3] + b"\xff]}", True),
    "csv-ish": (b"x," + BIG, True), "array": (b"[" + BIG[1:], True), "blank-lines": (b"\n" + BIG + b" \n\n", True),
    "ndjson-cut": (HUGE + b"\n{\"a\": ", False), "ndjson-crlf": (b" " + HUGE + b"\r\n{}\n", False),
    "ndjson-broken": (HUGE[:-1] + b"\n{}\n", False), "ndjson-cut-utf8": (HUGE + b"\n\"\xc3", False),
    "ndjson-bad-utf8": (HUGE[:-2] + b"\xff}\n{}", False), "ndjson-short": (BIG + b"\n{}", False),
}


@pytest.mark.parametrize("name", sorted(HEADS))
def test_huge_first_line_sniffed_as_the_text_rules_say(name, monkeypatch):
    """The bytes shortcut for a huge first line gives what the text rules give (the oracle: the
    same function with the shortcut turned off)."""
    head, complete = HEADS[name]
    fast = sniff.detect_layout(head, complete=complete)
    monkeypatch.setattr(sniff, "_huge_first_line", lambda head, complete: None)
    assert fast == sniff.detect_layout(head, complete=complete)


@pytest.mark.parametrize("where", ["flags", "total", "process-tag", "unread-process", "log-field", "depth"])
def test_a_number_beyond_a_double_anywhere_in_a_jaeger_document(tmp_path, where):
    """orjson refuses 1e999 (read_traces skips the whole document as invalid JSON); msgspec skips
    fields it does not read without looking, so the fast path must refuse it wherever it is."""
    doc = json.loads(json.dumps(QUERY_API))
    span = doc["data"][0]["spans"][0]
    place = {"flags": lambda: span.update(flags="INF"), "total": lambda: doc.update(total="INF"),
             "depth": lambda: span.update(depth="INF"),
             "process-tag": lambda: doc["data"][0]["processes"]["p1"]["tags"].append(
                 {"key": "k", "type": "float64", "value": "INF"}),
             "unread-process": lambda: doc["data"][0]["processes"].update(p9={"serviceName": "INF"}),
             "log-field": lambda: doc["data"][0]["spans"][1]["logs"][0]["fields"].append(
                 {"key": "k", "type": "float64", "value": "INF"})}
    place[where]()
    path = tmp_path / "inf.json"
    path.write_text(json.dumps(doc).replace('"INF"', "1e999"))
    tables, _, skipped, _, _ = assert_same([path])
    assert tables == [] and "invalid JSON" in skipped[0].message
    span_doc = json.dumps(doc).replace('"INF"', "1")
    path.write_text(span_doc)
    tables, *_ = assert_same([path])
    assert len(tables) == 1


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")
@settings(max_examples=200, deadline=None)
@given(otlp_records(), jaeger_docs())
def test_fast_paths_take_only_clean_records(otlp_doc, jaeger_doc):
    """A record the table path takes is one the span path reads without a word: OTLP, one
    ``fast_items`` takes too; Jaeger, one the careful reader reads into drafts only, with no
    warning or skip, and as many spans as the table path made."""
    from graphtrace.readers.context import ReadContext
    from graphtrace.readers.jaeger_dedupe import JaegerSpan
    from graphtrace.readers.jaeger_fast import jaeger_chunks
    from graphtrace.readers.otlp_table import otlp_chunks
    from graphtrace.readers.table_chunks import Interner
    data = json.dumps(otlp_doc).encode()
    chunks = otlp_chunks(data, "f", None, Interner())
    if chunks is not None:
        batch = fast_items(data, "f", None)
        assert batch is not None and len(batch.spans) == sum(c.n for c in chunks)
    data = json.dumps(jaeger_doc).encode()
    chunks = jaeger_chunks(data, "f", None, Interner())
    if chunks is not None:
        ctx = ReadContext()
        items = list(jaeger.read_document(json.loads(data), "f", None, ctx))
        assert all(type(i) is JaegerSpan for i in items) and not ctx.warnings and not ctx.skipped
        assert len(items) == sum(c.n for c in chunks)
