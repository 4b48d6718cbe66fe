"""The recipes ``graphtrace check`` runs: the built-in read recipes that declare an in-memory twin
(``agrees-with`` header), the per-trace ones batched over many traces, and the cross-trace edge check
(``slow-edges`` vs ``analysis.edges.EdgeCollector``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import neo4j

from graphtrace.analysis.edges import EdgeCollector
from graphtrace.errors import RecipeError
from graphtrace.jobs.check_report import Checker, Disagreement
from graphtrace.recipes.batch import BatchedRecipe
from graphtrace.recipes.catalog import builtin_dir, load_recipe
from graphtrace.recipes.header import Recipe
from graphtrace.recipes.run import run_recipe

_EDGE_FIELDS = ("calls", "traces", "p50_ns", "p95_ns", "p99_ns", "gap_p50_ns", "gap_p95_ns", "gap_p99_ns",
                "errors", "error_rate", "cp_traces", "cp_share", "inferred_calls", "unknown_gaps")
ALL_ROWS = 1_000_000_000
# The in-memory twins compared per trace, by the name a recipe declares in its ``agrees-with``
# header, and the columns each comparison reads (the rest are display columns).
PER_TRACE = {
    "analyze_trace": ("span_id", "depth", "self_ns", "cp_ns", "on_cp"),
    "self_times": ("span_id", "self_ns", "children_ns"),
    "critical_path": ("span_id", "start_ns", "end_ns", "duration_ns"),
    "bottlenecks": ("span_id", "cp_ns", "self_ns", "share"),
}
EDGES = "edge_stats"  # the cross-trace twin: compared over the whole database


def declared_twins(directory: Path | None = None) -> dict[str, Recipe]:
    """Twin name -> the built-in read recipe whose ``agrees-with`` header names it (the recipes this
    check runs); a twin that no recipe, or more than one, declares is a ``RecipeError``.

    >>> {twin: r.name for twin, r in declared_twins().items()}  # doctest: +NORMALIZE_WHITESPACE
    {'analyze_trace': 'call-tree', 'bottlenecks': 'bottlenecks', 'critical_path': 'critical-path',
     'edge_stats': 'slow-edges', 'self_times': 'self-time'}
    """
    found: dict[str, list[Recipe]] = {}
    for path in sorted((directory or builtin_dir()).glob("*.cypher")):
        recipe = load_recipe(path)
        if recipe.mode == "read" and recipe.agrees_with in (*PER_TRACE, EDGES):
            found.setdefault(recipe.agrees_with, []).append(recipe)
    for twin in (*PER_TRACE, EDGES):
        if len(found.get(twin, [])) != 1:
            names = [r.name for r in found.get(twin, [])]
            raise RecipeError(f"`graphtrace check` needs one read recipe with 'agrees-with: {twin}', found {names}",
                              field="agrees-with")
    return {twin: recipes[0] for twin, recipes in sorted(found.items())}


class CheckRecipes:
    """The built-in recipes the check runs (user overrides never replace what is being checked).

    The per-trace ones run many traces per query (:class:`BatchedRecipe`: the unchanged body
    with ``$trace_id`` bound per trace), their query type established once, before any thread
    uses them.
    """

    def __init__(self, driver: neo4j.Driver, database: str, timeout_s: float | None) -> None:
        self.driver, self.database, self.timeout_s = driver, database, timeout_s
        self.twins = declared_twins()
        self.per_trace = {twin: BatchedRecipe(driver, self.twins[twin], "trace_id",
                                              database=database, timeout_s=timeout_s, columns=columns)
                          for twin, columns in PER_TRACE.items()}

    def prepare(self, trace_id: str) -> list[str]:
        """EXPLAIN each per-trace recipe once (read only? batchable?); return notes on unbatched ones."""
        for name, rec in self.per_trace.items():
            rec.prepare(trace_id, **recipe_params(name))
        return [rec.note for rec in self.per_trace.values() if rec.note]

    def rows(self, twin: str, **params: Any) -> list[dict[str, Any]]:
        return run_recipe(self.driver, self.twins[twin], params, database=self.database,
                          timeout_s=self.timeout_s)[1]


def recipe_params(name: str) -> dict[str, Any]:
    """The fixed parameters of a per-trace recipe in the check.

    >>> recipe_params("bottlenecks"), recipe_params("self_times")
    ({'limit': 1000000000}, {})
    """
    # bottlenecks: every row (at most one per span, like the engine's limit=len(spans))
    return {"limit": ALL_ROWS} if name == "bottlenecks" else {}


def check_edges(recipes: CheckRecipes, collected: EdgeCollector, out: list[Disagreement]) -> int:
    """Compare ``slow-edges`` (all edges, same window) with the collected edge statistics;
    return the number of edges."""
    params = {"since_ns": collected.since_ns, "until_ns": collected.until_ns, "limit": ALL_ROWS, "min_calls": 1}
    neo = {(r["caller"], r["callee"], r["operation"]): r for r in recipes.rows(EDGES, **params)}
    mem = {(e.caller, e.callee, e.operation): e.model_dump() for e in collected.stats()}
    chk = Checker(None, out)
    for key in sorted(set(neo) | set(mem)):
        label = " -> ".join(key[:2]) + f" {key[2]}"
        n, m = neo.get(key), mem.get(key)
        if n is None or m is None:
            chk.same(f"edge {label} exists", n is not None, m is not None)
            continue
        for field in _EDGE_FIELDS:
            chk.same(f"edge {label} {field}", n[field], m[field])
    return len(set(neo) | set(mem))
