"""Benchmark stages against a real Neo4j: ingest, annotate, recipes, check, and the server's memory.

The database is WIPED first.  When the target is the local server of
``graphtrace db start`` (same Bolt port), its process is found so its peak
RSS (``VmHWM``, since the server started) can be read, and ``--restart-neo4j``
restarts it before each size so that peak and the "cold" recipe runs are
really per size.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlparse

from graphtrace.errors import RecipeError
from graphtrace.jobs.settings import resolve_settings

RECIPE_TIMEOUT_S = 120


def local_server_pid(uri: str) -> int | None:
    """The pid of the local graphtrace-managed Neo4j when ``uri`` points at it, else None."""
    from graphtrace.localdb import status

    st = status()
    if not st.running or urlparse(st.bolt_uri).port != urlparse(uri).port:
        return None
    return st.pid


def process_memory_mb(pid: int | None) -> dict[str, float | None]:
    """Current and peak resident memory of ``pid`` from /proc (MB), or None when unknown."""
    out: dict[str, float | None] = {"rss_mb": None, "peak_rss_mb": None}
    if pid is None:
        return out
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out["rss_mb"] = round(int(line.split()[1]) / 1024, 1)
            elif line.startswith("VmHWM:"):
                out["peak_rss_mb"] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return out


def restart_local_server(*, wipe_store: bool) -> None:
    """Stop and start the local server; with ``wipe_store`` delete the ``neo4j`` database's files
    in between (much faster than deleting millions of nodes in Cypher; the server recreates it)."""
    import shutil

    from graphtrace.localdb import Layout, start, start_options, stop

    layout = Layout.for_home()
    stop(layout)
    if wipe_store:
        for sub in ("databases", "transactions"):
            shutil.rmtree(layout.data / sub / "neo4j", ignore_errors=True)
    start(layout, start_options(layout), mode="java")  # the ports and memory its neo4j.conf records


def wipe(driver, db: str) -> None:
    """Delete everything in Cypher: spans first in small transactions (a Service node's
    millions of IN_SERVICE edges would not fit one transaction's memory), then the rest."""
    with driver.session(database=db) as session:  # CALL {} IN TRANSACTIONS needs an auto-commit run
        for label in ("Span", "Trace", "Service"):
            session.run(f"MATCH (n:{label}) CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 5000 ROWS").consume()
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS").consume()


def ingest_file(driver, db: str, path: Path, result: dict) -> list[str]:
    """Driver ingest of the file, the reader's time measured apart; returns the trace ids."""
    from graphtrace.readers import read_traces
    from graphtrace.store.ingest import ingest
    from graphtrace.store.schema import init_schema

    from bench.stages import TimedIter

    init_schema(driver, database=db)
    stream = TimedIter(read_traces([str(path)]))
    t = time.perf_counter()
    summary = ingest(driver, stream, database=db)
    total = time.perf_counter() - t
    result["ingest_s"] = round(total - stream.seconds, 2)
    result["ingest_read_s"] = round(stream.seconds, 2)
    result["ingest_spans_per_s"] = summary.spans / (total - stream.seconds)
    result["ingest_with_read_spans_per_s"] = summary.spans / total
    return summary.trace_ids


def recipes(driver, db: str) -> dict:
    """Every cross-trace read recipe with its default parameters, first (cold) and second (warm) run."""
    from graphtrace.recipes.catalog import load_catalog
    from graphtrace.recipes.run import run_recipe

    out = {}
    for recipe in load_catalog().values():
        if recipe.mode != "read" or any(p.name == "trace_id" for p in recipe.params):
            continue
        times = []
        try:
            for _ in range(2):
                t = time.perf_counter()
                run_recipe(driver, recipe, {}, database=db, timeout_s=RECIPE_TIMEOUT_S)
                times.append(round(time.perf_counter() - t, 3))
            out[recipe.name] = {"cold_s": times[0], "warm_s": times[1]}
        except RecipeError:
            out[recipe.name] = {"cold_s": None, "warm_s": None, "timed_out_after_s": RECIPE_TIMEOUT_S}
    return out


def neo4j_stages(path: Path, result: dict, *, with_check: bool, restart: bool) -> None:
    """Wipe, ingest, annotate, run the recipes (and ``check --all``), recording into ``result``."""
    from graphtrace.recipes.annotate import annotate_traces
    from graphtrace.store.connection import connect

    settings = resolve_settings()
    wiped = restart and local_server_pid(settings.uri) is not None and settings.database == "neo4j"
    if wiped:
        restart_local_server(wipe_store=True)
    driver = connect(settings)
    db = settings.database
    pid = local_server_pid(settings.uri)
    try:
        if not wiped:
            wipe(driver, db)
        ids = ingest_file(driver, db, path, result)
        result["neo4j_after_ingest"] = process_memory_mb(pid)
        t = time.perf_counter()
        annotate_traces(driver, ids, database=db)
        result["annotate_s"] = round(time.perf_counter() - t, 2)
        result["recipes"] = recipes(driver, db)
        if with_check:
            from graphtrace.jobs.check import check_traces

            t = time.perf_counter()
            report = check_traces(driver, database=db)
            result["check_all_s"] = round(time.perf_counter() - t, 2)
            result["check_all_traces_per_s"] = round(report.traces_checked / result["check_all_s"], 1)
            result["check_all_disagreements"] = len(report.disagreements)
        result["neo4j_at_end"] = process_memory_mb(pid)
    finally:
        driver.close()


def bulk_stages(path: Path, result: dict) -> None:
    """The load ceiling and our bulk path, on the local server (which must be the configured target).

    1. bare ``neo4j-admin database import full`` of CSVs written beforehand (import time only);
    2. ``bulk_ingest`` end to end into an emptied database: read, CSVs, stop, import, restart, schema.
    Leaves the database holding the bulk-loaded graph.
    """
    import functools
    import os
    import shutil
    import tempfile

    from graphtrace.localdb import Layout, stop
    from graphtrace.readers import read_traces
    from graphtrace.jobs.bulk import bulk_ingest, import_csvs
    from graphtrace.store.bulk import write_csvs

    settings = resolve_settings()
    if local_server_pid(settings.uri) is None:
        result["bulk"] = "skipped: the target is not the local graphtrace server"
        return
    layout = Layout.for_home()
    layout.import_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-", dir=layout.import_dir))
    try:
        counts = write_csvs(read_traces([str(path)]), tmp)
        result["csv_write_1proc_s"] = round(counts.seconds, 2)
        result["csv_mb"] = round(sum(f.stat().st_size for f in tmp.rglob("*") if f.is_file()) / 2**20, 1)
        stop()
        t = time.perf_counter()
        import_csvs(counts, settings.database)
        result["bare_admin_import_s"] = round(time.perf_counter() - t, 2)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    restart_local_server(wipe_store=True)
    jobs = max(1, min(len(os.sched_getaffinity(0)), 4))  # `ingest --bulk`'s default --jobs here
    result["bulk_jobs"] = jobs
    t = time.perf_counter()
    summary = bulk_ingest(read_traces([str(path)]), settings, workers=jobs,
                          reread=functools.partial(read_traces, [str(path)]))
    total = time.perf_counter() - t
    result["bulk_ingest_s"] = round(total, 2)
    result["bulk_spans_per_s"] = summary.counts.spans / total
    result["bulk_split_s"] = {k: round(getattr(summary, k), 2) for k in
                              ("csv_seconds", "stop_seconds", "import_seconds", "restart_seconds", "schema_seconds")}
    result["bulk_rollup_cells"] = summary.counts.rollup_cells
    result["bulk_vs_bare_import"] = round(total / result["bare_admin_import_s"], 2)
