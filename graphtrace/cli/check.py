"""``graphtrace check``: does Neo4j agree with the in-memory engine?

Reads traces back from Neo4j, recomputes self time, critical paths,
bottlenecks, client/server gaps and (with ``--all``) edge statistics with
networkx, and compares them with the Cypher recipes and the annotated
properties, and the span tree's ``PARENT_OF`` edges.  Any disagreement exits 2
via ``CheckFailed``.  ``--trace-id`` takes ids as the readers do (any case, hex
unpadded); a trace that is not stored is an error ("not found", exit 2).
``--timeout`` is the server-side timeout of each check query.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import orjson
import typer

from graphtrace.cli.app import app
from graphtrace.cli.common import err_console
from graphtrace.cli.connection import DatabaseOption, PasswordOption, UriOption, UserOption, resolve_settings
from graphtrace.errors import CheckFailed

_SHOWN = 50


def normalized_trace_id(value: str) -> str:
    """A ``--trace-id`` as the readers store it (hex: lowercase, padded to 32 digits).

    >>> normalized_trace_id("ABCDEF")
    '00000000000000000000000000abcdef'
    >>> normalized_trace_id("trace-A")
    'trace-A'
    """
    from graphtrace.readers.ids import IdError, normalize_id

    try:
        return normalize_id(value, 32)[0]
    except IdError as exc:
        raise typer.BadParameter(str(exc), param_hint="--trace-id") from exc


class CheckFormat(str, Enum):
    text = "text"
    json = "json"


def _text(report) -> str:
    edges = "not compared" if report.edges_checked is None else f"{report.edges_checked} edges"
    lines = [f"checked {report.traces_checked} traces, {report.spans_checked} spans, {edges}: "
             + ("all agree" if report.ok else f"{len(report.disagreements)} disagreements")]
    lines += [f"  {d.text}" for d in report.disagreements[:_SHOWN]]
    if len(report.disagreements) > _SHOWN:
        lines.append(f"  ... and {len(report.disagreements) - _SHOWN} more (use --format json)")
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines)


@app.command("check")
def check(
    trace_id: Annotated[
        Optional[list[str]], typer.Option("--trace-id", metavar="ID", help="Trace to check (repeatable).")
    ] = None,
    all_traces: Annotated[bool, typer.Option("--all", help="Check every stored trace and the edge statistics.")] = False,
    fmt: Annotated[CheckFormat, typer.Option("--format", help="Output format.")] = CheckFormat.text,
    timeout: Annotated[float, typer.Option(
        "--timeout", metavar="S", min=0.001, help="Server-side timeout of each check query, in seconds.")] = 120,
    uri: UriOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    database: DatabaseOption = None,
) -> None:
    """Compare Neo4j's recipes and annotations with the in-memory engine; exit 2 on any disagreement."""
    if bool(trace_id) == all_traces:
        raise typer.BadParameter("give --trace-id ID (repeatable) or --all, not both", param_hint="--trace-id/--all")
    from graphtrace.cli.recipe import quiet_driver_notifications
    from graphtrace.jobs.check import check_traces
    from graphtrace.store.connection import connect

    settings = resolve_settings(uri, user, password, database)
    quiet_driver_notifications()
    driver = connect(settings)
    try:
        report = check_traces(driver, database=settings.database, timeout_s=timeout,
                              trace_ids=None if all_traces else [normalized_trace_id(t) for t in trace_id])
    finally:
        driver.close()
    if fmt is CheckFormat.json:
        typer.echo(orjson.dumps(report.model_dump(), option=orjson.OPT_INDENT_2, default=str).decode())
    else:
        typer.echo(_text(report))
    if not report.ok:
        raise CheckFailed(f"Neo4j and the in-memory engine disagree on {len(report.disagreements)} "
                          f"quantities in {settings.describe()}")
    if report.traces_checked == 0:
        err_console.print("no traces to check", markup=False)
