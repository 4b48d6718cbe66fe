"""The recipe job for a Python caller: one stored investigation by name, its rows as plain dicts.

The CLI's ``recipe run`` does the same steps (find the recipe, bind and check the
parameters before connecting, run read-only unless ``write``) and renders the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graphtrace.recipes.catalog import get_recipe
from graphtrace.recipes.params import bind_params
from graphtrace.recipes.run import run_recipe as _run
from graphtrace.store.connection import Neo4jSettings, connect


def run_recipe(name: str, settings: Neo4jSettings | None = None, *, recipes: Sequence[str | Path] = (),
               timeout_s: float | None = 30, write: bool = False, **params: Any) -> list[dict[str, Any]]:
    """The rows of recipe ``name`` run with ``params`` (settings: default as the CLI resolves them).

    A bad parameter is a ``RecipeError`` before any connection is made::

        rows = run_recipe("slow-edges", min_calls=10, limit=5)
    """
    from graphtrace.jobs.settings import resolve_settings

    recipe = get_recipe(name, recipes)
    bind_params(recipe, params)
    settings = settings or resolve_settings()
    with connect(settings) as driver:
        return _run(driver, recipe, params, database=settings.database, timeout_s=timeout_s, write=write)[1]
