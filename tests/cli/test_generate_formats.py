"""graphtrace generate in every output format: what our readers read back is the generated trace,
up to exactly the losses each format documents (µs times, Zipkin's missing INTERNAL kind and resource)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from graphtrace.model import SpanKind
from graphtrace.readers import read_traces
from graphtrace.synth import GenOptions, generate

GT = str(Path(sys.executable).parent / "graphtrace")
OPTS = GenOptions(traces=30, spans_per_trace=30, error_fraction=0.2, seed=5)


def _generated(tmp_path: Path, fmt: str) -> list:
    out = tmp_path / f"g.{fmt}.ndjson"
    proc = subprocess.run([GT, "generate", "-n", "30", "--spans-per-trace", "30", "--error-fraction", "0.2",
                           "--seed", "5", "-f", fmt, "-o", str(out)], capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    stream = read_traces([str(out)])
    traces = list(stream)
    assert not stream.skipped and not stream.warnings
    return traces


def _us(ns: int) -> int:
    return ns // 1000 * 1000  # start truncated to µs; end = truncated start + (truncated end - truncated start)


def _expected(span, fmt: str) -> dict:
    exp = {"parent": span.parent_span_id, "service": span.service, "name": span.name,
           "kind": span.kind, "status": span.status_code, "start": span.start_ns, "end": span.end_ns,
           "attributes": span.attributes, "resource": span.resource}
    if fmt in ("jaeger", "zipkin"):
        exp["start"], exp["end"] = _us(span.start_ns), _us(span.end_ns)
    if fmt == "zipkin":
        if span.kind is SpanKind.INTERNAL:
            exp["kind"] = SpanKind.UNSPECIFIED
        tags = {k: v for k, v in span.resource.items() if k != "service.name"}
        tags.update({k: str(v) for k, v in span.attributes.items()})
        # the writer's ``error`` tag is consumed by the reader as the status (checked above)
        exp["attributes"], exp["resource"] = tags, {"service.name": span.service}
    return exp


def _actual(span) -> dict:
    return {"parent": span.parent_span_id, "service": span.service, "name": span.name, "kind": span.kind,
            "status": span.status_code, "start": span.start_ns, "end": span.end_ns,
            "attributes": span.attributes, "resource": span.resource}


@pytest.mark.parametrize("fmt", ["otlp", "jaeger", "zipkin", "rows"])
def test_every_format_reads_back_as_generated(tmp_path: Path, fmt: str) -> None:
    original = {t.trace_id: t for t in generate(OPTS)}
    read = _generated(tmp_path, fmt)
    assert sorted(t.trace_id for t in read) == sorted(original)
    errors = 0
    for trace in read:
        got = {s.span_id: s for s in trace.spans}
        assert sorted(got) == sorted(s.span_id for s in original[trace.trace_id].spans)
        for span in original[trace.trace_id].spans:
            assert _actual(got[span.span_id]) == _expected(span, fmt), (fmt, span.span_id)
            errors += span.status_code.value == "ERROR"
    assert errors > 0  # the comparison covered error statuses too


def test_spans_per_trace_pads_every_trace_exactly() -> None:
    # fan-out 2 needs at most 4 + 2 * 4 = 12 spans, so 40 is reachable for every trace.
    traces = list(generate(GenOptions(traces=40, fan_out=2, spans_per_trace=40, seed=3)))
    assert {len(t.spans) for t in traces} == {40}
    for trace in traces:  # still one tree: every parent is in the trace, one root
        ids = {s.span_id for s in trace.spans}
        assert sum(s.parent_span_id is None for s in trace.spans) == 1
        assert all(s.parent_span_id in ids for s in trace.spans if s.parent_span_id)


def test_spans_per_trace_below_the_fan_out_keeps_the_fan_out() -> None:
    # fan-out 8 always needs 4 + 8 * 2 + 5 leaves = 25 spans; asking for 10 cannot drop calls.
    traces = list(generate(GenOptions(traces=5, fan_out=8, spans_per_trace=10)))
    assert {len(t.spans) for t in traces} == {25}
