"""``graphtrace db reset``, ``graphtrace delete`` and ``graphtrace traces``: housekeeping of the store.

Times (``--before``, ``--since``, ``--until``) take ISO forms (``2026-12-06``,
``2026-12-06T10:00``, ``...Z``, ``...+02:00``), relative ones (``now``, ``now-15m``,
``now-2h``, ``now-1d``) or int ns since the epoch (:func:`graphtrace.recipes.values.parse_time`).

Exit codes: 0 done; 1 ``delete`` did not find some of the ``--trace-id`` ids (the others were
deleted) or ``db reset`` was declined at its prompt; 2 an error (nothing deleted by ``db reset``
without ``--yes`` when stdin is not a terminal).
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import orjson
import typer

from graphtrace.cli.app import app, db_app
from graphtrace.cli.common import OutputOption, RowFormat, TextFormat, emit, err_console, format_option
from graphtrace.cli.progress import bar_wanted, progress_bar
from graphtrace.cli.connection import DatabaseOption, PasswordOption, UriOption, UserOption, resolve_settings
from graphtrace.errors import InputError

ReportFormat = format_option(TextFormat)
ListFormat = format_option(RowFormat)
_TIME_HELP = "ISO (2026-12-06, 2026-12-06T10:00, ...Z, ...+02:00), now, now-15m, now-2h, now-1d, or int ns"


def _time(text: str | None, option: str) -> int | None:
    from graphtrace.recipes.values import ValueProblem, parse_time

    if text is None:
        return None
    try:
        return parse_time(text)
    except ValueProblem as exc:
        raise InputError(str(exc), field=option) from exc


def _settings(uri: str | None, user: str | None, password: str | None, database: str | None) -> Any:
    """The connection settings; the driver's notices about labels an empty database lacks stay quiet."""
    from graphtrace.cli.recipe import quiet_driver_notifications

    quiet_driver_notifications()
    return resolve_settings(uri, user, password, database)


def _interactive() -> bool:
    """Whether ``db reset`` may ask (stdin is a terminal)."""
    return sys.stdin.isatty()


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


@db_app.command("reset")
def reset(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (needed when stdin is not a terminal).")] = False,
    fmt: ReportFormat = TextFormat.text,
    output: OutputOption = None,
    uri: UriOption = None, user: UserOption = None, password: PasswordOption = None, database: DatabaseOption = None,
) -> None:
    """Empty graphtrace's database: every trace, span, service and rollup (every node); the schema stays."""
    from graphtrace.jobs.housekeeping import reset as reset_job

    settings = _settings(uri, user, password, database)
    if not yes:
        if not _interactive():
            raise InputError("db reset deletes everything in the database: pass --yes (stdin is not a terminal, "
                             "so it cannot ask)", field="--yes")
        question = f"Delete every node and relationship of {settings.describe()}?"
        if not typer.confirm(question, default=False, err=True):
            err_console.print("Nothing deleted.", markup=False)
            raise typer.Exit(1)
    with progress_bar(bar_wanted(data=fmt == TextFormat.json, output=output)) as progress:
        done = reset_job(settings, progress=progress)
    if fmt == TextFormat.json:
        emit(_json(done), output)
        return
    emit(f"Deleted {done['nodes_deleted']:,} nodes from {settings.describe()}; "
         "the schema (constraints and indexes) is in place.", output)


@app.command("delete")
def delete(
    trace_id: Annotated[Optional[list[str]], typer.Option("--trace-id", metavar="ID", help="A trace to delete "
                        "(repeatable).")] = None,
    before: Annotated[Optional[str], typer.Option("--before", metavar="TIME", help="Delete the traces that started "
                      f"before TIME: {_TIME_HELP}.")] = None,
    fmt: ReportFormat = TextFormat.text,
    output: OutputOption = None,
    uri: UriOption = None, user: UserOption = None, password: PasswordOption = None, database: DatabaseOption = None,
) -> None:
    """Delete stored traces by id and/or start time; exit 1 when a given id is not in the database."""
    from graphtrace.jobs.analyze import normalize_trace_id
    from graphtrace.jobs.housekeeping import delete as delete_job

    ids = [normalize_trace_id(t) for t in trace_id or []]
    before_ns = _time(before, "--before")
    settings = _settings(uri, user, password, database)
    with progress_bar(bar_wanted(data=fmt == TextFormat.json, output=output)) as progress:
        done = delete_job(settings, trace_ids=ids, before_ns=before_ns, progress=progress)
    if fmt == TextFormat.json:
        emit(_json(done), output)
    else:
        noun = "trace" if done["deleted_traces"] == 1 else "traces"
        emit(f"Deleted {done['deleted_traces']:,} {noun} ({done['deleted_spans']:,} spans) from database "
             f"{settings.database}.", output)
    for missing in done["missing"]:
        err_console.print(f"not in the database: trace {missing}", markup=False)
    if done["missing"]:
        raise typer.Exit(1)


@app.command("traces")
def traces(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="How many traces to list.")] = 20,
    service: Annotated[Optional[str], typer.Option("--service", help="Only traces with a span of this "
                       "service.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", metavar="TIME", help="Only traces that started at or "
                     f"after TIME: {_TIME_HELP}.")] = None,
    until: Annotated[Optional[str], typer.Option("--until", metavar="TIME", help="Only traces that started before "
                     "TIME.")] = None,
    fmt: ListFormat = RowFormat.table,
    output: OutputOption = None,
    uri: UriOption = None, user: UserOption = None, password: PasswordOption = None, database: DatabaseOption = None,
) -> None:
    """The stored traces, newest first: the window they cover (overall and per service) and their services."""
    from graphtrace.jobs.housekeeping import list_traces
    from graphtrace.render.table import render_rows
    from graphtrace.render.traces import render_traces

    settings = _settings(uri, user, password, database)
    listing = list_traces(settings, limit=limit, service=service, since_ns=_time(since, "--since"),
                          until_ns=_time(until, "--until"))
    if fmt == RowFormat.json:
        emit(_json(listing), output)
    elif fmt == RowFormat.csv:
        rows = [{**t, "services": " ".join(t["services"])} for t in listing["traces"]]
        columns = ["trace_id", "start_ns", "duration_ns", "span_count", "root_service", "root_operation", "services"]
        emit(render_rows(columns, rows, "csv"), output, end="")
    else:
        emit(render_traces(listing, limit), output)
