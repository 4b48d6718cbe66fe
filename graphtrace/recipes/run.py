"""Run a recipe against Neo4j after two checks that must both pass: its clauses, and ``EXPLAIN``.

1. **Clauses** (:mod:`graphtrace.recipes.guard`, no server involved): before
   anything is sent, the text is refused if it uses ``LOAD CSV``, ``USE``,
   ``CALL { } IN TRANSACTIONS``, an administration or schema command
   (``SHOW``, ``TERMINATE``, ``CREATE INDEX``...) or a procedure outside the
   allow-list -- whatever the recipe's mode.  Write clauses (``CREATE``,
   ``MERGE``, ``SET``, ``DELETE``...) need ``mode: maintenance`` and ``write=True``.
2. **EXPLAIN**: the summary's ``query_type`` must be ``'r'`` (read only);
   ``'rw'``, ``'w'`` or ``'s'`` (writes or schema changes) are refused unless the
   recipe's header says ``mode: maintenance`` *and* the caller passes ``write=True``.

``EXPLAIN`` alone is not enough: Neo4j 5.26 calls ``LOAD CSV``, ``TERMINATE
TRANSACTIONS`` and ``SHOW TRANSACTIONS`` read only.  A read recipe always runs
in a READ-routed managed transaction (``execute_read``), so a cluster refuses a
write a third time (a single server does not, hence the clause check).
Every query carries ``metadata={'app': 'graphtrace', 'recipe': name}`` (shown
by ``SHOW TRANSACTIONS``) and the timeout.

>>> to_plain([1, {"a": (2, 3)}])
[1, {'a': [2, 3]}]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import neo4j
from neo4j import Query, RoutingControl
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired
from neo4j.graph import Node, Path, Relationship

from graphtrace.errors import RecipeError, StoreError
from graphtrace.recipes.guard import Finding, LexError, scan
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
    refusal = recipe_refusal(message)
    if refusal is not None:
        return RecipeError(refusal, file=recipe.path)
    return RecipeError(f"Neo4j rejected recipe {recipe.name}: {code + ': ' if code else ''}{message}",
                       file=recipe.path)


_REFUSAL = re.compile(r"""^Invalid input for function 'toBoolean\(\)'.*got: List\{String\("(.*)"\)\}$""", re.S)


def recipe_refusal(message: str) -> str | None:
    """The message a recipe raised on purpose with ``toBoolean(CASE WHEN ok THEN true ELSE ['why'] END)``
    (Cypher has no ``raise``: the type error carries the text), or None for any other error.

    >>> recipe_refusal("Invalid input for function 'toBoolean()': Expected a Boolean, Integer or String, "
    ...                'got: List{String("trace ab12 is not annotated: run graphtrace annotate")}')
    'trace ab12 is not annotated: run graphtrace annotate'
    >>> recipe_refusal("Variable `x` not defined") is None
    True
    """
    match = _REFUSAL.match(message)
    return match.group(1) if match else None


def query_type(driver: neo4j.Driver, recipe: Recipe, params: Mapping[str, Any], *, database: str,
               text: str | None = None) -> str:
    """``EXPLAIN`` ``text`` (default: the body) and return the server's query type: ``r``, ``rw``, ``w`` or ``s``.

    The text's clauses are checked first (:func:`check_clauses`): a refused form is never sent.
    """
    text = recipe.body if text is None else text
    check_clauses(recipe, text)
    try:
        result = driver.execute_query(
            _query(recipe, "EXPLAIN\n" + text, None), dict(params),
            routing_=RoutingControl.READ, database_=database,
        )
    except (Neo4jError, ServiceUnavailable, SessionExpired) as exc:
        raise _translate(recipe, exc, None) from exc
    return str(result.summary.query_type or "")


def _clauses(recipe: Recipe, text: str) -> tuple[Finding, ...]:
    try:
        return scan(text)
    except LexError as exc:
        raise RecipeError(f"cannot read recipe {recipe.name}: {exc}; refused", file=recipe.path) from exc


def check_clauses(recipe: Recipe, text: str | None = None) -> None:
    """Refuse ``text`` (default: the body) if it uses a form no recipe may run, whatever its mode.

    >>> from graphtrace.recipes.header import parse_recipe
    >>> check_clauses(parse_recipe("// name: x\\n// question: q?\\n// mode: maintenance\\nTERMINATE TRANSACTIONS 't-1'"))
    Traceback (most recent call last):
    ...
    graphtrace.errors.RecipeError: <recipe>: recipe x uses TERMINATE (body line 1): TERMINATE is an administration command; refused before running
    """
    refused = [f.describe() for f in _clauses(recipe, recipe.body if text is None else text) if f.kind == "refused"]
    if refused:
        raise RecipeError(f"recipe {recipe.name} uses {'; '.join(refused)}; refused before running",
                          file=recipe.path)


def check_mode(recipe: Recipe, qtype: str, *, write: bool) -> None:
    """Refuse a writing query unless the recipe is a maintenance recipe run with ``write=True``.

    Both the server's query type ``qtype`` and the body's clauses must agree: a body with
    a write clause is refused in a read recipe even if ``qtype`` is ``'r'``.

    >>> from graphtrace.recipes.header import parse_recipe
    >>> check_mode(parse_recipe("// name: x\\n// question: q?\\nCREATE (n)"), "w", write=True)
    Traceback (most recent call last):
    ...
    graphtrace.errors.RecipeError: <recipe>: recipe x writes (query type 'w') but its header says mode: read; refused
    """
    check_clauses(recipe)
    if qtype != READ_ONLY:
        what = _QUERY_TYPES.get(qtype, f"has query type {qtype!r}")
        if recipe.mode != "maintenance":
            raise RecipeError(f"recipe {recipe.name} {what.replace('reads and writes', 'writes')} "
                              f"(query type {qtype!r}) but its header says mode: read; refused", file=recipe.path)
        if not write:
            raise RecipeError(f"recipe {recipe.name} is a maintenance recipe that {what}; "
                              "run it with --write to allow that", file=recipe.path)
    writes = ", ".join(f.describe() for f in _clauses(recipe, recipe.body) if f.kind == "write")
    if writes and recipe.mode != "maintenance":
        raise RecipeError(f"recipe {recipe.name} writes ({writes}) but its header says mode: read; refused",
                          file=recipe.path)
    if writes and not write:
        raise RecipeError(f"recipe {recipe.name} is a maintenance recipe that writes ({writes}); "
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
    writes = recipe.mode == "maintenance" and qtype != READ_ONLY
    routing = RoutingControl.WRITE if writes else RoutingControl.READ  # READ = execute_read
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
