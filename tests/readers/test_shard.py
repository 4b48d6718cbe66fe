"""Sharded reading: n shards together give what one unsharded read gives, in the same order by tag.

The oracle is the unsharded reader (tested on its own elsewhere): every trace, span,
warning and skip must come out of exactly one shard.
"""

from collections import Counter

import pytest

from graphtrace.readers import read_traces
from graphtrace.model import shard_of

from tests.readers.test_sources import otlp_line

MAPS = {"mapped.csv": {"trace_id": "tid", "span_id": "sid", "parent_span_id": "pid", "name": "op",
                       "service": "svc", "start_ns": "begin_ns", "duration_ns": "dur"}}


def _shape(traces):
    return [(t.trace_id, sorted(s.span_id for s in t.spans)) for t in traces]


def _diagnostics(stream):
    return Counter(d.text for d in stream.warnings), Counter(d.text for d in stream.skipped)


def _sharded(paths, n, **kw):
    tagged, warnings, skipped = [], Counter(), Counter()
    for k in range(n):
        stream = read_traces(paths, shard=(k, n), **kw)
        got = list(stream.tagged())
        assert all(shard_of(t.trace_id, n) == k for _, t in got)
        tagged += got
        w, s = _diagnostics(stream)
        warnings, skipped = warnings + w, skipped + s
    tags = [tag for tag, _ in tagged]
    assert len(set(tags)) == len(tags)
    return [t for _, t in sorted(tagged, key=lambda pair: pair[0])], warnings, skipped


def _mixed_file(path):
    """Interleaved traces, traces back after the window flushed them, a bad line, a span without
    a trace id (reported by shard 0) and a parent cycle (reported by the trace's shard)."""
    lines = []
    for i in range(300):
        lines.append(otlp_line(i % 37 + 1, i + 1, None if i < 37 else (i % 37) + 1 + 0))
    lines.append("{not json")
    lines += [otlp_line(900, 1), otlp_line(900, 2, 1)]
    lines += [otlp_line(1000 + i, 1) for i in range(150)]
    lines.append(otlp_line(900, 3, 1))  # trace 900 again, long after it was flushed
    lines += [otlp_line(950, 1, 2), otlp_line(950, 2, 1)]  # a cycle: the whole trace is skipped
    lines.append('{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"01","name":"x"}]}]}]}')
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("n", [2, 3])
def test_shards_together_equal_one_read(tmp_path, n):
    _mixed_file(tmp_path / "m.ndjson")
    whole = read_traces([tmp_path / "m.ndjson"], window=20)
    expected = _shape(whole)
    got, warnings, skipped = _sharded([tmp_path / "m.ndjson"], n, window=20)
    assert _shape(got) == expected
    assert (warnings, skipped) == _diagnostics(whole)
    # the file exercises what it claims: a re-appearing trace, a bad line, a skipped cycle
    assert any("re-appeared" in w for w in warnings)
    for what in ("invalid JSON line", "traceId: missing id", "parent cycle"):
        assert sum(n for text, n in skipped.items() if what in text) == 1, what


@pytest.mark.parametrize("name", ["clickhouse.csv", "jaeger_bare.ndjson", "jaeger_trace.json", "mapped.csv",
                                  "otlp_bad.ndjson", "otlp_variants.json", "parseable_events.ndjson",
                                  "zipkin_shared.json"])
def test_every_fixture_format(fixtures, name):
    path = fixtures / name
    kw = {"mapping": MAPS[name]} if name in MAPS else {}
    whole = read_traces([path], **kw)
    expected = _shape(whole)
    got, warnings, skipped = _sharded([path], 2, **kw)
    assert _shape(got) == expected and expected
    assert (warnings, skipped) == _diagnostics(whole)


def test_tagged_needs_a_shard(tmp_path):
    (tmp_path / "a.ndjson").write_text(otlp_line(1, 1) + "\n")
    with pytest.raises(Exception, match="sharded"):
        list(read_traces([tmp_path / "a.ndjson"]).tagged())
