"""Driver-ingest throughput on the local server of ``GRAPHTRACE_HOME``: spans/s with CPU seconds on both sides.

Each run starts from an EMPTY store (the server is stopped, its ``neo4j`` database files
deleted, and started again), writes the generated traces of ``bench.stages.write_dataset``
(fan-out 8, 25 spans per trace), and reports:

* wall seconds and spans/s of ``ingest`` alone (the reader's time taken out), and with annotate;
* the Python CPU seconds of ingest (the reader's CPU taken out) and of the Neo4j java process
  (``/proc/PID/stat`` utime + stime before and after), so runs under different machine load
  compare by CPU, not by wall time.

``--profile`` writes a cProfile of the ingest (Python side) to ``bench/results/``;
``--explain`` runs each write statement of one batch under ``PROFILE`` (then rolls back) and prints
db hits and rows per operator.

    GRAPHTRACE_HOME=~/.cache/gt-x .venv/bin/python -m bench.ingest_speed --traces 10000 --annotate
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.stages import write_dataset


class CpuTimedIter:
    """Wrap an iterator; add the wall and process CPU time spent producing items."""

    def __init__(self, items) -> None:
        self._it, self.wall, self.cpu = iter(items), 0.0, 0.0

    def __iter__(self):
        return self

    def __next__(self):
        w, c = time.perf_counter(), time.process_time()
        try:
            return next(self._it)
        finally:
            self.wall += time.perf_counter() - w
            self.cpu += time.process_time() - c


def java_cpu_s(pid: int) -> float:
    """utime + stime of ``pid`` (and its reaped children), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
    return ticks / os.sysconf("SC_CLK_TCK")


def fresh_server() -> int:
    """Stop the local server, delete its ``neo4j`` database, start it; its pid."""
    from graphtrace import localdb

    layout = localdb.Layout.for_home()
    localdb.stop(layout)
    for sub in ("databases", "transactions"):
        shutil.rmtree(layout.data / sub / "neo4j", ignore_errors=True)
    from graphtrace.localdb.config import configured_options

    options = configured_options(layout)
    return localdb.start(layout, options, mode="java").pid


def run(path: Path, spans: int, args: argparse.Namespace) -> dict:
    from graphtrace.jobs.settings import resolve_settings
    from graphtrace.readers import read_traces
    from graphtrace.recipes.annotate import annotate_traces
    from graphtrace.store.connection import connect
    from graphtrace.store.ingest import ingest
    from graphtrace.store.schema import init_schema

    pid = fresh_server()
    settings = resolve_settings()
    out: dict = {"traces": args.traces, "spans": spans, "batch_spans": args.batch_spans, "workers": args.workers,
                 "load_before": os.getloadavg()[0]}
    with connect(settings) as driver:
        init_schema(driver, database=settings.database)
        stream = CpuTimedIter(read_traces([str(path)]))
        j0, c0, w0 = java_cpu_s(pid), time.process_time(), time.perf_counter()
        prof = None
        if args.profile:
            import cProfile
            prof = cProfile.Profile()
            prof.enable()
        summary = ingest(driver, stream, database=settings.database, batch_spans=args.batch_spans,
                         workers=args.workers)
        if prof is not None:
            prof.disable()
            prof.dump_stats(str(Path(args.out) / f"ingest-{args.traces}.prof"))
        wall = time.perf_counter() - w0 - stream.wall
        out.update(ingest_wall_s=round(wall, 2), ingest_spans_per_s=round(summary.spans / wall),
                   ingest_python_cpu_s=round(time.process_time() - c0 - stream.cpu, 2),
                   ingest_neo4j_cpu_s=round(java_cpu_s(pid) - j0, 2), read_wall_s=round(stream.wall, 2),
                   nodes=summary.nodes_created, relationships=summary.relationships_created)
        if args.annotate:
            j1, c1, w1 = java_cpu_s(pid), time.process_time(), time.perf_counter()
            annotate_traces(driver, summary.trace_ids, database=settings.database)
            a_wall = time.perf_counter() - w1
            out.update(annotate_wall_s=round(a_wall, 2), annotate_python_cpu_s=round(time.process_time() - c1, 2),
                       annotate_neo4j_cpu_s=round(java_cpu_s(pid) - j1, 2),
                       with_annotate_spans_per_s=round(summary.spans / (wall + a_wall)))
    out["load_after"] = os.getloadavg()[0]
    out["cpu_us_per_span"] = round(1e6 * (out["ingest_python_cpu_s"] + out["ingest_neo4j_cpu_s"]) / spans, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--traces", type=int, default=10_000)
    parser.add_argument("--batch-spans", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--annotate", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--label", default="")
    parser.add_argument("--out", default="bench/results")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "traces.ndjson"
        spans = write_dataset(path, args.traces)
        result = run(path, spans, args)
    result["label"] = args.label
    print(json.dumps(result))
    with (Path(args.out) / "ingest-speed.jsonl").open("a") as fh:
        fh.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
