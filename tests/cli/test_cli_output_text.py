"""What the CLI prints beside the reports: files ``analyze`` ignored in a directory (#10), and
``check``'s disagreement lines printed literally (#17 item 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from graphtrace.cli.app import app
from graphtrace.cli.check import check_text
from graphtrace.jobs.check import CheckReport, Disagreement

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "otel-demo-add-to-cart.json"


@pytest.fixture
def mixed_dir(tmp_path: Path) -> Path:
    """One trace file beside two files that are not trace data (a README and a script)."""
    shutil.copy(EXAMPLE, tmp_path / "trace.json")
    (tmp_path / "README.md").write_text("# traces\n")
    (tmp_path / "make.py").write_text("print('hi')\n")
    return tmp_path


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_json_counts_the_ignored_files(mixed_dir, jobs):
    result = CliRunner().invoke(app, ["analyze", str(mixed_dir), "-f", "json", "--jobs", jobs])
    assert result.exit_code == 0, result.exception
    doc = orjson.loads(result.stdout_bytes)
    assert len(doc["traces"]) == 1
    assert doc["files_ignored"] == 2  # README.md and make.py


def test_text_warns_about_the_ignored_files(mixed_dir):
    result = CliRunner().invoke(app, ["analyze", str(mixed_dir), "--jobs", "2"])
    assert result.exit_code == 0, result.exception
    expected = f"warning: 2 files ignored (not trace data): {mixed_dir / 'README.md'}, {mixed_dir / 'make.py'}"
    assert expected in result.stderr.splitlines()


def test_nothing_ignored_adds_nothing():
    result = CliRunner().invoke(app, ["analyze", str(EXAMPLE), "-f", "json"])
    assert "files_ignored" not in orjson.loads(result.stdout_bytes)
    assert "ignored" not in result.stderr


def test_check_prints_trace_data_literally():
    # a trace id and a quantity as a hostile trace file could write them: an ANSI colour, an OSC
    # hyperlink, rich markup, a right-to-left override
    report = CheckReport(traces_checked=1, spans_checked=2, disagreements=[
        Disagreement(trace_id="t\x1b[31m", span_id="[bold]s[/bold]", quantity="name \x1b]8;;http://x\x07",
                     neo4j="a\u202eb", networkx=None)])
    text = check_text(report)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    # by hand: ESC -> U+241B (␛), BEL -> U+2407 (␇), U+202E -> the escape text \u202e; repr() of
    # "a\u202eb" is 'a\u202eb' with the mark itself inside, made visible the same way
    assert text.splitlines()[1] == ("  t␛[31m: span [bold]s[/bold]: name ␛]8;;http://x␇: "
                                    "neo4j 'a\\u202eb', networkx None")
