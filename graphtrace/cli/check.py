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

from typing import Annotated, Optional

import orjson
import typer

from graphtrace.cli.app import app
from graphtrace.cli.common import OutputOption, TextFormat, emit, err_console, format_option
from graphtrace.cli.progress import bar_wanted, progress_bar
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
    from graphtrace.errors import InputError
    from graphtrace.jobs.recipe import normalize_trace_id

    try:
        return normalize_trace_id(value)
    except InputError as exc:
        raise typer.BadParameter(exc.message, param_hint="--trace-id") from exc


FormatOption = format_option(TextFormat, "Output format: text, or the whole report as JSON.")


def check_text(report) -> str:
    """The report for people: a summary line, the first disagreements, the notes.  Trace data (ids,
    names, values read from the database) is printed literally (:func:`graphtrace.render.safe.safe_lines`)."""
    from graphtrace.render.safe import safe_lines

    return safe_lines(_text(report))


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
    fmt: FormatOption = TextFormat.text,
    output: OutputOption = None,
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

    wanted = None if all_traces else [normalized_trace_id(t) for t in trace_id]
    settings = resolve_settings(uri, user, password, database)
    quiet_driver_notifications()
    with connect(settings) as driver, progress_bar(bar_wanted(data=fmt is TextFormat.json, output=output)) as bar:
        report = check_traces(driver, database=settings.database, timeout_s=timeout, trace_ids=wanted, progress=bar)
    if fmt is TextFormat.json:
        emit(orjson.dumps(report.model_dump(), option=orjson.OPT_INDENT_2, default=str).decode(), output)
    else:
        emit(check_text(report), output)
    if not report.ok:
        raise CheckFailed(f"Neo4j and the in-memory engine disagree on {len(report.disagreements)} "
                          f"quantities in {settings.describe()}")
    if report.traces_checked == 0:
        err_console.print("no traces to check", markup=False)
