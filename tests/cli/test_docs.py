"""Every CLI command and sub-command is documented in README.md as ``graphtrace <command path>``."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from graphtrace.cli.app import app
import graphtrace.cli  # noqa: F401  (importing the package registers every command on app)

README = Path(__file__).resolve().parents[2] / "README.md"


def command_paths() -> list[str]:
    """Space-joined paths of every command and group under the root, e.g. ``db start``."""
    root = typer.main.get_command(app)
    paths: list[str] = []
    stack = [((), root)]
    while stack:
        prefix, command = stack.pop()
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            if getattr(sub, "hidden", False):
                continue
            path = (*prefix, name)
            paths.append(" ".join(path))
            stack.append((path, sub))
    return sorted(paths)


def test_the_walk_finds_analyze():
    assert "analyze" in command_paths()


def test_every_command_is_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    # "graphtrace db start" must appear as such: not followed by more of a word ("graphtrace db starts").
    missing = [p for p in command_paths() if not re.search(rf"graphtrace {re.escape(p)}(?![\w-])", readme)]
    assert not missing, f"README.md does not mention: {', '.join('graphtrace ' + p for p in missing)}"
