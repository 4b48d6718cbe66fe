"""``graphtrace diagnose`` on files: JSON ranking, the paragraph, windows over one file, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.diagnose.test_diagnose_owned import BASE, _chain, _slow_c

GT = [str(Path(sys.executable).parent / "graphtrace")]
T0 = 1_732_000_000_000_000_000  # 2024-11-19T07:06:40Z


def _otlp_line(trace) -> str:
    """One OTLP JSON document (as the collector's file exporter writes it) per trace, one per service."""
    by_service: dict[str, list] = {}
    for s in trace.spans:
        by_service.setdefault(s.service, []).append({
            "traceId": s.trace_id.encode().hex().rjust(32, "0"),
            "spanId": s.span_id.encode().hex().rjust(16, "0"),
            "parentSpanId": s.parent_span_id.encode().hex().rjust(16, "0") if s.parent_span_id else "",
            "name": s.name, "kind": {"SERVER": 2, "CLIENT": 3}[s.kind.value],
            "startTimeUnixNano": str(s.start_ns), "endTimeUnixNano": str(s.end_ns),
            "status": {"code": 2} if s.is_error else {}})
    return json.dumps({"resourceSpans": [
        {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": svc}}]},
         "scopeSpans": [{"scope": {"name": "test"}, "spans": spans}]} for svc, spans in by_service.items()]})


def _write(path: Path, traces) -> str:
    path.write_text("\n".join(_otlp_line(t) for t in traces) + "\n")
    return str(path)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*GT, "diagnose", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    base = _write(tmp_path / "b.ndjson", [_chain("b1", T0, BASE), _chain("b2", T0 + 10**8, BASE)])
    inc = _write(tmp_path / "i.ndjson", [_chain("i1", T0 + 10**9, _slow_c(10)), _chain("i2", T0 + 11 * 10**8, _slow_c(10))])
    return base, inc


def test_json_ranking_from_two_files(files):
    proc = _run("--baseline-file", files[0], "--incident-file", files[1], "-f", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    # scores by hand in test_diagnose_owned.py::test_cpu_on_the_leaf_ranks_it_first_with_high_confidence
    assert [(r["service"], round(r["score"], 9)) for r in doc["ranking"]] == [("C", 10.0), ("A", 0.0), ("B", 0.0)]
    assert (doc["culprit"], doc["confidence"]) == ("C", "high")
    assert set(doc["ranking"][0]) >= {"service", "score", "confidence", "owned", "evidence"}


def test_text_paragraph_and_windows_over_one_file(files, tmp_path):
    both = tmp_path / "both.ndjson"
    both.write_text(Path(files[0]).read_text() + Path(files[1]).read_text())
    proc = _run(str(both), "--baseline", "..2024-11-19T07:06:41Z", "--incident", f"{T0 + 10**9}..")
    assert proc.returncode == 0, proc.stderr
    # C owned 9 ms per request (8 processing + half of the 2 ms B->C wire), then 19: +10 ms
    assert proc.stdout.startswith("C owns the slowdown (confidence high, z n/a): its owned latency went from "
                                  "9.00 to 19.00 ms per request (+10.00 ms;")
    assert "C.op processing 8.00 -> 18.00 ms (+10.00 ms)" in proc.stdout and proc.stdout.count("\n") == 1


def test_errors_are_messages_not_tracebacks(files):
    proc = _run(files[0], "--baseline", "2024-11-19T07:06:41Z..2024-11-19T07:06:40Z", "--incident", "..")
    assert proc.returncode == 2 and proc.stderr.startswith("Error: ") and "ends before it starts" in proc.stderr
    proc = _run(files[0], "--baseline", "..2024-11-19T07:06:41Z", "--incident", "2030-01-01T00:00:00Z..")
    assert proc.returncode == 2 and "no trace in the incident window" in proc.stderr
    assert "Traceback" not in proc.stderr
