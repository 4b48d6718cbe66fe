"""The Typer application and its sub-command groups (commands register in sibling modules).

The root takes ``--version`` and Typer's shell completion (``--install-completion``,
``--show-completion``).
"""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    name="graphtrace",
    help="Investigate distributed traces: call trees, critical paths, self time, anomalies, slow edges.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Run a local Neo4j for graphtrace (start, stop, status, init, reset).", no_args_is_help=True)
recipe_app = typer.Typer(help="List, show and run stored Cypher recipes.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(recipe_app, name="recipe")


def version_text() -> str:
    """``graphtrace <version>``, the installed distribution's version (importlib.metadata).

    >>> version_text().startswith("graphtrace ")
    True
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"graphtrace {version('graphtrace')}"
    except PackageNotFoundError:  # running from a source tree that is not installed
        from graphtrace import __version__

        return f"graphtrace {__version__}"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(version_text())
        raise typer.Exit(0)


@app.callback()
def root(
    version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_print_version, help="Print `graphtrace <version>` and exit.")] = False,
) -> None:
    """Investigate distributed traces: call trees, critical paths, self time, anomalies, slow edges."""
