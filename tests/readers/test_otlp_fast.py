"""The msgspec fast path for OTLP JSON gives exactly what the careful (orjson) reader gives.

The reference is always the careful reader, run on the same input with the fast
path switched off (``fast_items`` replaced by "cannot read this"): traces,
warnings, skipped records and counters must be equal, on the fixtures, the
example, generated traces (with small read windows, so traces are split) and
fuzzed records full of the variations and mistakes the careful reader handles.
"""

import gc
import json
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphtrace.model import SpanKind
from graphtrace.readers import otlp_json, read_traces, stream as stream_module, write_otlp_json
from graphtrace.readers.build import SpanItem
from graphtrace.readers.context import ReadContext
from graphtrace.gcpause import paused_gc
from graphtrace.readers.otlp_fast import fast_items
from graphtrace.synth import GenOptions, generate

ROOT = Path(__file__).resolve().parents[2]
OTLP_FILES = [ROOT / "tests/fixtures/readers/otlp_variants.json",
              ROOT / "tests/fixtures/readers/otlp_enum_names.ndjson",
              ROOT / "tests/fixtures/readers/otlp_bad.ndjson",
              ROOT / "examples/otel-demo-add-to-cart.json"]


def _read(paths, fast, monkeypatch, **kwargs):
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(stream_module, "fast_items", lambda data, file, base: None)
        stream = read_traces([str(p) for p in paths], **kwargs)
        traces = list(stream)
    return traces, stream.warnings, stream.skipped, stream.counters


def assert_same(paths, monkeypatch, **kwargs):
    fast = _read(paths, True, monkeypatch, **kwargs)
    careful = _read(paths, False, monkeypatch, **kwargs)
    assert fast[0] == careful[0]
    assert [t.model_dump() for t in fast[0]] == [t.model_dump() for t in careful[0]]
    assert fast[1:] == careful[1:]
    return fast


@pytest.mark.parametrize("path", OTLP_FILES, ids=lambda p: p.name)
def test_fixtures_and_example_identical(path, monkeypatch):
    traces, *_ = assert_same([path], monkeypatch)
    assert traces


def test_whole_document_uses_fast_path():
    data = (ROOT / "examples/otel-demo-add-to-cart.json").read_bytes()
    batch = fast_items(data, "x.json", None)
    careful = [i.span for i in otlp_json.read_document(orjson.loads(data), "x.json", None, ReadContext())]
    assert batch is not None and batch.spans == careful and len(careful) > 10


@pytest.mark.parametrize("window", [1, 7, 10_000])
def test_generated_traces_identical(tmp_path, monkeypatch, window):
    traces = list(generate(GenOptions(traces=40, fan_out=8, seed=7)))
    path = tmp_path / "gen.ndjson"
    # two traces per line, and the file twice: duplicates, and pieces with a small window
    path.write_bytes(b"".join(write_otlp_json(traces[i:i + 2]) for i in range(0, 40, 2)) * 2)
    got, warnings, skipped, counters = assert_same([path], monkeypatch, window=window)
    n_spans = sum(len(t.spans) for t in traces)
    assert counters.spans_read == 2 * n_spans and not skipped
    by_id = lambda ts: {t.trace_id: sorted((s.model_dump(exclude={"ref_type"}) for s in t.spans),  # OTLP
                                          key=lambda s: s["span_id"]) for t in ts}  # says CHILD_OF
    if window == 10_000:  # the second copy only repeats spans of open traces
        assert by_id(got) == by_id(traces) and len(got) == len(traces)
        assert counters.duplicates_merged == n_spans and not warnings
    else:  # traces leave the window early and come back as pieces
        assert len(got) > len(traces) and any("re-appeared" in w.message for w in warnings)


def test_fast_path_is_taken_on_clean_lines(tmp_path):
    traces = list(generate(GenOptions(traces=3, fan_out=4, seed=1)))
    for line in write_otlp_json(traces).splitlines():
        batch = fast_items(line, "f", "line 1")
        careful = list(otlp_json.read_document(orjson.loads(line), "f", "line 1", ReadContext()))
        assert batch is not None and all(type(i) is SpanItem for i in careful)
        assert batch.spans == [i.span for i in careful]


def test_fast_path_takes_enum_names():
    # kind/status as enum names (SPAN_KIND_*, "Client", STATUS_CODE_*, "Error"...) are clean
    # records: the fast path reads them itself and gives the careful reader's spans
    lines = (ROOT / "tests/fixtures/readers/otlp_enum_names.ndjson").read_bytes().splitlines()
    for n, line in enumerate(lines, 1):
        batch = fast_items(line, "f", f"line {n}")
        careful = list(otlp_json.read_document(orjson.loads(line), "f", f"line {n}", ReadContext()))
        assert batch is not None and batch.spans == [i.span for i in careful] and len(careful) == 4


def test_bool_kind_or_status_is_unknown_whatever_came_before(tmp_path, monkeypatch):
    # true == 1 in Python: a cache of parsed kinds must not read "kind": true as 1 (INTERNAL)
    # after it has seen 1.  Line 1 caches 1 for kind and status; lines 2 and 3 use true.
    def line(trace, kind, code):
        return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [{
            "traceId": trace * 16, "spanId": "02" * 8, "startTimeUnixNano": "1", "endTimeUnixNano": "2",
            "kind": kind, "status": {"code": code}}]}]}]})
    path = tmp_path / "bool.ndjson"
    path.write_text("\n".join([line("01", 1, 1), line("03", True, 1), line("05", 1, True)]) + "\n")
    [trace], _, skips, _ = assert_same([path], monkeypatch)
    assert trace.trace_id == "01" * 16 and trace.spans[0].kind is SpanKind.INTERNAL
    assert [(s.field, s.message.split(";")[0]) for s in skips] == [
        ("kind", "unknown span kind True"), ("status.code", "unknown status code True")]


# --- fuzzed records -------------------------------------------------------------------------

ids = lambda width: st.one_of(
    st.integers(0, 16 ** width - 1).map(lambda v: f"{v:0{width}x}"),
    st.integers(0, 16 ** width - 1).map(lambda v: f"{v:X}"),          # upper case, zeros stripped
    st.sampled_from(["", " ", "span-A", "S0jtyZ2ARdmV1M+sGuEA0Q==", "AAAAAAAAAAE=", "0" * width,
                     "ab cd ef 01 23 45 67 89"[:width], "g" * width]),
    st.none(), st.integers(0, 9))
big = st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 10**30])
scalars = st.one_of(st.text(max_size=4), st.integers(-5, 5), big, st.booleans(), st.none(),
                    st.floats(allow_nan=False, allow_infinity=False))
any_values = st.recursive(
    st.one_of(scalars, st.builds(lambda k, v: {k: v}, st.sampled_from(
        ["stringValue", "intValue", "boolValue", "doubleValue", "bytesValue", "otherValue"]), scalars)),
    lambda inner: st.one_of(
        st.builds(lambda vs: {"arrayValue": {"values": vs}}, st.lists(inner, max_size=3)),
        st.builds(lambda kvs: {"kvlistValue": {"values": kvs}}, st.lists(
            st.builds(lambda k, v: {"key": k, "value": v}, st.text(max_size=3), inner), max_size=2)),
        st.lists(inner, max_size=2)), max_leaves=5)
kv_lists = st.one_of(st.none(), st.lists(st.one_of(
    st.builds(lambda k, v: {"key": k, "value": v}, st.sampled_from(["a", "b", "service.name"]), any_values),
    st.just({"value": {"stringValue": "no key"}}), st.just({"key": 3})), max_size=3))
times = st.one_of(st.integers(0, 2**62).map(str), st.integers(0, 2**62), big, st.just("1e3"),
                  st.just(" 12"), st.just(12.0), st.just(12.5), st.none())


clean_values = st.one_of(st.builds(lambda v: {"stringValue": v}, st.text(max_size=4)),
                         st.builds(lambda v: {"intValue": v}, st.integers(-5, 5).map(str)),
                         st.builds(lambda v: {"doubleValue": v}, st.floats(allow_nan=False, allow_infinity=False)),
                         st.builds(lambda v: {"boolValue": v}, st.booleans()))
clean_kvs = st.lists(st.builds(lambda k, v: {"key": k, "value": v}, st.sampled_from(["a", "b", "http.route"]),
                               clean_values), max_size=3)
DIRTY = {  # field -> values the careful reader treats specially (or rejects)
    "traceId": ids(32), "spanId": ids(16), "parentSpanId": ids(16), "startTimeUnixNano": times,
    "endTimeUnixNano": times, "name": st.one_of(st.none(), st.integers(0, 3)),
    "kind": st.one_of(st.integers(-1, 6), st.sampled_from(["SPAN_KIND_CLIENT", "server", "3", "nope",
                                                                  "Client", "SPAN_KIND_UNSPECIFIED", True]),
                      big, st.none(), st.just([1])),
    "status": st.one_of(st.none(), st.just({}), st.just(0), st.just("x"), st.fixed_dictionaries(
        {}, optional={"code": st.one_of(st.integers(0, 3), st.sampled_from(["STATUS_CODE_ERROR", "Ok", "Unset",
                                                                            "STATUS_CODE_UNSET", "Error", True]), big),
                      "message": scalars})),
    "attributes": kv_lists,
    "events": st.one_of(st.none(), st.just({}), st.lists(st.fixed_dictionaries(
        {"timeUnixNano": times}, optional={"name": scalars, "attributes": kv_lists}), max_size=2)),
    "links": st.one_of(st.none(), st.just([3]), st.lists(st.fixed_dictionaries(
        {"traceId": ids(32), "spanId": ids(16)}, optional={"attributes": kv_lists}), max_size=2)),
}


@st.composite
def spans(draw):
    """A clean span (the fast path's business), usually with zero or one dirty field."""
    start = draw(st.integers(0, 2**62))
    span = {"traceId": draw(st.sampled_from(["5b8efff798038103d269b633813fc60c", "0" * 31 + "1"])),
            "spanId": draw(st.integers(1, 40).map(lambda v: f"{v:016x}")),
            "parentSpanId": draw(st.one_of(st.just(""), st.integers(1, 40).map(lambda v: f"{v:016X}"))),
            "name": draw(st.text(max_size=4)), "kind": draw(st.integers(0, 5)),
            "startTimeUnixNano": str(start), "endTimeUnixNano": draw(st.sampled_from([str, int]))(
                start + draw(st.integers(0, 10**6))),
            "status": {"code": draw(st.integers(0, 2)), "message": draw(st.text(max_size=3))},
            "attributes": draw(clean_kvs),
            "events": [{"name": "e", "timeUnixNano": str(start), "attributes": draw(clean_kvs)}],
            "links": [{"traceId": "ab" * 16, "spanId": "cd" * 8}]}
    for key in draw(st.lists(st.sampled_from(sorted(DIRTY)), max_size=2)):
        if draw(st.booleans()):
            span.pop(key, None)
        else:
            span[key] = draw(DIRTY[key])
    return span if draw(st.integers(0, 30)) else draw(st.sampled_from([None, "span", []]))


@st.composite
def records(draw):
    groups = [{**({"scope": draw(st.one_of(st.none(), st.just({}), st.fixed_dictionaries(
        {}, optional={"name": scalars, "version": scalars}), st.just("x")))} if draw(st.booleans()) else {}),
               "spans": draw(st.lists(spans(), max_size=3))} for _ in range(draw(st.integers(0, 2)))]
    key = draw(st.sampled_from(["scopeSpans", "instrumentationLibrarySpans", "scope_spans", "other"]))
    rs = {key: groups}
    if draw(st.booleans()):
        rs["resource"] = draw(st.one_of(st.none(), st.just([]), st.fixed_dictionaries(
            {}, optional={"attributes": kv_lists})))
    return {"resourceSpans": [rs]} if draw(st.integers(0, 20)) else draw(st.sampled_from(
        [{}, {"resourceSpans": None}, {"resourceSpans": {}}, [], "x"]))


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")  # both readers keep non-str keys
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # context() per call
@given(st.lists(records(), min_size=1, max_size=4))
def test_fuzzed_records_identical(tmp_path_factory, monkeypatch, docs):
    path = tmp_path_factory.mktemp("fuzz") / "f.ndjson"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    try:
        assert_same([path], monkeypatch, window=3)
    except AttributeError:  # the careful reader itself fails on a non-object scope
        with pytest.raises(AttributeError):
            _read([path], True, monkeypatch)


def test_integers_orjson_reads_as_floats_fall_back(tmp_path, monkeypatch):
    doc = {"resourceSpans": [{"scopeSpans": [{"spans": [{
        "traceId": "01" * 16, "spanId": "02" * 8, "startTimeUnixNano": "1", "endTimeUnixNano": "2",
        "attributes": [{"key": "n", "value": {"intValue": 10**25}}, {"key": "m", "value": 2**64}]}]}]}]}
    line = json.dumps(doc).encode()
    assert fast_items(line, "f", "line 1") is None
    path = tmp_path / "big.ndjson"
    path.write_bytes(line + b"\n")
    [trace], *_ = assert_same([path], monkeypatch)
    # intValue is an int64 in OTLP: one beyond it is kept as its decimal string (with a warning)
    assert trace.spans[0].attributes == {"n": str(int(float(10**25))), "m": float(2**64)}


def test_bad_line_message_unchanged(tmp_path, monkeypatch):
    def line(trace, start, end):
        return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [{
            "traceId": trace * 16, "spanId": "02" * 8, "startTimeUnixNano": start, "endTimeUnixNano": end}]}]}]})
    path = tmp_path / "neg.ndjson"
    path.write_text(line("01", "1", "2") + "\n" + line("03", "5", "3") + "\n")
    [trace], _, [skip], _ = assert_same([path], monkeypatch)
    assert trace.trace_id == "01" * 16
    assert (skip.record, skip.field) == ("line 2, span 0202020202020202", "endTimeUnixNano")
    assert skip.message.startswith("negative duration")


# --- the collector pause --------------------------------------------------------------------

def test_paused_gc_restores_state_and_lets_consumer_run_with_gc():
    seen = []

    def producer():
        for i in range(3):
            seen.append(gc.isenabled())
            yield [i]
        raise ValueError("boom")

    assert gc.isenabled()
    out = []
    with pytest.raises(ValueError):
        for item in paused_gc(producer()):
            out.append((item, gc.isenabled()))
    assert seen == [False, False, False] and out == [(0, True), (1, True), (2, True)]
    assert gc.isenabled()


def test_paused_gc_respects_a_disabled_collector_and_early_exit():
    closed = []

    def producer():
        try:
            yield [1, 2]
            yield [3]
        finally:
            closed.append(True)

    gc.disable()
    try:
        assert next(iter(paused_gc(producer()))) == 1
        assert not gc.isenabled()
    finally:
        gc.enable()
    stream = paused_gc(producer())
    assert next(stream) == 1
    stream.close()
    assert closed == [True, True] and gc.isenabled()
