"""Zipkin v2 times: a span is [timestamp, timestamp + duration] in µs; no duration means 0;
annotations are events only; spans without any time keep their children attached.

T is the root's timestamp in each fixture, 1,700,000,000,000,000 µs; ns = µs * 1000.
"""

from graphtrace.readers import read_traces

T_NS = 1_700_000_000_000_000 * 1000


def _spans(path):
    stream = read_traces([path])
    [trace] = list(stream)
    return {s.span_id: s for s in trace.spans}, stream


def test_timestamp_without_duration_is_kept_with_duration_zero(fixtures):
    spans, stream = _spans(fixtures / "zipkin_unfinished.json")
    root = spans["6b221d5bc9e6496c"]
    # the unfinished root: timestamp T, no duration -> [T, T]
    assert (root.start_ns, root.end_ns, root.parent_span_id) == (T_NS, T_NS, None)
    # it is the only root: its children name it and are not orphans
    assert [s.span_id for s in spans.values() if s.parent_span_id is None] == ["6b221d5bc9e6496c"]
    assert {s.parent_span_id for s in spans.values()} >= {"6b221d5bc9e6496c"}
    # "render": timestamp T+2600 µs, no duration; its brave.flush 9 s later is an event only
    render = spans["9f0a1b2c3d4e5f60"]
    assert (render.start_ns, render.duration_ns) == (T_NS + 2_600_000, 0)
    assert [(e.name, e.time_ns) for e in render.events] == [("brave.flush", T_NS + 9_002_600_000)]
    assert render.parent_span_id == "6b221d5bc9e6496c"
    assert len(spans) == 5 and stream.skipped == [] and stream.warnings == []


def test_annotation_after_the_span_does_not_stretch_it(fixtures):
    spans, _ = _spans(fixtures / "zipkin_flush.json")
    parent = spans["1111aaaa2222bbbb"]
    # parent: T .. T+100 µs
    assert (parent.start_ns, parent.duration_ns) == (T_NS, 100_000)
    # encode: T+20 µs, no duration -> 0 (the old reader made it end at brave.flush: 9 s)
    encode = spans["3333cccc4444dddd"]
    assert (encode.start_ns, encode.end_ns) == (T_NS + 20_000, T_NS + 20_000)
    # write: T+40 µs + 30 µs = T+70 µs, whatever its annotations say (ws at +45, flush at +9 s)
    write = spans["5555eeee6666ffff"]
    assert (write.start_ns, write.end_ns) == (T_NS + 40_000, T_NS + 70_000)
    assert [e.name for e in write.events] == ["ws", "brave.flush"]


def test_spans_without_time(fixtures):
    spans, stream = _spans(fixtures / "zipkin_timeless.json")
    # "build report" has no timestamp, duration or annotation, but two timed children:
    # query at T+1000 µs and load template at T+500 µs -> placed at the earlier, T+500 µs, length 0
    build = spans["1a2b3c4d5e6f7081"]
    assert (build.start_ns, build.end_ns) == (T_NS + 500_000, T_NS + 500_000)
    assert build.parent_span_id == "00f067aa0ba902b7"
    assert spans["2b3c4d5e6f708192"].parent_span_id == "1a2b3c4d5e6f7081"
    assert spans["3c4d5e6f708192a3"].parent_span_id == "1a2b3c4d5e6f7081"
    # "cache get": duration 300 µs, no timestamp -> starts at its annotation T+4000 µs, ends T+4300 µs
    cache = spans["5e6f708192a3b4c5"]
    assert (cache.start_ns, cache.end_ns) == (T_NS + 4_000_000, T_NS + 4_300_000)
    # "audit": no time at all and no children -> skipped alone and counted; 6 records - 1 = 5 spans
    assert "4d5e6f708192a3b4" not in spans and len(spans) == 5
    [skip] = stream.skipped
    assert skip.record == "span 4d5e6f708192a3b4" and skip.field == "timestamp"
    assert stream.counters.spans_skipped == 1
    # one warning for the annotation start (once per file), one for the span placed at its child
    assert sorted(w.record for w in stream.warnings) == ["span 1a2b3c4d5e6f7081", "span 5e6f708192a3b4c5"]


def test_zero_and_negative_times_are_absent_as_in_zipkin(tmp_path):
    (tmp_path / "z.json").write_text(
        '[{"traceId": "a", "id": "1", "name": "root", "timestamp": 100, "duration": -5},'
        ' {"traceId": "a", "id": "2", "parentId": "1", "name": "c", "timestamp": 0, "duration": 7,'
        '  "annotations": [{"timestamp": 120, "value": "x"}]}]')
    spans, _ = _spans(tmp_path / "z.json")
    # root: duration -5 reads as absent -> [100 µs, 100 µs]; child: timestamp 0 is absent,
    # so it starts at its annotation 120 µs and lasts 7 µs -> [120, 127] µs
    assert (spans["0000000000000001"].start_ns, spans["0000000000000001"].end_ns) == (100_000, 100_000)
    assert (spans["0000000000000002"].start_ns, spans["0000000000000002"].end_ns) == (120_000, 127_000)
