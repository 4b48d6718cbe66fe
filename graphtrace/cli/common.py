"""Helpers shared by the command modules: consoles and error formatting."""

from __future__ import annotations

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
