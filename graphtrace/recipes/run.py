"""Run a recipe against Neo4j: check it is read-only with ``EXPLAIN``, then run it.

Before running, the body is ``EXPLAIN``-ed and the summary's ``query_type``
inspected: ``'r'`` (read only) runs; ``'rw'``, ``'w'`` or ``'s'`` (writes or
schema changes) are refused unless the recipe's header says
``mode: maintenance`` *and* the caller passes ``write=True``.  Reads run in
a READ-routed managed transaction, so the server refuses writes a second time.
Every query carries ``metadata={'app': 'graphtrace', 'recipe': name}`` (shown
by ``SHOW TRANSACTIONS``) and the timeout.

>>> to_plain([1, {"a": (2, 3)}])
[1, {'a': [2, 3]}]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import neo4j
from neo4j import Query, RoutingControl
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired
from neo4j.graph import Node, Path, Relationship

from graphtrace.errors import RecipeError, StoreError
from graphtrace.recipes.header import Recipe
from graphtrace.recipes.params import bind_params

READ_ONLY = "r"
_QUERY_TYPES = {"r": "read only", "rw": "reads and writes", "w": "writes", "s": "changes the schema"}


def to_plain(value: Any) -> Any:
    """Convert Neo4j driver values (nodes, relationships, paths, temporal) to plain Python.

    >>> to_plain({"x": [1.5, None, "a"]})
    {'x': [1.5, None, 'a']}
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Node):
        return {"labels": sorted(value.labels), **{k: to_plain(v) for k, v in value.items()}}
    if isinstance(value, Relationship):
        return {"type": value.type, **{k: to_plain(v) for k, v in value.items()}}
    if isinstance(value, Path):
        return [to_plain(n) for n in value.nodes]
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return str(value)


def _query(recipe: Recipe, text: str, timeout_s: float | None) -> Query:
    return Query(text, metadata={"app": "graphtrace", "recipe": recipe.name}, timeout=timeout_s)


def _translate(recipe: Recipe, exc: Exception, timeout_s: float | None) -> Exception:
    """Map a driver error to a graphtrace error naming the recipe."""
    if isinstance(exc, (ServiceUnavailable, SessionExpired)):
        return StoreError(f"Neo4j became unreachable while running recipe {recipe.name}: {exc}")
    code = getattr(exc, "code", "") or ""
    if "TransactionTimedOut" in code or "TransactionTimeout" in code:
        return RecipeError(f"recipe {recipe.name} timed out after {timeout_s} s (raise it with --timeout)",
                           file=recipe.path)
    message = getattr(exc, "message", None) or str(exc)
    return RecipeError(f"Neo4j rejected recipe {recipe.name}: {code + ': ' if code else ''}{message}",
                       file=recipe.path)


def query_type(driver: neo4j.Driver, recipe: Recipe, params: Mapping[str, Any], *, database: str) -> str:
    """``EXPLAIN`` the body and return the server's query type: ``r``, ``rw``, ``w`` or ``s``."""
    try:
        result = driver.execute_query(
            _query(recipe, "EXPLAIN\n" + recipe.body, None), dict(params),
            routing_=RoutingControl.READ, database_=database,
        )
    except (Neo4jError, ServiceUnavailable, SessionExpired) as exc:
        raise _translate(recipe, exc, None) from exc
    return str(result.summary.query_type or "")


def check_mode(recipe: Recipe, qtype: str, *, write: bool) -> None:
    """Refuse a writing query unless the recipe is a maintenance recipe run with ``write=True``.

    >>> from graphtrace.recipes.header import parse_recipe
    >>> check_mode(parse_recipe("// name: x\\n// question: q?\\nCREATE (n)"), "w", write=True)
    Traceback (most recent call last):
    ...
    graphtrace.errors.RecipeError: <recipe>: recipe x writes (query type 'w') but its header says mode: read; refused
    """
    if qtype == READ_ONLY:
        return
    what = _QUERY_TYPES.get(qtype, f"has query type {qtype!r}")
    if recipe.mode != "maintenance":
        raise RecipeError(f"recipe {recipe.name} {what.replace('reads and writes', 'writes')} "
                          f"(query type {qtype!r}) but its header says mode: read; refused", file=recipe.path)
    if not write:
        raise RecipeError(f"recipe {recipe.name} is a maintenance recipe that {what}; "
                          "run it with --write to allow that", file=recipe.path)


def run_recipe(
    driver: neo4j.Driver,
    recipe: Recipe,
    params: Mapping[str, Any],
    *,
    database: str,
    timeout_s: float | None = 30,
    write: bool = False,
) -> tuple[list[str], list[dict[str, Any]]]:
    """Bind ``params``, check the query type, run, and return ``(columns, rows)`` as plain Python.

    ``params`` may hold strings from the command line or typed values.
    Example (needs a server)::

        columns, rows = run_recipe(driver, get_recipe("critical-path"), {"trace_id": "ab12"},
                                   database="neo4j")
    """
    bound = bind_params(recipe, params)
    qtype = query_type(driver, recipe, bound, database=database)
    check_mode(recipe, qtype, write=write)
    routing = RoutingControl.READ if qtype == READ_ONLY else RoutingControl.WRITE
    try:
        result = driver.execute_query(
            _query(recipe, recipe.body, timeout_s), bound, routing_=routing, database_=database,
        )
    except (Neo4jError, ServiceUnavailable, SessionExpired) as exc:
        raise _translate(recipe, exc, timeout_s) from exc
    columns = list(result.keys)
    rows = [{key: to_plain(record[key]) for key in columns} for record in result.records]
    return columns, rows
