"""graphtrace benchmarks: each stage beside its physical reference, measured in the same run.

Usage (from the repo root, after scripts/bootstrap.sh):

    .venv/bin/python -m bench.run --traces 1000 10000 100000 [--neo4j [--restart-neo4j] [--bulk]] [--rss]

Stages, all streaming (memory bounded by a trace, not the file): generate ->
OTLP NDJSON file -> bare orjson parse (the floor) -> read_traces -> read +
analyze_trace in one stream.  ``--rss``: peak RSS of `graphtrace analyze` as a
separate process (the bench's own peak covers the streaming ingest).  ``--neo4j`` (WIPES the
database in NEO4J_URI / the local server): driver ingest, annotate, every
cross-trace recipe cold and warm, `check --all` (unless --no-check), Neo4j's
RSS; ``--bulk`` adds the load ceiling (bare neo4j-admin import of the same
spans' CSVs) and `ingest --bulk` end to end.  Prints a summary and writes bench/results/bench-N.json per size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from bench import stages


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def in_memory(path: Path, spans: int, result: dict) -> None:
    count, secs = stages.parse_floor(path)
    assert count == spans, (count, spans)
    result["orjson_floor_spans_per_s"] = spans / secs
    _, secs = stages.read_only(path)
    result["read_spans_per_s"] = spans / secs
    e2e = stages.read_and_analyze(path)
    result["analyze_spans_per_s"] = spans / e2e["analyze_s"]
    result["read_plus_analyze_spans_per_s"] = spans / e2e["total_s"]


def run_size(n: int, workdir: Path, args: argparse.Namespace) -> dict:
    path = workdir / f"traces-{n}.ndjson"
    t = datetime.now(timezone.utc)
    spans = stages.write_dataset(path, n, args.spans_per_trace)
    result = {"traces": n, "spans": spans, "file_mb": round(path.stat().st_size / 2**20, 1),
              "generate_s": round((datetime.now(timezone.utc) - t).total_seconds(), 1)}
    in_memory(path, spans, result)
    if args.rss:
        from bench.rss import analyze_rss

        result.update(analyze_rss(path, spans))
    if args.neo4j:
        from bench.neo4j_stages import neo4j_stages

        neo4j_stages(path, result, with_check=not args.no_check, restart=args.restart_neo4j)
        if args.bulk:
            from bench.neo4j_stages import bulk_stages

            bulk_stages(path, result)
    result["bench_python_peak_rss_mb"] = _rss_mb()
    return result


def _print(n: int, result: dict) -> None:
    print(f"\n== {n} traces")
    for key, value in result.items():
        if key in ("recipes", "machine"):
            continue
        print(f"  {key:34} {value:,.1f}" if isinstance(value, float) else f"  {key:34} {value}")
    for name, t in result.get("recipes", {}).items():
        if t["cold_s"] is None:
            print(f"  recipe {name:27} timed out after {t['timed_out_after_s']} s")
        else:
            print(f"  recipe {name:27} cold {t['cold_s']:.3f}s warm {t['warm_s']:.3f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--traces", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--spans-per-trace", type=int, default=None,
                        help="pad traces to this many spans (default: fan-out 8, 25 spans)")
    parser.add_argument("--neo4j", action="store_true", help="also ingest, run recipes and check (WIPES the database!)")
    parser.add_argument("--restart-neo4j", action="store_true", help="restart the local server before each size")
    parser.add_argument("--bulk", action="store_true",
                        help="with --neo4j on the local server: bare neo4j-admin import vs `ingest --bulk`")
    parser.add_argument("--no-check", action="store_true", help="skip `check --all` (slow on large sizes)")
    parser.add_argument("--rss", action="store_true", help="peak RSS of `graphtrace analyze` on the file")
    parser.add_argument("--out", default="bench/results")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    machine = {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count(),
               "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.traces:
            result = run_size(n, Path(tmp), args)
            result["machine"] = machine
            (out / f"bench-{n}.json").write_text(json.dumps(result, indent=2))
            _print(n, result)


if __name__ == "__main__":
    main()
