"""Every graphtrace command in README.md's shell blocks prints lines of at most 100 columns (#17 "Done when").

The commands are read from README.md itself (```bash blocks, continuation lines joined, comments
dropped), so a command added there is checked too.  Width is rich's cell width (a wide character
counts two).  The ones that need no Neo4j run in-process; the rest run, in README order, against
the test server (``clean_db``).  Left out, each for a stated reason (:data:`NOT_RUN`): ``serve``
(a long-running service), ``db start``/``db stop`` (the test fixture owns the server's life) and
``--format json`` (one JSON document for programs, whose string values are not wrapped).
Stdout is checked, and stderr of the offline commands (``ingest`` prints each reader diagnostic on
one line of stderr, whole, so that it can be grepped).  To keep the test short, ``generate --traces 500`` makes 300
(window B of the README's ``compare-windows``, from trace 250 on, still has 50 traces).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

import graphtrace.cli  # noqa: F401  (registers the command modules on app)
from graphtrace.cli.app import app

REPO = Path(__file__).resolve().parents[2]
WIDTH = 100
NOT_RUN = {("serve",): "a long-running service", ("db", "start"): "the fixture owns the server",
           ("db", "stop"): "the fixture owns the server"}
OFFLINE = {"analyze", "generate"}


def readme_commands() -> list[list[str]]:
    """The argument lists of every ``graphtrace ...`` line of README.md's ```bash blocks."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == ["graphtrace"]:
                out.append(words[1:])
    return out


def _skipped(args: list[str]) -> bool:
    return tuple(args[:1]) in NOT_RUN or tuple(args[:2]) in NOT_RUN or "json" in args and (
        "--format" in args or "-f" in args)


def _local(args: list[str], tmp: Path) -> list[str]:
    """Files the README writes under /tmp go to the test's own directory; 300 traces instead of 500."""
    args = [str(tmp / Path(a).name) if a.startswith("/tmp/") else a for a in args]
    return [("300" if a == "500" and args[i - 1] == "--traces" else a) for i, a in enumerate(args)]


def _assert_fits(args: list[str], output: str) -> None:
    wide = [(cell_len(line), line) for line in output.splitlines() if cell_len(line) > WIDTH]
    assert not wide, f"graphtrace {' '.join(args)}: {len(wide)} lines wider than {WIDTH}: {wide[:3]}"


def test_the_readme_has_offline_and_neo4j_commands():
    commands = readme_commands()
    assert ["analyze", "examples/otel-demo-add-to-cart.json"] in commands
    assert any(c[:2] == ["recipe", "run"] for c in commands)
    assert any(c[:1] == ["ingest"] for c in commands)


@pytest.mark.parametrize("args", [c for c in readme_commands() if c[0] == "analyze" and not _skipped(c)],
                         ids=" ".join)
def test_offline_readme_command_fits_100_columns(args, monkeypatch):
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    _assert_fits(args, result.stdout)
    _assert_fits(args, result.stderr)


def test_neo4j_readme_commands_fit_100_columns(clean_db, neo4j_settings, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    for key, value in (("NEO4J_URI", neo4j_settings.uri), ("NEO4J_USER", neo4j_settings.user),
                       ("NEO4J_PASSWORD", neo4j_settings.password.get_secret_value()),
                       ("NEO4J_DATABASE", neo4j_settings.database)):
        monkeypatch.setenv(key, value)
    ran = []
    for args in readme_commands():
        if args[0] in OFFLINE - {"generate"} or _skipped(args):
            continue
        args = _local(args, tmp_path)
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, (args, result.output, result.exception)
        _assert_fits(args, result.stdout)  # stderr: one diagnostic a line, kept whole for grep
        ran.append(args[0] if args[0] != "recipe" else " ".join(args[:3]))
    # README order: generate, ingest, three recipes, check
    assert ran[:2] == ["generate", "ingest"] and "check" in ran
    assert {"recipe run slow-edges", "recipe run compare-windows", "recipe run critical-path"} <= set(ran)
