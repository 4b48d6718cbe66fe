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


def query_type(driver: neo4j.Driver, recipe: Recipe, params: Mapping[str, Any], *, database: str,
               text: str | None = None) -> str:
    """``EXPLAIN`` ``text`` (default: the body) and return the server's query type: ``r``, ``rw``, ``w`` or ``s``."""
    try:
        result = driver.execute_query(
            _query(recipe, "EXPLAIN\n" + (recipe.body if text is None else text), None), dict(params),
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


def run_checked(
    driver: neo4j.Driver,
    recipe: Recipe,
    bound: Mapping[str, Any],
    qtype: str,
    *,
    database: str,
    timeout_s: float | None = 30,
    text: str | None = None,
) -> tuple[list[str], list[dict[str, Any]]]:
    """Run ``text`` (default: the body) with ``bound`` parameters; the caller has already
    established its query type ``qtype`` (:func:`query_type`) and accepted it (:func:`check_mode`).

    For callers that run one recipe many times: the query type of a body does not depend
    on parameter values, so one ``EXPLAIN`` serves every run.  Returns ``(columns, rows)``.
    Example (needs a server)::

        qtype = query_type(driver, recipe, bound, database="neo4j")
        check_mode(recipe, qtype, write=False)
        columns, rows = run_checked(driver, recipe, bound, qtype, database="neo4j")
    """
    routing = RoutingControl.READ if qtype == READ_ONLY else RoutingControl.WRITE
    try:
        result = driver.execute_query(
            _query(recipe, recipe.body if text is None else text, timeout_s), dict(bound),
            routing_=routing, database_=database,
        )
    except (Neo4jError, ServiceUnavailable, SessionExpired) as exc:
        raise _translate(recipe, exc, timeout_s) from exc
    columns = list(result.keys)
    rows = [dict(zip(columns, map(to_plain, record))) for record in result.records]
    return columns, rows


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
    return run_checked(driver, recipe, bound, qtype, database=database, timeout_s=timeout_s)
