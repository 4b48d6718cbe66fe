"""The Typer application and its sub-command groups (commands register in sibling modules)."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="graphtrace",
    help="Investigate distributed traces: call trees, critical paths, self time, anomalies, slow edges.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Run a local Neo4j for graphtrace (start, stop, status, init).", no_args_is_help=True)
recipe_app = typer.Typer(help="List, show and run stored Cypher recipes.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(recipe_app, name="recipe")
