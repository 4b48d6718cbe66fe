"""How store size and recipe time grow with the traces (docs/scale.md), on the local server of ``GRAPHTRACE_HOME``.

For each size: generate the traces (``bench.stages.write_dataset``: fan-out 8, 25 spans a trace), measure the
bare ``neo4j-admin`` import of their CSVs and ``bulk_ingest`` end to end (``bench.neo4j_stages.bulk_stages``,
which WIPES the database), annotate, then record the store's size on disk and every cross-trace read recipe,
cold and warm.  CPU seconds of this process, of its child processes during the bulk load (CSV writers,
neo4j-admin) and of the Neo4j java process are recorded beside the wall times, because the machine may be shared.

    GRAPHTRACE_HOME=~/.cache/gt-x .venv/bin/python -m bench.store_scale --traces 10000 30000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from bench.ingest_speed import java_cpu_s
from bench.neo4j_stages import bulk_stages, recipes
from bench.stages import write_dataset


def _children_cpu_s() -> float:
    """User + system CPU seconds of this process's finished (waited-for) child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def store_mb(path: Path) -> float:
    """Bytes of every file under ``path``, in MB."""
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def measure_store(result: dict) -> None:
    """The store's size on disk (store files, and the transaction logs apart) and every cross-trace read recipe (cold, warm)."""
    from graphtrace import localdb
    from graphtrace.jobs.settings import resolve_settings
    from graphtrace.store.connection import connect

    layout = localdb.Layout.for_home()
    settings = resolve_settings()
    pid = localdb.status(layout).pid
    with connect(settings) as driver:
        counts = driver.execute_query("MATCH (s:Span) RETURN count(s) AS spans", database_=settings.database)
        result["stored_spans"] = counts.records[0]["spans"]
        result["store_mb"] = store_mb(layout.data / "databases" / settings.database)
        result["tx_logs_mb"] = store_mb(layout.data / "transactions" / settings.database)
        j = java_cpu_s(pid)
        result["recipes"] = recipes(driver, settings.database)
        result["recipes_neo4j_cpu_s"] = round(java_cpu_s(pid) - j, 1)


def run_size(n: int, workdir: Path) -> dict:
    from graphtrace import localdb
    from graphtrace.jobs.settings import resolve_settings
    from graphtrace.recipes.annotate import annotate_traces
    from graphtrace.store.connection import connect

    path = workdir / f"traces-{n}.ndjson"
    result: dict = {"traces": n, "spans": write_dataset(path, n), "load_start": os.getloadavg()[0]}
    c0, k0 = time.process_time(), _children_cpu_s()
    bulk_stages(path, result)
    result["bulk_python_cpu_s"] = round(time.process_time() - c0, 1)
    # the CSV writer processes and the neo4j-admin JVMs (not the server: it is not our waited-for child)
    result["bulk_children_cpu_s"] = round(_children_cpu_s() - k0, 1)
    layout = localdb.Layout.for_home()
    settings = resolve_settings()
    pid = localdb.status(layout).pid
    with connect(settings) as driver:
        ids = [r["id"] for r in driver.execute_query("MATCH (t:Trace) RETURN t.trace_id AS id",
                                                     database_=settings.database).records]
        j, t = java_cpu_s(pid), time.perf_counter()
        annotate_traces(driver, ids, database=settings.database)
        result["annotate_s"] = round(time.perf_counter() - t, 1)
        result["annotate_neo4j_cpu_s"] = round(java_cpu_s(pid) - j, 1)
    measure_store(result)
    result["load_end"] = os.getloadavg()[0]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--traces", type=int, nargs="+", default=[10_000, 30_000])
    parser.add_argument("--measure-only", action="store_true",
                        help="no load: measure the store and the recipes on what the database holds now")
    parser.add_argument("--out", default="bench/results")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    if args.measure_only:
        result = {"measure_only": True, "load_start": os.getloadavg()[0]}
        measure_store(result)
        print(json.dumps(result), flush=True)
        with (Path(args.out) / "store-scale.jsonl").open("a") as fh:
            fh.write(json.dumps(result) + "\n")
        return
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.traces:
            result = run_size(n, Path(tmp))
            print(json.dumps(result), flush=True)
            with (Path(args.out) / "store-scale.jsonl").open("a") as fh:
                fh.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
