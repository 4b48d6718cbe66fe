"""Time ``GET /api/traces/{id}/view``'s server side by phase on one stored trace.

Usage (from the repo root; the Neo4j of GRAPHTRACE_HOME / NEO4J_URI holds the trace, e.g. one made with
``graphtrace generate -n 1 --spans-per-trace 50000`` and ``graphtrace ingest``)::

    .venv/bin/python -m bench.view_speed TRACE_ID [--repeat 3]

Prints wall and process CPU seconds of: the read query, decoding the spans, the analysis + view
document, the JSON encoding, gzip of the JSON (level 1 and 6), and their total (the first call is
the cold one: Neo4j's page cache may still be warm from the ingest).  Neo4j's own CPU is not in
the process CPU; read it from the java process (``ps -o time``).
"""

from __future__ import annotations

import argparse
import gzip
import time

import orjson


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _lap(label: str, start: tuple[float, float], laps: list[str]) -> tuple[float, float]:
    now = _clock()
    laps.append(f"{label} {now[0] - start[0]:.2f}s/{now[1] - start[1]:.2f}cpu")
    return now


def main() -> None:
    from graphtrace.gcpause import gc_paused
    from graphtrace.jobs.settings import resolve_settings
    from graphtrace.jobs.trace_view import trace_view
    from graphtrace.store import queries
    from graphtrace.store.connection import connect
    from graphtrace.store.read import _read, _trace

    ap = argparse.ArgumentParser()
    ap.add_argument("trace_id")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    settings = resolve_settings()
    driver = connect(settings)
    try:
        for _ in range(args.repeat):
            laps: list[str] = []
            t = first = _clock()
            with gc_paused():  # as load_trace does
                records = _read(driver, queries.LOAD_TRACES, settings.database, trace_ids=[args.trace_id])
                t = _lap("query", t, laps)
                trace = _trace(args.trace_id, records[0]["spans"])
                t = _lap("decode", t, laps)
            view = trace_view(trace)
            t = _lap("view", t, laps)
            body = orjson.dumps(view, option=orjson.OPT_NON_STR_KEYS)
            t = _lap("json", t, laps)
            _lap("total", first, laps)
            for level in (1, 6):
                z = _clock()
                packed = gzip.compress(body, compresslevel=level)
                _lap(f"gzip{level}({len(packed) / 1e6:.1f}MB)", z, laps)
            print(f"{len(trace.spans)} spans, {len(body) / 1e6:.1f} MB: " + ", ".join(laps), flush=True)
    finally:
        driver.close()


if __name__ == "__main__":
    main()
