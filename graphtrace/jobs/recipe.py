"""The recipe job: one stored investigation by name, its rows, and why there are none.

Every front end runs a recipe through the same two calls:

* :func:`prepare_recipe` (no connection): find the recipe, refuse a writing recipe where only
  read-only ones may run (the HTTP API), write a ``trace_id`` as the readers store ids
  (:func:`normalize_trace_id`) and check the parameters, so a bad one fails before connecting;
* :func:`answer_recipe`: run it (read-only unless ``write``) and, when it finds no rows, say why
  (:func:`graphtrace.recipes.emptiness.why_no_rows`: no traces, no remote calls); a ``trace_id``
  that is not stored is a ``RecipeError`` ("not found").

``graphtrace recipe run`` renders the answer; the API (:mod:`graphtrace.jobs.serve_api`) returns
its columns and rows; :func:`run_recipe` is the same for a Python caller.

>>> normalized_params({"trace_id": " 4BF92F3577B34DA6 ", "limit": "5"})
{'trace_id': '00000000000000004bf92f3577b34da6', 'limit': '5'}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphtrace.errors import InputError, RecipeError
from graphtrace.recipes.catalog import get_recipe
from graphtrace.recipes.emptiness import NoRows, why_no_rows
from graphtrace.recipes.header import Recipe
from graphtrace.recipes.params import bind_params
from graphtrace.recipes.run import run_recipe as _run
from graphtrace.store.connection import Neo4jSettings, connect

READ_ONLY_REFUSAL = "the API runs read-only recipes only"
"""The end of the refusal of a writing recipe where only read-only ones run (the API answers 403 on it)."""


def normalize_trace_id(text: str) -> str:
    """A trace id written as the readers write it (hex: lowercase, padded to 32 digits; others as given).

    >>> normalize_trace_id(" 4BF92F3577B34DA6 "), normalize_trace_id("trace-A")
    ('00000000000000004bf92f3577b34da6', 'trace-A')
    """
    from graphtrace.readers.ids import TRACE_WIDTH, IdError, normalize_id

    try:
        return normalize_id(text.strip(), TRACE_WIDTH)[0]
    except IdError as exc:
        raise InputError(str(exc), field="trace_id") from None


def normalized_params(given: Mapping[str, Any]) -> dict[str, Any]:
    """``given`` with a string ``trace_id`` normalised (:func:`normalize_trace_id`), the rest as given.

    >>> normalized_params({"trace_id": 7})
    {'trace_id': 7}
    """
    out = dict(given)
    if isinstance(out.get("trace_id"), str):
        out["trace_id"] = normalize_trace_id(out["trace_id"])
    return out


def prepare_recipe(name: str, params: Mapping[str, Any], *, recipes: Sequence[str | Path] = (),
                   read_only: bool = False) -> tuple[Recipe, dict[str, Any]]:
    """The recipe ``name`` and its normalised, checked parameters; no connection is made.

    ``read_only`` refuses a recipe that is not a read recipe (``RecipeError``); parameters that
    are not a mapping (a JSON body that is a list) are an ``InputError``.
    """
    recipe = get_recipe(name, recipes)
    if read_only and recipe.mode != "read":
        raise RecipeError(f"recipe {name!r} writes to the database (mode: {recipe.mode}); {READ_ONLY_REFUSAL}",
                          record=name)
    if not isinstance(params, Mapping):
        raise InputError("the body must be a JSON object of parameters", record=name)
    given = normalized_params(params)
    bind_params(recipe, given)  # a bad parameter fails here, before any connection
    return recipe, given


@dataclass
class RecipeAnswer:
    """A recipe's columns and rows; ``empty`` says why there are none when the data lacks a need."""

    recipe: Recipe
    columns: list[str]
    rows: list[dict[str, Any]]
    empty: NoRows | None = None
    note: str | None = None  # why a recipe with a rollup twin scanned the spans anyway (docs/rollups.md)


def answer_recipe(driver: Any, recipe: Recipe, given: Mapping[str, Any], *, database: str,
                  timeout_s: float | None = 30, write: bool = False, explain: bool = True,
                  exact: bool = False) -> RecipeAnswer:
    """Run ``recipe`` with the parameters of :func:`prepare_recipe`; with no rows and ``explain``,
    find why (a trace that is not stored raises ``RecipeError`` "trace ... not found").

    Example (needs a server)::

        recipe, given = prepare_recipe("critical-path", {"trace_id": "971A6595..."})
        answer = answer_recipe(driver, recipe, given, database="neo4j")
    """
    from graphtrace.recipes.rollup_choice import pick  # the rollup twin unless exact (docs/rollups.md)

    run_as, note = pick(driver, recipe, exact=exact, database=database, timeout_s=timeout_s)
    columns, rows = _run(driver, run_as, given, database=database, timeout_s=timeout_s, write=write)
    empty = None
    if not rows and explain:
        empty = why_no_rows(driver, recipe, given, database=database, timeout_s=timeout_s)
        if empty is not None and empty.not_found:
            raise RecipeError(empty.reason, field="trace_id")
    return RecipeAnswer(recipe=recipe, columns=columns, rows=rows, empty=empty, note=note)


def run_recipe(name: str, settings: Neo4jSettings | None = None, *, recipes: Sequence[str | Path] = (),
               timeout_s: float | None = 30, write: bool = False, **params: Any) -> list[dict[str, Any]]:
    """The rows of recipe ``name`` run with ``params`` (settings: default as the CLI resolves them).

    A bad parameter is a ``RecipeError`` before any connection is made (a ``trace_id`` is
    normalised as everywhere); no rows is an empty list, without a reason::

        rows = run_recipe("slow-edges", min_calls=10, limit=5)
    """
    from graphtrace.jobs.settings import resolve_settings

    recipe, given = prepare_recipe(name, params, recipes=recipes)
    settings = settings or resolve_settings()
    with connect(settings) as driver:
        return answer_recipe(driver, recipe, given, database=settings.database, timeout_s=timeout_s,
                             write=write, explain=False).rows
