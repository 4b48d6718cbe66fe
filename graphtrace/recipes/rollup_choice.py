"""Pick a recipe's rollup twin (docs/rollups.md): the cross-trace recipes answer from the per-minute
rollups by default, and scan the spans with ``--exact`` or when the rollups do not cover the store.

A recipe that scans spans names its twin in its header (``// rollup: slow-edges-rollup``).  The twin
has the same parameters and columns; it reads the ``(:Rollup)`` cells instead of every span.  The
rollups cover the store when every ``(:Trace)`` carries ``rollup = true`` (a trace written by a path
that does not maintain rollups, or left by a crash, does not): otherwise the exact recipe runs, with
a note saying why.

>>> from graphtrace.recipes.header import Recipe
>>> pick(None, Recipe(name="x", question="?", body="RETURN 1"), exact=False, database="neo4j")[1] is None
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphtrace.errors import RecipeError
from graphtrace.recipes.header import Recipe

# The trace count comes from the count store and the marked ones from the index on Trace.rollup
# (store.queries.INDEXES, created by init_schema): no scan of the traces.
ROLLUPS_COVER = """
CALL () { MATCH (t:Trace) RETURN count(t) AS stored }
CALL () { MATCH (t:Trace) WHERE t.rollup = true RETURN count(t) AS rolled }
RETURN stored = rolled AS covered
"""


def rollups_cover(driver: Any, *, database: str, timeout_s: float | None = 30) -> bool:
    """True when every stored trace's contribution is in the rollups (an empty store too)."""
    import neo4j

    query = neo4j.Query(ROLLUPS_COVER, timeout=timeout_s)
    try:
        return bool(driver.execute_query(query, database_=database).records[0]["covered"])
    except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError) as exc:
        raise RecipeError(f"cannot tell whether the rollups cover the store: {exc}") from exc


def pick(driver: Any, recipe: Recipe, *, exact: bool, database: str,
         get: Callable[[str], Recipe] | None = None, timeout_s: float | None = 30) -> tuple[Recipe, str | None]:
    """``(recipe to run, note)``: the rollup twin of ``recipe`` unless ``exact``, the recipe has none, or
    the rollups do not cover the store (then the recipe itself and a note why).  ``get`` finds a recipe
    by name (default: the catalogue's built-ins)."""
    if exact or not recipe.rollup:
        return recipe, None
    if get is None:
        from graphtrace.recipes.catalog import get_recipe

        def get(name: str) -> Recipe:
            return get_recipe(name)

    twin = get(recipe.rollup)
    if not rollups_cover(driver, database=database, timeout_s=timeout_s):
        return recipe, (f"{recipe.name}: some stored traces are not in the rollups (written by a path that "
                        f"does not keep them, or left by an interrupted load): scanning the spans as with --exact")
    return twin, None
