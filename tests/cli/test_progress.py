"""The progress bar (#17 item 4): the CLI's adapter of the progress convention, and the jobs that report.

A bar needs a terminal: the adapter is tested with a rich Console forced to be one, writing into a
buffer; with a console that is not a terminal nothing at all is written.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from graphtrace.analysis.analyze import analyze_trace
from graphtrace.cli.app import app
from graphtrace.cli.progress import bar_wanted, progress_bar
from graphtrace.jobs.analyze import PHASE, ParallelAnalysis, analysed_reports
from graphtrace.readers import read_traces

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "otel-demo-add-to-cart.json"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _terminal() -> tuple[Console, StringIO]:
    buffer = StringIO()
    return Console(file=buffer, force_terminal=True, width=120, color_system=None), buffer


def test_a_known_total_shows_a_bar_count_and_eta():
    console, buffer = _terminal()
    with progress_bar(console=console) as progress:
        assert progress is not None
        for done in range(1, 4):
            progress("checking traces", done, 10)
    shown = ANSI.sub("", buffer.getvalue())
    assert "checking traces" in shown
    assert "3/10" in shown  # done/total
    assert "━" in shown  # the bar
    assert "eta" in shown


def test_an_open_ended_phase_shows_a_count_and_no_bar():
    console, buffer = _terminal()
    with progress_bar(console=console) as progress:
        progress("writing spans", 12_345, None)
    shown = ANSI.sub("", buffer.getvalue())
    assert "writing spans" in shown and "12,345" in shown
    assert "━" not in shown and "eta" not in shown


def test_the_bar_is_transient_and_never_redirects_stdout(capsys):
    console, buffer = _terminal()
    with progress_bar(console=console) as progress:
        progress("reading traces", 1, None)
        print("data line")  # stdout stays stdout while the bar is live
    assert capsys.readouterr().out == "data line\n"
    assert "data line" not in buffer.getvalue()
    # transient: the last thing written erases the display (cursor up + erase line)
    assert buffer.getvalue().endswith("\x1b[2K")


def test_nothing_appears_without_a_terminal():
    buffer = StringIO()
    console = Console(file=buffer, force_terminal=False)
    with progress_bar(console=console) as progress:
        assert progress is None  # the job gets no callback at all
    assert buffer.getvalue() == ""
    assert bar_wanted(console=console) is False


def test_bar_wanted_keeps_machine_output_clean():
    console, _ = _terminal()
    assert bar_wanted(console=console)  # text to stdout, stderr a terminal
    assert not bar_wanted(data=True, console=console)  # JSON or CSV to stdout
    assert bar_wanted(data=True, output=Path("out.json"), console=console)  # JSON to a file
    assert not bar_wanted(data=True, output=Path("-"), console=console)  # '-o -' is stdout


def test_analysed_reports_reports_each_trace():
    calls = []
    reports = list(analysed_reports(iter(read_traces([EXAMPLE])), analyze_trace, trace_id=None,
                                    limit=None, strict=False, skipped=[], progress=lambda *a: calls.append(a)))
    assert len(reports) == 1  # the example file holds one trace
    assert calls == [(PHASE, 1, None)]


def test_parallel_analysis_reports_each_merged_trace(tmp_path):
    # three single-trace files (the example, with its trace id changed by hand in the text)
    text = EXAMPLE.read_text()
    files = []
    for i, new_id in enumerate(["1" * 32, "2" * 32, "3" * 32]):
        path = tmp_path / f"t{i}.json"
        path.write_text(text.replace("971a659583cb354ebf2a7babf50db2f8", new_id))
        files.append(path)
    calls = []
    run = ParallelAnalysis(files, jobs=2, analyze=analyze_trace, render=lambda r: r.trace_id,
                           progress=lambda *a: calls.append(a))
    assert sorted(run) == ["1" * 32, "2" * 32, "3" * 32]
    assert calls == [(PHASE, 1, None), (PHASE, 2, None), (PHASE, 3, None)]


def test_the_cli_writes_no_bar_when_stderr_is_not_a_terminal():
    result = CliRunner().invoke(app, ["analyze", str(EXAMPLE), "-f", "json"])
    assert result.exit_code == 0, result.exception
    assert "analysing traces" not in result.stderr
    assert "\x1b" not in result.stderr
