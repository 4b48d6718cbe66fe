"""Time the rollup recipes against their span-scanning twins on whatever the database holds.

Usage (a local server of `graphtrace db start`, loaded with `graphtrace ingest` or `ingest --bulk`)::

    GRAPHTRACE_HOME=~/.cache/gt-x .venv/bin/python -m bench.rollups [--rebuild] [--check] [--runs 3] [--rollups-only]

``--rebuild`` first recomputes every rollup from the stored spans (what follows `ingest --bulk`) and
times it; ``--check`` runs ``check_rollups`` (rollups vs the exact in-memory figures).  Then each recipe
pair runs ``--runs`` times (the first is cold: the query is planned); the cover check of
``rollup_choice.pick`` is timed too.  Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

from graphtrace.jobs.check_rollups import check_rollups
from graphtrace.jobs.rollups import rebuild_rollups
from graphtrace.jobs.settings import resolve_settings
from graphtrace.recipes.catalog import get_recipe
from graphtrace.recipes.rollup_choice import rollups_cover
from graphtrace.recipes.run import run_recipe
from graphtrace.store.connection import connect

CASES = {
    "slow-edges": {},
    "compare-windows": {},  # filled with the two halves of the data's time range
    "compare-windows/service": {"kind": "service"},
    "critical-path-hotspots": {},
    "critical-path-hotspots/service": {"group_by": "service"},
}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(fn):
    wall, cpu = time.perf_counter(), _cpu()
    out = fn()
    return out, round(time.perf_counter() - wall, 2), round(_cpu() - cpu, 2)


def _halves(driver, database: str) -> dict[str, int]:
    """A and B: the two halves of the minutes the rollups cover (cut on a whole minute)."""
    rec = driver.execute_query("MATCH (r:Rollup) RETURN min(r.minute) AS lo, max(r.minute) AS hi",
                               database_=database).records[0]
    cut = (rec["lo"] + (rec["hi"] - rec["lo"]) // 2) * 60_000_000_000
    return {"a_until_ns": cut, "b_since_ns": cut, "min_calls": 1}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--rollups-only", action="store_true", help="time only the rollup twins")
    args = ap.parse_args()
    settings = resolve_settings()
    out: dict = {}
    with connect(settings) as driver:
        db = settings.database
        out["traces"] = driver.execute_query("MATCH (t:Trace) RETURN count(t) AS n", database_=db).records[0]["n"]
        if args.rebuild:
            n, wall, cpu = _timed(lambda: rebuild_rollups(driver, database=db))
            out["rebuild"] = {"traces": n, "wall_s": wall, "client_cpu_s": cpu}
        out["cells"] = driver.execute_query("MATCH (r:Rollup) RETURN count(r) AS n", database_=db).records[0]["n"]
        _, wall, _ = _timed(lambda: rollups_cover(driver, database=db, timeout_s=None))
        out["cover_check_s"] = wall
        windows = _halves(driver, db)
        for case, params in CASES.items():
            name = case.split("/")[0]
            params = {**params, **(windows if name == "compare-windows" else {})}
            row = {}
            for variant in (name + "-rollup",) + (() if args.rollups_only else (name,)):
                recipe = get_recipe(variant)
                row[variant] = [_timed(lambda: run_recipe(driver, recipe, params, database=db,
                                                          timeout_s=None))[1] for _ in range(args.runs)]
            out[case] = row
            print(case, row, flush=True)
        if args.check:
            result, wall, cpu = _timed(lambda: check_rollups(driver, database=db))
            out["check"] = {"compared": result.rows, "problems": result.problems[:20], "wall_s": wall,
                            "client_cpu_s": cpu}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
