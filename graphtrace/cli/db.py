"""``graphtrace db start|stop|status|init``: the local Neo4j and the graph schema."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import orjson
import typer

from graphtrace.cli.app import db_app
from graphtrace.cli.common import OutputOption, TextFormat, console, emit, err_console, format_option
from graphtrace.cli.connection import DatabaseOption, PasswordOption, UriOption, UserOption, resolve_settings
from graphtrace.errors import StoreError

if TYPE_CHECKING:  # the driver and localdb are imported by the commands that use them: every other
    # command starts without them
    from graphtrace import localdb
    from graphtrace.store.connection import Neo4jSettings

StatusFormatOption = format_option(TextFormat, "Output format: text, or JSON (the same facts, credentials as a path).")


def _progress(message: str) -> None:
    err_console.print(message, markup=False)


def _status_rows(st: localdb.ServerStatus) -> list[tuple[str, str]]:
    from graphtrace import localdb

    state = "running" if st.running else "not running"
    pid = f" (pid {st.pid})" if st.pid else ""
    mode = f", {st.mode}" if st.mode and st.running else ""
    rows = [
        ("Neo4j", f"{localdb.NEO4J_VERSION} {state}{pid}{mode}"),
        ("URI", st.bolt_uri),
        ("Browser", st.browser_url),
        ("home", str(st.root)),
        ("data", str(st.data)),
        ("logs", str(st.logs)),
        ("credentials", str(st.root / "credentials.json") if st.has_credentials else "not initialised yet"),
    ]
    return rows


def _status_lines(rows: list[tuple[str, str]]) -> str:
    return "\n".join(f"{key + ':':<13}{value}" for key, value in rows)


def _print_status(st: localdb.ServerStatus) -> None:
    console.print(_status_lines(_status_rows(st)), markup=False)


def _contents(settings: Neo4jSettings) -> str:
    """'N traces, N spans, N services' read from the server, or why not."""
    from graphtrace.store.connection import connect

    try:
        driver = connect(settings)
    except StoreError as exc:
        return f"unavailable ({exc})"
    from graphtrace.cli.recipe import quiet_driver_notifications
    from graphtrace.store.read import counts

    quiet_driver_notifications()  # an empty database would draw "label does not exist" warnings
    try:
        with driver:
            r = counts(driver, database=settings.database)
    except Exception as exc:  # noqa: BLE001 - any driver error is reported, status still succeeds
        return f"unavailable ({type(exc).__name__}: {getattr(exc, 'message', None) or exc})"
    return f"{r['traces']} traces, {r['spans']} spans, {r['services']} services (database {settings.database})"


@db_app.command("start")
def start(
    bolt_port: Annotated[Optional[int], typer.Option("--bolt-port", help="Bolt port (env GRAPHTRACE_NEO4J_BOLT_PORT; default 7687).")] = None,
    http_port: Annotated[Optional[int], typer.Option("--http-port", help="HTTP port (env GRAPHTRACE_NEO4J_HTTP_PORT; default 7474, shifted with --bolt-port).")] = None,
    heap: Annotated[Optional[str], typer.Option("--heap", help="Java heap, e.g. 1g (env GRAPHTRACE_NEO4J_HEAP; default 1g).")] = None,
    pagecache: Annotated[Optional[str], typer.Option("--pagecache", help="Page cache, e.g. 512m (env GRAPHTRACE_NEO4J_PAGECACHE; default 512m).")] = None,
    mode: Annotated[str, typer.Option("--mode", help="auto (docker compose if a Docker engine answers, else Java), java or docker.")] = "auto",
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for Bolt.")] = 180.0,
    home: Annotated[Optional[Path], typer.Option("--home", help="Where it lives (env GRAPHTRACE_HOME; default ~/.cache/graphtrace).")] = None,
) -> None:
    """Assemble (first time), configure and start the local Neo4j; wait until Bolt answers."""
    from graphtrace import localdb

    before = localdb.status(home)
    options = localdb.start_options(home, bolt_port=bolt_port, http_port=http_port, heap=heap, pagecache=pagecache)
    st = localdb.start(home, options, mode=mode, timeout=timeout, on_progress=_progress)
    if before.running:
        console.print("Neo4j is already running; options were not changed (stop it first to change them).",
                      markup=False)
    else:
        console.print(f"Neo4j started on {st.bolt_uri}.", markup=False)
    _print_status(st)


@db_app.command("stop")
def stop(
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait after SIGTERM before SIGKILL.")] = 60.0,
    home: Annotated[Optional[Path], typer.Option("--home", help="Where it lives (env GRAPHTRACE_HOME).")] = None,
) -> None:
    """Stop the local Neo4j (graceful, then forced after --timeout)."""
    from graphtrace import localdb

    was_running = localdb.stop(home, timeout=timeout)
    console.print("Neo4j stopped." if was_running else "Neo4j was not running.", markup=False)


@db_app.command("status")
def status(
    database: DatabaseOption = None,
    home: Annotated[Optional[Path], typer.Option("--home", help="Where it lives (env GRAPHTRACE_HOME).")] = None,
    fmt: StatusFormatOption = TextFormat.text,
    output: OutputOption = None,
) -> None:
    """Where the local Neo4j lives, whether it runs, and what it holds."""
    from graphtrace import localdb
    from graphtrace.store.connection import Neo4jSettings

    st = localdb.status(home)
    rows = _status_rows(st)
    contents = None
    if st.running:
        found = localdb.local_settings(home)
        if found is None:
            contents = "unavailable (no stored credentials)"
        else:
            uri, user, password = found
            settings = Neo4jSettings.resolve(uri=uri, user=user, password=password, database=database)
            contents = _contents(settings)
        rows.append(("contents", contents))
    if fmt is TextFormat.json:
        doc = {"neo4j": localdb.NEO4J_VERSION, "running": st.running, "pid": st.pid, "mode": st.mode,
               "uri": st.bolt_uri, "browser": st.browser_url, "home": str(st.root), "data": str(st.data),
               "logs": str(st.logs), "credentials": str(st.root / "credentials.json") if st.has_credentials else None,
               "contents": contents}
        emit(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode(), output)
    else:
        emit(_status_lines(rows), output)


@db_app.command("init")
def init(
    uri: UriOption = None, user: UserOption = None, password: PasswordOption = None, database: DatabaseOption = None
) -> None:
    """Create graphtrace's constraints and indexes (idempotent)."""
    from graphtrace.store.connection import connect

    from graphtrace.store.schema import init_schema

    settings = resolve_settings(uri, user, password, database)
    with connect(settings) as driver:
        init_schema(driver, database=settings.database)  # keyword works for both signatures
    console.print(f"Schema ready on {settings.describe()}.", markup=False)
