"""graphtrace benchmarks: each stage beside its physical reference, measured in the same run.

Usage (from the repo root, after scripts/bootstrap.sh):

    .venv/bin/python bench/run.py --traces 1000 10000 [--neo4j] [--out bench/results]

Stages: generate -> write OTLP NDJSON -> bare orjson parse (floor) -> read_traces ->
analyze_trace; with --neo4j also driver ingest, every cross-trace recipe (cold and
warm) and the cross-check.  Prints a table and writes JSON per size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import orjson

from graphtrace.errors import RecipeError
from graphtrace.synth import GenOptions, SlowEdge, generate


RECIPE_TIMEOUT_S = 120


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn):
    t = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t


def write_dataset(path: Path, n: int) -> int:
    from graphtrace.readers.otlp_writer import write_otlp_json

    opts = GenOptions(traces=n, fan_out=8, slow_edges=[SlowEdge(callee="cart", factor=20, from_fraction=0.5)])
    spans = 0
    with path.open("wb") as fh:
        for trace in generate(opts):
            spans += len(trace.spans)
            fh.write(write_otlp_json([trace]))
    return spans


def parse_floor(path: Path) -> int:
    count = 0
    with path.open("rb") as fh:
        for line in fh:
            doc = orjson.loads(line)
            for rs in doc["resourceSpans"]:
                for ss in rs["scopeSpans"]:
                    count += len(ss["spans"])
    return count


def read_all(path: Path) -> list:
    from graphtrace.readers import read_traces

    return list(read_traces([str(path)]))


def analyze_all(traces: list) -> int:
    from graphtrace.analysis.analyze import analyze_trace

    return sum(analyze_trace(t).span_count for t in traces)


def neo4j_stages(traces: list, spans: int, result: dict, with_check: bool) -> None:
    from graphtrace.recipes.catalog import load_catalog
    from graphtrace.recipes.run import run_recipe
    from graphtrace.store.connection import Neo4jSettings, connect
    from graphtrace.store.ingest import ingest
    from graphtrace.store.schema import init_schema

    settings = Neo4jSettings.resolve()
    driver = connect(settings)
    db = settings.database
    with driver.session(database=db) as session:  # CALL {} IN TRANSACTIONS needs an auto-commit run
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    init_schema(driver, database=db)
    summary, secs = _timed(lambda: ingest(driver, traces, database=db))
    result["ingest_spans_per_s"] = spans / secs
    result["ingest_s"] = secs
    try:
        from graphtrace.recipes.annotate import annotate_traces

        _, secs = _timed(lambda: annotate_traces(driver, [t.trace_id for t in traces], database=db))
        result["annotate_s"] = secs
    except ImportError:
        pass
    recipes = {}
    for recipe in load_catalog().values():
        if recipe.mode != "read" or any(p.name == "trace_id" for p in recipe.params):
            continue
        try:
            _, cold = _timed(lambda: run_recipe(driver, recipe, {}, database=db, timeout_s=RECIPE_TIMEOUT_S))
            _, warm = _timed(lambda: run_recipe(driver, recipe, {}, database=db, timeout_s=RECIPE_TIMEOUT_S))
            recipes[recipe.name] = {"cold_s": round(cold, 3), "warm_s": round(warm, 3)}
        except RecipeError:
            recipes[recipe.name] = {"cold_s": None, "warm_s": None, "timed_out_after_s": RECIPE_TIMEOUT_S}
    result["recipes"] = recipes
    if with_check:
        from graphtrace.crosscheck import check_traces

        report, secs = _timed(lambda: check_traces(driver, database=db))
        result["check_all_s"] = secs
    driver.close()


def run_size(n: int, workdir: Path, with_neo4j: bool, with_check: bool) -> dict:
    path = workdir / f"traces-{n}.ndjson"
    spans, gen_s = _timed(lambda: write_dataset(path, n))
    result = {"traces": n, "spans": spans, "file_mb": round(path.stat().st_size / 2**20, 1),
              "generate_s": round(gen_s, 2)}
    _, secs = _timed(lambda: parse_floor(path))
    result["orjson_floor_spans_per_s"] = spans / secs
    traces, secs = _timed(lambda: read_all(path))
    result["read_spans_per_s"] = spans / secs
    _, secs = _timed(lambda: analyze_all(traces))
    result["analyze_spans_per_s"] = spans / secs
    result["read_plus_analyze_spans_per_s"] = spans / (spans / result["read_spans_per_s"] + secs)
    if with_neo4j:
        neo4j_stages(traces, spans, result, with_check)
    result["python_peak_rss_mb"] = round(_rss_mb(), 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--traces", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--neo4j", action="store_true", help="also ingest, run recipes and check (wipes the database!)")
    parser.add_argument("--no-check", action="store_true", help="skip `check --all` (slow on large sizes)")
    parser.add_argument("--out", default="bench/results")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    machine = {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.traces:
            result = run_size(n, Path(tmp), args.neo4j, not args.no_check)
            result["machine"] = machine
            (out / f"bench-{n}.json").write_text(json.dumps(result, indent=2))
            rows = {k: v for k, v in result.items() if not isinstance(v, dict)}
            print(f"\n== {n} traces")
            for key, value in rows.items():
                print(f"  {key:32} {value:,.1f}" if isinstance(value, float) else f"  {key:32} {value}")
            for name, t in result.get("recipes", {}).items():
                if t["cold_s"] is None:
                    print(f"  recipe {name:25} timed out after {t['timed_out_after_s']} s")
                else:
                    print(f"  recipe {name:25} cold {t['cold_s']:.3f}s warm {t['warm_s']:.3f}s")


if __name__ == "__main__":
    main()
