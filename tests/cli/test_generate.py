"""graphtrace generate: deterministic output, readable by our own readers, slow edges injected."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

from graphtrace.readers import read_traces

GT = [str(Path(sys.executable).parent / "graphtrace")]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*GT, *args], capture_output=True, timeout=120)


def test_same_seed_same_bytes_and_readable(tmp_path: Path) -> None:
    a, b = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    assert _run("generate", "-n", "20", "-o", str(a)).returncode == 0
    assert _run("generate", "-n", "20", "-o", str(b)).returncode == 0
    assert a.read_bytes() == b.read_bytes()
    stream = read_traces([str(a)])
    traces = list(stream)
    assert len(traces) == 20 and not stream.skipped


def test_injected_slow_edge_is_slower_in_the_second_half(tmp_path: Path) -> None:
    # factor 20 from half-way: the cart server's work is drawn from the same
    # distribution in both halves and multiplied by 20 in the second, so the ratio
    # of medians is about 20 (we allow 10..40 for sampling noise over 100 calls each).
    out = tmp_path / "slow.ndjson"
    proc = _run("generate", "-n", "200", "--fan-out", "8", "--slow-edge", "frontend:cart:20:0.5", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    traces = list(read_traces([str(out)]))
    halves: list[list[int]] = [[], []]
    for i, trace in enumerate(traces):
        for span in trace.spans:
            if span.service == "cart" and span.kind.value == "SERVER":
                halves[i >= 100].append(span.duration_ns)
    assert len(halves[0]) == len(halves[1]) == 100
    ratio = statistics.median(halves[1]) / statistics.median(halves[0])
    assert 10 <= ratio <= 40


def test_bad_slow_edge_is_a_clear_error() -> None:
    proc = _run("generate", "--slow-edge", "frontend-cart")
    assert proc.returncode == 2
    assert b"Error:" in proc.stderr and b"--slow-edge" in proc.stderr and b"Traceback" not in proc.stderr
