"""The bulk first-load job (`graphtrace ingest --bulk`): refuse unless the target is the empty local server, then CSVs, import, restart.

Steps: check the target (the local server of ``home``, by loopback host and
Bolt port) and that its database holds no node; write the CSV files (server
still up); stop the server (Community cannot stop one database); run
``neo4j-admin database import full --overwrite-destination``; start the
server again; create the schema (constraints, indexes, wait until online);
set the few values CSV cannot carry (fix-ups); stop the server again if it
was not running before.  If the import fails, an empty database is imported
in its place, so the database is left empty and usable.

>>> from graphtrace.store.connection import Neo4jSettings
>>> local_target_problem(Neo4jSettings(uri="bolt://db.example.com:7687"), 7687)
'the target bolt://db.example.com:7687 is not on this machine (host db.example.com)'
>>> local_target_problem(Neo4jSettings(uri="bolt://127.0.0.1:7687"), 7711)
'the target bolt://127.0.0.1:7687 is not the local server (its Bolt port is 7711)'
>>> local_target_problem(Neo4jSettings(uri="neo4j://localhost:7711"), 7711) is None
True
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from neo4j.exceptions import DriverError, Neo4jError

from graphtrace import localdb
from graphtrace.errors import GraphtraceError, ServerError, StoreError
from graphtrace.localdb.config import configured_options
from graphtrace.model import Trace
from graphtrace.store.bulk.csvfiles import ARRAY_DELIMITER
from graphtrace.store.bulk.write import CsvCounts, write_csvs
from graphtrace.store.connection import Neo4jSettings, connect, is_loopback_uri
from graphtrace.store.queries import ANY_NODE, FIXUP_QUERIES
from graphtrace.store.schema import init_schema

Progress = Callable[[str], None]

@dataclass
class BulkSummary:
    """What :func:`bulk_ingest` loaded, and where the time went (seconds)."""

    counts: CsvCounts
    database: str
    csv_seconds: float = 0.0
    stop_seconds: float = 0.0
    import_seconds: float = 0.0
    restart_seconds: float = 0.0
    schema_seconds: float = 0.0

    @property
    def total_seconds(self) -> float:
        return self.csv_seconds + self.stop_seconds + self.import_seconds + self.restart_seconds + self.schema_seconds


def local_target_problem(settings: Neo4jSettings, bolt_port: int) -> str | None:
    """Why ``settings`` is not the local server listening on ``bolt_port`` (None when it is)."""
    url = urlparse(settings.uri)
    host = url.hostname or ""
    if not is_loopback_uri(settings.uri):
        return f"the target {settings.uri} is not on this machine (host {host or '?'})"
    if url.port != bolt_port:
        return f"the target {settings.uri} is not the local server (its Bolt port is {bolt_port})"
    return None


def _check_target(layout: localdb.Layout, settings: Neo4jSettings) -> localdb.ServerOptions:
    """The local server's options; ``StoreError`` unless ``settings`` point at it and it can be imported into."""
    options = configured_options(layout)
    if options is None or not localdb.is_assembled(layout):
        raise StoreError("--bulk loads the local Neo4j, which is not set up yet; run `graphtrace db start` first",
                         file=str(layout.root))
    problem = local_target_problem(settings, options.bolt_port)
    if problem:
        raise StoreError(f"--bulk only loads the local Neo4j managed by graphtrace ({options.bolt_uri}, "
                         f"home {layout.root}): {problem}; use `graphtrace ingest` without --bulk")
    if localdb.status(layout).mode == "docker":
        raise StoreError("--bulk needs the Java-run local Neo4j, not the docker compose one", file=str(layout.root))
    if settings.database == "system":
        raise StoreError("--bulk cannot load the system database", field="database")
    return options


def _refuse_unless_empty(settings: Neo4jSettings) -> None:
    """``StoreError`` when the database holds any node."""
    try:
        with connect(settings) as driver:
            found = driver.execute_query(ANY_NODE, database_=settings.database).records[0]["found"]
    except (Neo4jError, DriverError) as exc:
        raise StoreError(f"cannot check that the database is empty: {getattr(exc, 'message', None) or exc}",
                         record=settings.database) from exc
    if found:
        raise StoreError(
            "--bulk is for a first load into an EMPTY database and this one holds nodes; "
            "use `graphtrace ingest` without --bulk to add to it", record=f"database {settings.database}")


def import_csvs(csvs: CsvCounts, database: str, *, home: str | Path | localdb.Layout | None = None,
                heap: str = "1g", report_dir: Path | None = None) -> float:
    """Run ``neo4j-admin database import full`` on written CSVs (the server must be stopped); seconds taken."""
    layout = home if isinstance(home, localdb.Layout) else localdb.Layout.for_home(home)
    assert csvs.csvs is not None, "write_csvs sets csvs"
    report = (report_dir or csvs.csvs.directory) / "import.report"
    args = ["database", "import", "full", database, "--overwrite-destination=true", "--id-type=string",
            f"--array-delimiter={ARRAY_DELIMITER}", "--bad-tolerance=0", f"--report-file={report}",
            *csvs.csvs.import_args()]
    started = time.perf_counter()
    localdb.admin(args, layout=layout, heap=heap)
    return time.perf_counter() - started


def _reset_empty(layout: localdb.Layout, database: str, directory: Path) -> str:
    """After a failed import: import an empty database in its place; say whether that worked."""
    empty = directory / "empty-nodes.csv"
    empty.write_text('":ID"\n', encoding="utf-8")
    try:
        localdb.admin(["database", "import", "full", database, "--overwrite-destination=true",
                       f"--nodes={empty}", f"--report-file={directory / 'reset.report'}"], layout=layout)
    except ServerError as exc:
        return f"resetting it to an empty database failed too ({exc}); delete {layout.data} to start afresh"
    return "the database was reset to empty and is usable; nothing was loaded"


def _apply_fixups(settings: Neo4jSettings, counts: CsvCounts) -> None:
    by_label: dict[str, list[dict]] = {}
    for label, key, props in counts.fixups:
        by_label.setdefault(label, []).append({"key": key, "props": props})
    if not by_label:
        return
    with connect(settings) as driver:
        for label, rows in by_label.items():
            for i in range(0, len(rows), 5000):
                driver.execute_query(FIXUP_QUERIES[label], rows=rows[i:i + 5000], database_=settings.database)


def _finish(layout: localdb.Layout, options: localdb.ServerOptions, settings: Neo4jSettings,
            summary: BulkSummary, was_running: bool) -> None:
    """Start the server, create the schema, apply fix-ups; stop it again if it was not running."""
    started = time.perf_counter()
    localdb.start(layout, options, mode="java")
    summary.restart_seconds = time.perf_counter() - started
    started = time.perf_counter()
    try:
        with connect(settings) as driver:
            init_schema(driver, database=settings.database)
        _apply_fixups(settings, summary.counts)
    finally:
        summary.schema_seconds = time.perf_counter() - started
        if not was_running:
            localdb.stop(layout)


def _stop_import_restart(layout: localdb.Layout, options: localdb.ServerOptions, settings: Neo4jSettings,
                         summary: BulkSummary, was_running: bool, heap: str, say: Progress) -> None:
    """Stop the server, import, restart with the schema; on a failed import leave an empty database."""
    counts = summary.counts
    assert counts.csvs is not None
    say("stopping Neo4j for the import")
    started = time.perf_counter()
    localdb.stop(layout)
    summary.stop_seconds = time.perf_counter() - started
    say(f"importing {counts.traces:,} traces, {counts.spans:,} spans with neo4j-admin")
    try:
        summary.import_seconds = import_csvs(counts, settings.database, home=layout, heap=heap)
    except ServerError as exc:
        outcome = _reset_empty(layout, settings.database, counts.csvs.directory)
        try:
            _finish(layout, options, settings, summary, was_running)
        except GraphtraceError as again:
            outcome += f"; restarting Neo4j failed: {again}"
        raise StoreError(f"neo4j-admin import failed: {exc.message}; {outcome}") from exc
    say("starting Neo4j and creating the indexes")
    _finish(layout, options, settings, summary, was_running)


def bulk_ingest(traces: Iterable[Trace], settings: Neo4jSettings, *, home: str | Path | localdb.Layout | None = None,
                strict: bool = False, heap: str = "1g", on_progress: Progress | None = None, workers: int = 1,
                reread: Callable[[], Iterable[Trace]] | None = None) -> BulkSummary:
    """Load ``traces`` into the empty local database with neo4j-admin; see the module docstring.

    Refuses (``StoreError``) when ``settings`` is not the local server of ``home`` or its
    database holds any node.  Skipped traces are in ``summary.counts.skipped``.  ``workers``
    and ``reread`` (a picklable way to read the same traces again) go to :func:`write_csvs`.
    """
    say = on_progress or (lambda message: None)
    layout = home if isinstance(home, localdb.Layout) else localdb.Layout.for_home(home)
    options = _check_target(layout, settings)
    was_running = localdb.status(layout).running
    directory: Path | None = None
    try:
        if not was_running:
            say("starting the local Neo4j to check that it is empty")
            localdb.start(layout, options, mode="java")
        _refuse_unless_empty(settings)
        layout.import_dir.mkdir(parents=True, exist_ok=True)
        directory = Path(tempfile.mkdtemp(prefix="bulk-", dir=layout.import_dir))
        parallel = workers > 1 and reread is not None
        say(f"writing CSV files into {directory}" + (f" ({workers} processes)" if parallel else ""))
        counts = write_csvs(traces, directory, strict=strict, workers=workers, reread=reread)
        summary = BulkSummary(counts=counts, database=settings.database, csv_seconds=counts.seconds)
        _refuse_unless_empty(settings)
        if counts.traces == 0:
            say("nothing to import")
            return summary
        _stop_import_restart(layout, options, settings, summary, was_running, heap, say)
    finally:
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
        if not was_running and localdb.status(layout).running:
            localdb.stop(layout)
    return summary
