"""In-memory benchmark stages, each streaming its input so memory stays bounded by one trace.

Every function takes the NDJSON file and returns plain numbers.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import orjson

from graphtrace.synth import GenOptions, SlowEdge, generate
from graphtrace.writers import write_lines


class TimedIter:
    """Wrap an iterator and add the time spent producing each item to ``seconds``.

    Lets a consumer (analysis, ingest) be timed apart from the reader that feeds it.
    """

    def __init__(self, items) -> None:
        self._it, self.seconds, self.count = iter(items), 0.0, 0

    def __iter__(self) -> Iterator:
        return self

    def __next__(self):
        t = time.perf_counter()
        try:
            item = next(self._it)
        finally:
            self.seconds += time.perf_counter() - t
        self.count += 1
        return item


def write_dataset(path: Path, n: int, spans_per_trace: int | None = None, fmt: str = "otlp") -> int:
    """``n`` generated traces (fan-out 8, frontend -> cart 20x slower from half-way) into ``path``."""
    opts = GenOptions(traces=n, fan_out=8, spans_per_trace=spans_per_trace,
                      slow_edges=[SlowEdge(callee="cart", factor=20, from_fraction=0.5)])
    spans = 0
    with path.open("wb") as fh:
        for trace in generate(opts):
            spans += len(trace.spans)
            fh.write(write_lines([trace], fmt))
    return spans


def parse_floor(path: Path) -> tuple[int, float]:
    """The physical reference: bare ``orjson.loads`` of every line, counting spans."""
    t = time.perf_counter()
    count = 0
    with path.open("rb") as fh:
        for line in fh:
            doc = orjson.loads(line)
            for rs in doc["resourceSpans"]:
                for ss in rs["scopeSpans"]:
                    count += len(ss["spans"])
    return count, time.perf_counter() - t


def read_only(path: Path) -> tuple[int, float]:
    """``read_traces`` over the file, spans counted and traces dropped."""
    from graphtrace.readers import read_traces

    t = time.perf_counter()
    spans = sum(len(trace.spans) for trace in read_traces([str(path)]))
    return spans, time.perf_counter() - t


def read_and_analyze(path: Path) -> dict[str, float]:
    """Read and analyse every trace in one stream: total seconds and the analysis share."""
    from graphtrace.analysis.analyze import analyze_trace
    from graphtrace.readers import read_traces

    stream = TimedIter(read_traces([str(path)]))
    spans, analysis = 0, 0.0
    t0 = time.perf_counter()
    for trace in stream:
        t = time.perf_counter()
        spans += analyze_trace(trace).span_count
        analysis += time.perf_counter() - t
    total = time.perf_counter() - t0
    return {"spans": spans, "total_s": total, "read_s": stream.seconds, "analyze_s": analysis}
