"""``graphtrace analyze`` on the columnar engine prints what it printed on the dict engine, byte for byte.

The reference output is computed here, in the test, by the same command with the dict engine
(``analyze_trace``, checked against networkx and hand derivations in tests/analysis) put back in place
of ``jobs.analyze.analyze_item``; for ``--strict`` JSON it is the whole ``AnalysisOutput`` rendered at
once, as the command did before it wrote reports from columns.  Inputs: every file of ``examples/`` and
of the reader fixtures that reads without options (one command over all of them).
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

import graphtrace.cli  # noqa: F401  (registers the commands)
import graphtrace.jobs.analyze as job
from graphtrace.analysis.analyze import analyze_trace
from graphtrace.analysis.report import AnalysisOutput
from graphtrace.analysis.table.report import TableReport
from graphtrace.cli.app import app
from graphtrace.errors import InputError
from graphtrace.model import Trace
from graphtrace.readers import read_traces
from graphtrace.render.json import render_json
from graphtrace.spantable import SpanTable, from_trace
from tests.analysis.strategies import traces

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "otel-demo-add-to-cart.json"


def _reads(path: Path) -> bool:
    try:
        list(read_traces([path]))
    except InputError:  # e.g. a flat-row table whose duration unit only --map gives
        return False
    return True


FILES = [str(p) for p in sorted([*(ROOT / "examples").glob("*.json"), *(ROOT / "tests/fixtures/readers").iterdir()])
         if p.is_file() and _reads(p)]


def analyze(tmp_path: Path, *args: str) -> bytes:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["analyze", *args, "-o", str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    return out.read_bytes()


@pytest.fixture(autouse=True)
def columnar_for_every_size(monkeypatch):
    """These inputs are small: lower the sizes where the command switches to the columnar path
    (``jobs.analyze.TABLE_MIN_BYTES``/``TABLE_MIN_SPANS``) so that it runs on all of them."""
    monkeypatch.setattr(job, "TABLE_MIN_BYTES", 0)
    monkeypatch.setattr(job, "TABLE_MIN_SPANS", 0)


def test_by_default_small_records_take_the_span_path_and_large_ones_the_columnar(tmp_path, monkeypatch) -> None:
    from bench.analyze_scale import otlp_line

    monkeypatch.undo()  # the command's own sizes
    small = [t for t in job.read_items([str(ROOT / "examples" / "otel-demo-add-to-cart.json")])]
    assert small and all(not isinstance(t, SpanTable) for t in small)
    assert not isinstance(job.analyze_item(small[0]), TableReport)
    big = tmp_path / "big.json"
    big.write_bytes(otlp_line("fanout", 12_000) + b"\n")  # one record of ~2.4 MB, over TABLE_MIN_BYTES
    assert big.stat().st_size > job.TABLE_MIN_BYTES
    [table] = list(job.read_items([str(big)]))
    assert isinstance(table, SpanTable) and table.n == 12_000
    assert isinstance(job.analyze_item(table), TableReport)


@pytest.fixture
def dict_engine(monkeypatch):
    """Run the command as before the columnar engine was wired in: ``read_traces`` and the dict engine."""
    def use() -> None:
        monkeypatch.setattr(job, "read_items", read_traces)
        monkeypatch.setattr(job, "analyze_item", analyze_trace)
    return use


def test_the_command_reads_tables_and_uses_the_columnar_engine_on_these_inputs() -> None:
    tables = [t for f in FILES for t in job.read_items([f])]
    from graphtrace.model import Trace

    read_as_tables = [t for t in tables if isinstance(t, SpanTable)]  # OTLP/Jaeger JSON's fast paths
    read_as_traces = [t for t in tables if isinstance(t, Trace)]  # the other formats, the careful rules
    assert read_as_tables and read_as_traces and len(read_as_tables) + len(read_as_traces) == len(tables)
    # with the sizes lowered to 0 (the fixture above), both go through the columnar engine
    assert all(isinstance(job.analyze_item(t), TableReport) for t in tables)


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_output_equals_the_dict_engines(tmp_path, dict_engine, fmt, jobs) -> None:
    got = analyze(tmp_path, *FILES, "-f", fmt, "-j", jobs)
    dict_engine()
    want = analyze(tmp_path, *FILES, "-f", fmt, "-j", jobs)
    assert got == want and len(want) > 10_000


@pytest.mark.parametrize("options", [["--trace-id", "971A659583CB354EBF2A7BABF50DB2F8"], ["--limit-traces", "3"]])
def test_trace_id_and_limit_equal_the_dict_engines(tmp_path, dict_engine, options) -> None:
    got = analyze(tmp_path, *FILES, "-f", "json", *options)
    dict_engine()
    assert got == analyze(tmp_path, *FILES, "-f", "json", *options)


def test_strict_json_equals_the_whole_document_rendered_at_once(tmp_path) -> None:
    traces = list(read_traces([EXAMPLE]))
    want = render_json(AnalysisOutput(traces=[analyze_trace(t) for t in traces]).model_dump(mode="json"))
    assert analyze(tmp_path, str(EXAMPLE), "-f", "json", "--strict").decode() == want


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traces())
def test_trace_of_a_table_is_analysed_as_the_trace_it_was_made_of(trace: Trace) -> None:
    assert analyze_trace(job.trace_of(from_trace(trace))).model_dump() == analyze_trace(trace).model_dump()


def test_trace_of_keeps_the_attributes_hosts_and_events_the_analysis_reads() -> None:
    compared = 0
    for path in FILES:
        for trace in read_traces([path]):
            try:
                want = analyze_trace(trace).model_dump()
            except InputError:
                continue
            assert analyze_trace(job.trace_of(from_trace(trace))).model_dump() == want
            compared += 1
    assert compared > 20


def test_a_trace_with_times_beyond_2_62_ns_is_analysed_by_the_dict_engine(tmp_path, dict_engine) -> None:
    # 2^62 = 4,611,686,018,427,387,904 ns (year 2116): the root [2^62, 2^62 + 100], a child [2^62 + 10, 2^62 + 70]
    base = 2 ** 62
    span = lambda sid, parent, s, e: {"traceId": "ab" * 16, "spanId": sid, "parentSpanId": parent,  # noqa: E731
                                      "name": sid, "startTimeUnixNano": str(base + s), "endTimeUnixNano": str(base + e)}
    doc = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "shop"}}]},
                              "scopeSpans": [{"spans": [span("a" * 16, "", 0, 100), span("b" * 16, "a" * 16, 10, 70)]}]}]}
    path = tmp_path / "late.json"
    path.write_bytes(orjson.dumps(doc))
    [table] = job.read_items([path])
    report = job.analyze_item(table)
    assert type(report).__name__ == "TraceReport"
    # a owns [0, 10] and [70, 100] of the path: 40 ns; b [10, 70]: 60 ns
    assert [(s.span_id[0], s.critical_path_ns) for s in report.spans] == [("a", 40), ("b", 60)]
    got = analyze(tmp_path, str(path), "-f", "json")
    dict_engine()
    assert got == analyze(tmp_path, str(path), "-f", "json")
