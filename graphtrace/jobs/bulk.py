"""The bulk first-load job (`graphtrace ingest --bulk`): refuse unless the target is the empty local server, then CSVs, import, restart.

Steps: check the target (the local server of ``home``, by loopback host and
Bolt port; started for the check when it is stopped) and that its database
holds no node; stop the server (Community cannot stop one database) *while*
the CSV files are written, so nothing can write in between and the stop costs
no time of its own; run ``neo4j-admin database import full
--overwrite-destination``; start the server again (on the ports and memory its
``neo4j.conf`` records); create the schema (constraints, indexes, wait until
online); set the few values CSV cannot carry (fix-ups, and the rollups' empty
sketch lists); with ``annotate``, run the annotate recipe on the loaded
traces; and only then stop the server again if it was not running before, so
every step that needs Neo4j runs while it is up.  The per-minute rollups are in the import itself: the CSV writer sums each
written trace's contribution (:class:`graphtrace.jobs.rollups.RollupSum`) and
writes the ``Rollup`` nodes and the ``Trace.rollup`` marks
(:mod:`graphtrace.store.bulk.rollups`), so nothing reads the spans back.  If the import fails, an empty database
is imported in its place, so the database is left empty and usable.

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
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from neo4j.exceptions import DriverError, Neo4jError

from graphtrace import localdb
from graphtrace.errors import GraphtraceError, ServerError, StoreError
from graphtrace.jobs.rollups import RollupSum
from graphtrace.localdb.config import configured_options
from graphtrace.model import Trace
from graphtrace.store.bulk.csvfiles import ARRAY_DELIMITER
from graphtrace.store.bulk.write import CsvCounts, write_csvs
from graphtrace.store.connection import Neo4jSettings, connect, is_loopback_uri
from graphtrace.store.queries import ANY_NODE, FIXUP_QUERIES
from graphtrace.store.rollups import fill_empty_sketches
from graphtrace.store.schema import init_schema

Say = Callable[[str], None]
Progress = Callable[[str, int, "int | None"], None]
"""``progress(phase, done, total)``: the progress convention (total None when unknown)."""

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
    annotate_seconds: float = 0.0
    annotated: str = ""  # what annotate did (a sentence), "" when not asked

    @property
    def rolled_up(self) -> int:
        """Traces whose rollup contribution the import loaded (marked ``Trace.rollup``)."""
        return self.counts.rolled_up

    @property
    def total_seconds(self) -> float:
        """Wall seconds of the load: CSV writing (the stop runs beside it), import, restart, schema
        (``stop_seconds`` is the part of the stop not hidden behind the CSV writing)."""
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


@dataclass
class _After:
    """What runs once the server is up again (annotate, when asked), and the progress sink."""

    annotate: bool = False
    progress: Progress | None = None


def _maintain(settings: Neo4jSettings, summary: BulkSummary, after: _After) -> None:
    """Annotate the loaded traces (when asked), while the server is up."""
    from graphtrace.jobs.load import annotate_note

    if not (after.annotate and summary.counts.trace_ids):
        return
    with connect(settings) as driver:
        started = time.perf_counter()
        summary.annotated = annotate_note(driver, summary.counts.trace_ids, settings.database, after.progress)
        summary.annotate_seconds = time.perf_counter() - started


def _finish(layout: localdb.Layout, options: localdb.ServerOptions, settings: Neo4jSettings,
            summary: BulkSummary, was_running: bool, after: _After | None = None) -> None:
    """Start the server, create the schema, apply fix-ups, then ``after`` (annotate, rollups);
    stop it again if it was not running."""
    started = time.perf_counter()
    localdb.start(layout, options, mode="java")
    summary.restart_seconds = time.perf_counter() - started
    started = time.perf_counter()
    try:
        with connect(settings) as driver:
            init_schema(driver, database=settings.database)
            if summary.counts.rollup_cells:
                fill_empty_sketches(driver, database=settings.database)
        _apply_fixups(settings, summary.counts)
        summary.schema_seconds = time.perf_counter() - started
        if after is not None:
            _maintain(settings, summary, after)
    finally:
        summary.schema_seconds = summary.schema_seconds or time.perf_counter() - started
        if not was_running:
            localdb.stop(layout)


def _import_restart(layout: localdb.Layout, options: localdb.ServerOptions, settings: Neo4jSettings,
                    summary: BulkSummary, was_running: bool, heap: str, say: Say, after: _After) -> None:
    """Import (the server is stopped), restart with the schema; on a failed import leave an empty database."""
    counts = summary.counts
    assert counts.csvs is not None
    say(f"importing {counts.traces:,} traces, {counts.spans:,} spans with neo4j-admin")
    _phase(after, "importing", counts.spans)
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
    _phase(after, "starting Neo4j", None)
    _finish(layout, options, settings, summary, was_running, after)


def _phase(after: _After, phase: str, total: int | None) -> None:
    if after.progress is not None:
        after.progress(phase, 0, total)


class _Stopper:
    """Stop the local server in a thread (it takes seconds), while this one writes the CSV files."""

    def __init__(self, layout: localdb.Layout) -> None:
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(layout,), name="graphtrace-bulk-stop", daemon=True)
        self.started = time.perf_counter()
        self.thread.start()

    def _run(self, layout: localdb.Layout) -> None:
        try:
            localdb.stop(layout)
        except BaseException as exc:  # noqa: BLE001 -- raised in the caller's thread by wait()
            self.error = exc

    def wait(self) -> float:
        """Wait until the server is down; the seconds waited here (raises the stop's error)."""
        started = time.perf_counter()
        self.thread.join()
        if self.error is not None:
            raise self.error
        return time.perf_counter() - started


def bulk_ingest(traces: Iterable[Trace], settings: Neo4jSettings, *, home: str | Path | localdb.Layout | None = None,
                strict: bool = False, heap: str = "1g", on_progress: Say | None = None, workers: int = 1,
                reread: Callable[[], Iterable[Trace]] | None = None, annotate: bool = False,
                rollups: bool = True, progress: Progress | None = None) -> BulkSummary:
    """Load ``traces`` into the empty local database with neo4j-admin; see the module docstring.

    Refuses (``StoreError``) when ``settings`` is not the local server of ``home`` or its
    database holds any node.  Skipped traces are in ``summary.counts.skipped``.  ``workers``
    and ``reread`` (a picklable way to read the same traces again) go to :func:`write_csvs`.
    ``annotate`` runs the annotate recipe on the loaded traces (before a server that was stopped
    is stopped again); ``rollups`` puts the per-minute rollups of the loaded traces into the
    import (``False``: no ``Rollup`` node, no trace marked; ``jobs.rollups.repair_rollups`` adds
    them later).
    ``on_progress`` gets a sentence per step; ``progress`` follows the progress convention.
    """
    say = on_progress or (lambda message: None)
    after = _After(annotate=annotate, progress=progress)
    layout = home if isinstance(home, localdb.Layout) else localdb.Layout.for_home(home)
    options = _check_target(layout, settings)
    was_running = localdb.status(layout).running
    directory: Path | None = None
    stopper: _Stopper | None = None
    try:
        if not was_running:
            say("starting the local Neo4j to check that it is empty")
            localdb.start(layout, options, mode="java")
        _refuse_unless_empty(settings)
        layout.import_dir.mkdir(parents=True, exist_ok=True)
        directory = Path(tempfile.mkdtemp(prefix="bulk-", dir=layout.import_dir))
        parallel = workers > 1 and reread is not None
        say("stopping Neo4j for the import, while writing CSV files into "
            f"{directory}" + (f" ({workers} processes)" if parallel else ""))
        stopper = _Stopper(layout)
        _phase(after, "writing CSV files", None)
        counts = write_csvs(traces, directory, strict=strict, workers=workers, reread=reread,
                            rollups=RollupSum() if rollups else None)
        summary = BulkSummary(counts=counts, database=settings.database, csv_seconds=counts.seconds)
        summary.stop_seconds = stopper.wait()
        if counts.traces == 0:
            say("nothing to import")
            if was_running:
                localdb.start(layout, options, mode="java")
            return summary
        _import_restart(layout, options, settings, summary, was_running, heap, say, after)
    finally:
        if stopper is not None:
            stopper.thread.join()
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
        running = localdb.status(layout).running
        if not was_running and running:
            localdb.stop(layout)
        elif was_running and not running and stopper is not None:
            _restart_quietly(layout, options)
    return summary


def _restart_quietly(layout: localdb.Layout, options: localdb.ServerOptions) -> None:
    """After a failure between the stop and the restart: start the server that was running (best effort)."""
    try:
        localdb.start(layout, options, mode="java")
    except GraphtraceError:
        pass
