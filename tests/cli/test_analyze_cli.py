"""``graphtrace analyze`` as a real process: exit codes, stdout, ``Error: ...`` on stderr, no tracebacks.

Expected numbers for the example trace come from the hand derivation in
examples/README.md ("Numbers derived by hand"), not from running graphtrace:
  trace duration 1,080,960,237 ns -> 1,080.96 ms; 25 spans; 5 services;
  AddItem: duration 1,066,789,345 -> 1,066.79 ms, self 1,064,627,782 -> 1,064.63 ms,
           critical-path 1,065,627,782 -> 1,065.63 ms, share 1,065,627,782 / 1,080,960,237 = 0.98582 -> 98.6%;
  dns.lookup owns no critical-path time (no ★); tcp.connect owns 778,763 ns (★);
  the root owns 553,673 ns of the path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from graphtrace.analysis.report import AnalysisOutput
from graphtrace.jobs.analyze import normalize_trace_id
from graphtrace.readers.columns import parse_mapping
from graphtrace.jobs.analyze import analysed_reports
from graphtrace.errors import InputError
from graphtrace.model import Span, Trace

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "otel-demo-add-to-cart.json"
TRACE_ID = "971a659583cb354ebf2a7babf50db2f8"
OTHER_ID = "0123456789abcdef0123456789abcdef"
THIRD_ID = "fedcba9876543210fedcba9876543210"
ADD_ITEM = "0ebfca528fb2a3c7"


def _cli() -> str:
    exe = ROOT / ".venv" / "bin" / "graphtrace"
    if exe.exists():
        return str(exe)
    found = shutil.which("graphtrace") or str(Path(sys.executable).parent / "graphtrace")
    return found


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([_cli(), "analyze", *args], input=stdin, capture_output=True, cwd=ROOT, timeout=120)


def assert_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, (proc.returncode, err)
    assert "Traceback" not in err, err
    assert err.startswith("Error: "), err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


@pytest.fixture(scope="module")
def text_run() -> subprocess.CompletedProcess:
    return run(str(EXAMPLE))


@pytest.fixture(scope="module")
def json_run() -> subprocess.CompletedProcess:
    return run(str(EXAMPLE), "--format", "json")


def _ndjson(*lines: bytes) -> bytes:
    return b"".join(line + b"\n" for line in lines)


def _doc(trace_id: str = TRACE_ID) -> bytes:
    """The example as one compact NDJSON line, its trace id replaced."""
    return orjson.dumps(orjson.loads(EXAMPLE.read_bytes())).replace(TRACE_ID.encode(), trace_id.encode())


@pytest.fixture(scope="module")
def three_traces(tmp_path_factory) -> Path:
    """NDJSON: the example's spans under TRACE_ID, OTHER_ID and THIRD_ID, one document a line."""
    path = tmp_path_factory.mktemp("three") / "three.ndjson"
    path.write_bytes(_ndjson(_doc(), _doc(OTHER_ID), _doc(THIRD_ID)))
    return path


def test_example_text_report(text_run):
    assert text_run.returncode == 0, text_run.stderr.decode()
    out = text_run.stdout.decode("utf-8")
    lines = out.splitlines()
    assert lines[:4] == [f"Trace     {TRACE_ID}", "Duration  1,080.96 ms", "Spans     25",
                         "Services  5: cart, frontend, frontend-proxy, load-generator, product-catalog"]
    assert "\x1b" not in out  # not a TTY: no ANSI
    [add_item] = [ln for ln in lines if "grpc.oteldemo.CartService/AddItem (CLIENT)" in ln]
    assert "★ [frontend] grpc.oteldemo.CartService/AddItem (CLIENT)" in add_item
    # Widest duration is the root's "1,080.96" and widest self AddItem's own: no padding on this line.
    assert add_item.endswith(" 1,066.79 ms  self 1,064.63 ms")
    [dns] = [ln for ln in lines if "dns.lookup" in ln and "ms  self" in ln]
    # The tree is 8 levels deep: it fits 100 columns with 2-column guides (render/tree.py), and AddItem's
    # children (dns.lookup first, tcp.connect second of three) hang under a guide.
    assert "★" not in dns and "│ ├ [frontend] dns.lookup (CLIENT)" in dns
    [tcp] = [ln for ln in lines if "tcp.connect" in ln and "ms  self" in ln]
    assert "│ ├ ★ [frontend] tcp.connect (INTERNAL)" in tcp
    assert max(len(ln) for ln in lines) <= 100


def test_example_critical_path_and_bottleneck_rows(text_run):
    lines = text_run.stdout.decode("utf-8").splitlines()
    cp = lines.index("Critical path")
    cp_rows = lines[cp + 4:lines.index("Bottlenecks")]
    [row] = [r for r in cp_rows if ADD_ITEM in r]
    assert row.split()[-2:] == ["1,065.63", "98.6%"]
    [root_row] = [r for r in cp_rows if "5ecdd5c42a31c2e5" in r]
    assert root_row.split()[0] == "1" and root_row.split()[-2] == "0.55"  # 553,673 ns, first on the path
    assert not [r for r in cp_rows if "20477715a96a4d58" in r]  # dns.lookup is not on the path
    first_bottleneck = lines[lines.index("Bottlenecks") + 4]
    assert ADD_ITEM in first_bottleneck and first_bottleneck.split()[-1] == "98.6%"


def test_example_json_matches_the_schema_and_the_hand_numbers(json_run):
    assert json_run.returncode == 0, json_run.stderr.decode()
    output = AnalysisOutput.model_validate_json(json_run.stdout)
    [trace] = output.traces
    assert (trace.trace_id, trace.span_count, trace.duration_ns) == (TRACE_ID, 25, 1_080_960_237)
    spans = {s.span_id: s for s in trace.spans}
    assert spans[ADD_ITEM].self_time_ns == 1_064_627_782
    assert spans[ADD_ITEM].critical_path_ns == 1_065_627_782
    assert spans["5ecdd5c42a31c2e5"].critical_path_ns == 553_673
    assert spans["20477715a96a4d58"].critical_path_ns == 0
    assert output.skipped == []


def test_json_ordering_guarantees_of_docs_json_schema_md(json_run):
    [trace] = AnalysisOutput.model_validate_json(json_run.stdout).traces
    starts = [s.start_ns for s in trace.critical_path]
    assert starts == sorted(starts)
    assert sum(s.duration_ns for s in trace.critical_path) == trace.duration_ns  # sections tile the root
    cps = [b.critical_path_ns for b in trace.bottlenecks]
    assert cps == sorted(cps, reverse=True) and len(cps) <= 5
    assert trace.services == sorted(trace.services)
    # spans: depth first, children by (start, end, id): each span's parent precedes it, depth = parent's + 1.
    index = {s.span_id: i for i, s in enumerate(trace.spans)}
    for s in trace.spans:
        if s.parent_span_id in index:
            assert index[s.parent_span_id] < index[s.span_id]
            assert s.depth == trace.spans[index[s.parent_span_id]].depth + 1


def test_markdown_format():
    proc = run(str(EXAMPLE), "--format", "markdown")
    assert proc.returncode == 0, proc.stderr.decode()
    md = proc.stdout.decode("utf-8")
    assert md.startswith(f"## Trace `{TRACE_ID}`\n")
    assert "```text\n" in md and "| # | span | service |" in md


def test_stdin_gives_the_same_report(text_run):
    proc = run("-", stdin=EXAMPLE.read_bytes())
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == text_run.stdout


def test_unknown_trace_id():
    proc = run(str(EXAMPLE), "--trace-id", "00000000000000000000000000000bad")
    assert_error(proc, "trace 00000000000000000000000000000bad not found in", "otel-demo-add-to-cart.json")
    assert proc.stdout == b""


def test_trace_id_is_case_insensitive_for_hex(three_traces):
    proc = run(str(three_traces), "--trace-id", OTHER_ID.upper(), "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    assert [t.trace_id for t in AnalysisOutput.model_validate_json(proc.stdout).traces] == [OTHER_ID]


def test_limit_traces(three_traces):
    every = AnalysisOutput.model_validate_json(run(str(three_traces), "-f", "json").stdout)
    assert [t.trace_id for t in every.traces] == [TRACE_ID, OTHER_ID, THIRD_ID]
    two = AnalysisOutput.model_validate_json(run(str(three_traces), "-f", "json", "--limit-traces", "2").stdout)
    assert [t.trace_id for t in two.traces] == [TRACE_ID, OTHER_ID]


def test_a_bad_line_is_skipped_and_reported_or_fatal_under_strict(tmp_path):
    path = tmp_path / "mixed.ndjson"
    path.write_bytes(_ndjson(_doc(), b'{"resourceSpans": """oops"""}', _doc(OTHER_ID)))
    proc = run(str(path))
    assert proc.returncode == 0, proc.stderr.decode()
    err = proc.stderr.decode("utf-8")
    assert "1 record skipped" in err and "mixed.ndjson" in err and "Traceback" not in err
    as_json = AnalysisOutput.model_validate_json(run(str(path), "-f", "json").stdout)
    assert [t.trace_id for t in as_json.traces] == [TRACE_ID, OTHER_ID] and len(as_json.skipped) == 1
    assert as_json.skipped[0].file and as_json.skipped[0].file.endswith("mixed.ndjson")
    assert_error(run(str(path), "--strict"), "mixed.ndjson")


def test_truncated_json(tmp_path):
    path = tmp_path / "truncated.json"
    data = EXAMPLE.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_error(run(str(path)), "truncated.json")


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"resourceSpans": [{"resource": {"attributes": "caf\xe9"}}]}'.encode("latin-1"))
    assert_error(run(str(path)), "latin1.json")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.json"
    path.write_bytes(b"")
    assert_error(run(str(path)), "empty.json")


def test_missing_file(tmp_path):
    assert_error(run(str(tmp_path / "nope.json")), "nope.json")


def test_bad_map_and_input_format():
    assert_error(run(str(EXAMPLE), "--map", "trace_id"), "--map", "field=column")
    assert_error(run(str(EXAMPLE), "--input-format", "xml"), "xml")


# In-process: the pieces of the command that take no files.

def _trace(tid: str) -> Trace:
    return Trace(trace_id=tid, spans=[Span(trace_id=tid, span_id="s", start_ns=0, end_ns=1)])


def _fake_analyze(trace: Trace) -> str:
    if trace.trace_id == "bad":
        raise InputError("parent links form a cycle", record="trace bad", field="parent_span_id")
    return f"report {trace.trace_id}"


def test_a_trace_whose_analysis_fails_is_skipped_with_a_diagnostic():
    skipped: list = []
    traces = iter([_trace("a1"), _trace("bad"), _trace("b2")])
    reports = list(analysed_reports(traces, _fake_analyze, trace_id=None, limit=None, strict=False, skipped=skipped))
    assert reports == ["report a1", "report b2"]
    assert [d.text for d in skipped] == ["trace bad: parent_span_id: analysis failed: parent links form a cycle"]


def test_strict_reraises_and_limit_stops():
    with pytest.raises(InputError, match="cycle"):
        list(analysed_reports(iter([_trace("bad")]), _fake_analyze, trace_id=None, limit=None, strict=True,
                              skipped=[]))
    reports = analysed_reports(iter([_trace("a1"), _trace("b2")]), _fake_analyze, trace_id=None, limit=1,
                               strict=False, skipped=[])
    assert list(reports) == ["report a1"]


def test_small_parsers():
    assert parse_mapping(["span_id=SpanId"]) == {"span_id": "SpanId"}
    with pytest.raises(InputError):
        parse_mapping(["=SpanId"])
    assert normalize_trace_id("ABC") == "abc" and normalize_trace_id("Trace-A") == "Trace-A"


def test_an_ascii_stdout_gets_question_marks_not_a_crash():
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    proc = subprocess.run([_cli(), "analyze", str(EXAMPLE)], capture_output=True, cwd=ROOT, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"? [load-generator] user_add_to_cart (INTERNAL)" in proc.stdout
