"""The options every printing command shares (#17 item 3): ``-f/--format``, ``-o/--output FILE``
(written atomically, the same bytes stdout gets), ``--version`` and shell completion.

Commands that need Neo4j are checked in test_cli_neo4j.py; here the in-memory ones run in-process
(Typer's CliRunner: stdout is not a terminal, as in a script).
"""

from __future__ import annotations

import os
from importlib.metadata import version
from pathlib import Path
from typing import Any

import orjson
import pytest
import typer.main

import graphtrace.cli  # noqa: F401  (registers every command)
from graphtrace.cli.app import app
from graphtrace.cli.common import atomic_file, emit
from graphtrace.errors import InputError
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "otel-demo-add-to-cart.json"
# Commands that print no report or data: a server (its log line), and the local Neo4j's lifecycle
# messages ("Neo4j started on ...").  Every other command must take -f and -o.
NOT_PRINTING = {"serve", "db start", "db stop", "db init"}


def _run(*args: str) -> bytes:
    """stdout of the command run in-process; fails on a non-zero exit."""
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "100"})
    assert result.exit_code == 0, (result.exception, result.stderr)
    return result.stdout_bytes


def _commands() -> dict[str, Any]:
    root = typer.main.get_command(app)
    found: dict[str, click.Command] = {}
    stack = [((), root)]
    while stack:
        prefix, group = stack.pop()
        for name, sub in getattr(group, "commands", {}).items():
            path = (*prefix, name)
            if getattr(sub, "commands", None) is not None:  # a group (Typer has its own click)
                stack.append((path, sub))
            else:
                found[" ".join(path)] = sub
    return found


def _flags(command: Any) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


def test_every_printing_command_takes_format_and_output():
    commands = _commands()
    assert {"analyze", "check", "recipe run", "ingest"} <= set(commands)  # the walk finds commands
    missing = {path: sorted({"-f", "--format", "-o", "--output"} - _flags(cmd))
               for path, cmd in commands.items() if path not in NOT_PRINTING}
    assert {path: gap for path, gap in missing.items() if gap} == {}


def test_version_prints_the_installed_distribution():
    # the expected text comes from the package metadata (importlib.metadata), not from graphtrace
    assert _run("--version").decode() == f"graphtrace {version('graphtrace')}\n"


def test_shell_completion_is_offered():
    root = typer.main.get_command(app)
    assert {"--install-completion", "--show-completion"} <= _flags(root)
    # Typer's completion script for bash names the program and its completion variable
    assert b"_GRAPHTRACE_COMPLETE" in _run("--show-completion", "bash")


@pytest.mark.parametrize("args", [
    ("analyze", str(EXAMPLE)),
    ("analyze", str(EXAMPLE), "-f", "json"),
    ("analyze", str(EXAMPLE), "-f", "markdown"),
    ("analyze", str(EXAMPLE), str(EXAMPLE), "-f", "json", "--jobs", "2"),
    ("recipe", "list"),
    ("recipe", "list", "-f", "csv"),
    ("recipe", "show", "critical-path"),
    ("recipe", "show", "critical-path", "-f", "json"),
    ("generate", "--traces", "20", "-f", "zipkin"),
], ids=lambda a: " ".join(a).replace(str(ROOT) + "/", ""))
def test_output_file_gets_exactly_what_stdout_gets(tmp_path, args):
    to_stdout = _run(*args)
    target = tmp_path / "out"
    to_file = _run(*args, "-o", str(target))
    assert to_stdout, "the command printed nothing: the comparison would prove nothing"
    assert target.read_bytes() == to_stdout
    assert to_file == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary file left


def test_diagnose_on_files_takes_format_and_output(tmp_path):
    # 60 generated traces start 2024-11-19T07:06:40Z, 50 ms apart: the first 30 before 07:06:41.5Z
    traces = tmp_path / "traces.ndjson"
    _run("generate", "--traces", "60", "--slow-edge", "frontend:cart:20:0.5", "-o", str(traces))
    args = ("diagnose", str(traces), "--baseline", "..2024-11-19T07:06:41.5Z",
            "--incident", "2024-11-19T07:06:41.5Z..", "-f", "json")
    to_stdout = _run(*args)
    doc = orjson.loads(to_stdout)
    assert (doc["baseline_traces"], doc["incident_traces"]) == (30, 30)
    target = tmp_path / "diagnosis.json"
    _run(*args, "-o", str(target))
    assert target.read_bytes() == to_stdout


def test_an_error_leaves_the_output_file_as_it_was(tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("earlier report\n")
    not_traces = tmp_path / "notes.json"
    not_traces.write_text('{"hello": "world"}\n')
    result = CliRunner().invoke(app, ["analyze", str(not_traces), "-o", str(target)])
    assert isinstance(result.exception, InputError)  # main() prints it as "Error: ..." and exits 2
    assert target.read_text() == "earlier report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.json", "report.txt"]


def test_atomic_file_keeps_the_old_content_on_error(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(target) as f:
        f.write("half of the new")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_emit_writes_a_new_file_with_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        emit("[b]bold?[/b] :smile:", tmp_path / "x.txt")
    finally:
        os.umask(umask)
    assert (tmp_path / "x.txt").read_text() == "[b]bold?[/b] :smile:\n"  # literal: no markup, no emoji codes
    assert (tmp_path / "x.txt").stat().st_mode & 0o777 == 0o644  # 0666 minus the umask 022
