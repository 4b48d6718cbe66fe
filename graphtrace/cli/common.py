"""Helpers shared by the command modules: consoles, error formatting, CPUs for --jobs."""

from __future__ import annotations

import os

from pydantic import ValidationError
from rich.console import Console

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def format_validation_error(exc: ValidationError) -> str:
    """pydantic errors as ``path.to.field: message`` lines (fastapi-cli style)."""
    lines = []
    for e in exc.errors():
        path = ".".join(str(p) for p in e.get("loc", ())) or exc.title
        lines.append(f"{path}: {e.get('msg', 'invalid')}")
    return "; ".join(lines)


def usable_cpus() -> int | None:
    """The CPUs this process may run on (its affinity where the OS says), None when unknown."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count()
