"""``graphtrace diagnose``: which service owns the slowdown between a baseline and an incident window.

In Neo4j (the ``diagnose-owned`` recipe over annotated traces), or in memory over files: FILE...
split by the two windows, or ``--baseline-file`` and ``--incident-file``.  The work is
:mod:`graphtrace.jobs.diagnose`; this module parses options and prints.
"""

from __future__ import annotations

from typing import Annotated, Optional

import orjson
import typer

from graphtrace.cli.app import app
from graphtrace.cli.common import OutputOption, TextFormat, emit, err_console, format_option
from graphtrace.cli.connection import DatabaseOption, PasswordOption, UriOption, UserOption, resolve_settings


FormatOption = format_option(TextFormat, "Output format: the ranking for people, or JSON.")

_WINDOW_HELP = "SINCE..UNTIL: ISO-8601, ns since the epoch, now or now-30m; an empty side has no bound."


@app.command("diagnose")
def diagnose(
    files: Annotated[Optional[list[str]], typer.Argument(
        help="Trace files to split by the two windows (in memory, no Neo4j).", show_default=False)] = None,
    baseline: Annotated[Optional[str], typer.Option("--baseline", metavar="SINCE..UNTIL", help=_WINDOW_HELP)] = None,
    incident: Annotated[Optional[str], typer.Option("--incident", metavar="SINCE..UNTIL", help=_WINDOW_HELP)] = None,
    baseline_file: Annotated[Optional[list[str]], typer.Option(
        "--baseline-file", help="Traces of the baseline (in memory; repeatable).")] = None,
    incident_file: Annotated[Optional[list[str]], typer.Option(
        "--incident-file", help="Traces of the incident (in memory; repeatable).")] = None,
    fmt: FormatOption = TextFormat.text,
    output: OutputOption = None,
    timeout: Annotated[float, typer.Option("--timeout", metavar="S", min=0.001,
                                           help="Server-side timeout of the query, in seconds.")] = 120,
    uri: UriOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    database: DatabaseOption = None,
) -> None:
    """Rank services by the latency they own (processing, wire, errors) in the incident vs the baseline."""
    from graphtrace.jobs.diagnose import diagnose_files, diagnose_neo4j, parse_window
    from graphtrace.render.diagnose import render_diagnosis
    from graphtrace.render.diagnostics import summarize_diagnostics

    in_memory = bool(files or baseline_file or incident_file)
    if not in_memory and (baseline is None or incident is None):
        raise typer.BadParameter("give --baseline and --incident (or --baseline-file and --incident-file)",
                                 param_hint="--baseline/--incident")
    b_win = parse_window(baseline) if baseline else (None, None)
    i_win = parse_window(incident) if incident else (None, None)
    if files and (baseline is None or incident is None):
        raise typer.BadParameter("FILE... needs --baseline and --incident", param_hint="--baseline/--incident")
    if in_memory:
        result = diagnose_files(files=files or (), baseline_files=baseline_file or (),
                                incident_files=incident_file or (), baseline=b_win, incident=i_win)
    else:
        from graphtrace.cli.recipe import quiet_driver_notifications
        from graphtrace.store.connection import connect

        settings = resolve_settings(uri, user, password, database)
        quiet_driver_notifications()
        driver = connect(settings)
        try:
            result = diagnose_neo4j(driver, database=settings.database, baseline=b_win, incident=i_win,
                                    timeout_s=timeout)
        finally:
            driver.close()
    summary = summarize_diagnostics([d.model_dump() for d in result.warnings],
                                    [d.model_dump() for d in result.skipped])
    if summary:
        err_console.print(summary, markup=False, highlight=False, emoji=False)
    if fmt is TextFormat.json:
        emit(orjson.dumps(result.model_dump(mode="json"), option=orjson.OPT_INDENT_2).decode(), output)
    else:
        emit(render_diagnosis(result.model_dump()), output)  # literally: no markup, no emoji codes
