"""``graphtrace check`` for diagnose: the ``diagnose-owned`` recipe against :mod:`graphtrace.analysis.owned`.

:func:`check_diagnose` splits every stored, annotated trace at the middle of their starts into a
baseline and an incident window, runs the recipe, computes the same rows in memory from the traces
read back from Neo4j, and returns every difference (nothing printed); ``graphtrace check --all``
(:func:`graphtrace.jobs.check.check_traces`) adds them to its report.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import neo4j

from graphtrace.analysis.owned import window_rows

RECIPE = "diagnose-owned"
Window = tuple[int | None, int | None]


def _params(baseline: Window, incident: Window) -> dict[str, Any]:
    return {"baseline_since_ns": baseline[0], "baseline_until_ns": baseline[1],
            "incident_since_ns": incident[0], "incident_until_ns": incident[1]}


def owned_rows_neo4j(driver: neo4j.Driver, *, database: str, baseline: Window, incident: Window,
                     timeout_s: float | None = 120) -> list[dict[str, Any]]:
    """The ``diagnose-owned`` recipe's rows (the built-in recipe, never a user override)."""
    from graphtrace.recipes.catalog import builtin_dir
    from graphtrace.recipes.catalog import load_recipe
    from graphtrace.recipes.run import run_recipe

    recipe = load_recipe(builtin_dir() / f"{RECIPE}.cypher")
    return run_recipe(driver, recipe, _params(baseline, incident), database=database, timeout_s=timeout_s)[1]


def compare_rows(neo: Iterable[dict[str, Any]], mem: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Differences between recipe rows and in-memory rows, as ``{quantity, neo4j, networkx}``.

    >>> r = {"window": "baseline", "part": "wire", "service": "a", "callee": "b", "operation": "op",
    ...      "traces": 2, "total": 10, "sumsq": 1e-10}
    >>> compare_rows([r], [dict(r, sumsq=1e-10 * (1 + 1e-12))])
    []
    >>> [d["quantity"] for d in compare_rows([r], [dict(r, total=11)])]
    ['diagnose-owned baseline wire a -> b op total']
    """
    def key(r: dict[str, Any]) -> tuple:
        return (r["window"], r["part"], r["service"], r["callee"], r["operation"])

    n, m = {key(r): r for r in neo}, {key(r): r for r in mem}
    out = []
    for k in sorted(set(n) | set(m), key=lambda k: tuple((x is not None, x or "") for x in k)):
        label = f"{RECIPE} {k[0]} {k[1]} " + " -> ".join(x for x in k[2:4] if x) + (f" {k[4]}" if k[4] else "")
        label = label.rstrip()
        if k not in n or k not in m:
            out.append({"quantity": f"{label} exists", "neo4j": k in n, "networkx": k in m})
            continue
        for field in ("traces", "total", "sumsq"):
            a, b = n[k][field], m[k][field]
            same = math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) if field == "sumsq" else a == b
            if not same:
                out.append({"quantity": f"{label} {field}", "neo4j": a, "networkx": b})
    return out


def check_diagnose(driver: neo4j.Driver, *, database: str, timeout_s: float | None = 120) -> list[dict[str, Any]]:
    """Run ``diagnose-owned`` over every stored trace, split at the middle of their starts, and compare
    it with the in-memory rows of the same traces (read back from Neo4j); return the differences."""
    from graphtrace.store.queries import ANNOTATIONS
    from graphtrace.store.read import iter_traces, list_trace_ids
    from graphtrace.jobs.check_store import read_rows

    ids = list_trace_ids(driver, database=database)
    annotated = {r["trace_id"] for k in range(0, len(ids), 500)
                 for r in read_rows(driver, ANNOTATIONS, database, timeout_s, trace_ids=ids[k:k + 500])
                 if r["annotated"] is True}  # the recipe counts annotated traces only
    traces = list(iter_traces(driver, database=database, trace_ids=[t for t in ids if t in annotated],
                              timeout_s=timeout_s))
    if not traces:
        return []
    starts = sorted(min(s.start_ns for s in t.spans) for t in traces if t.spans)
    mid = starts[len(starts) // 2]
    windows = {"baseline": (None, mid), "incident": (mid, None)}
    mem = window_rows(traces, windows)
    neo = owned_rows_neo4j(driver, database=database, baseline=windows["baseline"], incident=windows["incident"],
                           timeout_s=timeout_s)
    return compare_rows(neo, mem)
