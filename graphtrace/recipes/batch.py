"""Run a recipe for many values of one parameter (``trace_id``), many values per query.

A per-trace recipe answers for one ``$trace_id``.  Asking for 200 traces one
query at a time costs 200 round trips and transactions, so :class:`BatchedRecipe`
wraps the built-in body, unchanged except for that one parameter, in a thin
generic shell::

    UNWIND $__gt_values AS __gt_value
    CALL (__gt_value) {
      <the body, with every $trace_id replaced by the variable __gt_value>
    }
    RETURN *                                  -- every column, one record per row
    -- or, when the caller names the columns it needs (one record per value):
    WITH __gt_value, collect([`span_id`, `self_ns`]) AS __gt_rows
    RETURN __gt_value, __gt_rows

Why that is the same query, value by value: the subquery runs once per value,
and a variable imported by ``CALL (x) { ... }`` is visible in the *whole*
subquery, also after ``WITH`` clauses that do not list it, without becoming a
grouping key of its aggregations (Cypher manual 5, Variables: "Variables
imported into a CALL subquery are visible in the whole subquery",
https://neo4j.com/docs/cypher-manual/5/syntax/variables).  So ``__gt_value``
behaves like the parameter it replaces, and the body's aggregations, ``ORDER
BY`` and ``LIMIT`` apply per call, as they do per query; each value's rows come
back in the order the body produced them (``tests/recipes/test_batch.py``
compares every answer, order included, with one query per value).  The
substitution is only made when it cannot mean anything else:

* only real ``$trace_id`` tokens change (comments, strings and backquoted names
  are left alone), and afterwards the body must use no ``$trace_id`` at all;
* the body must not mention any ``__gt_`` name itself (no capture; Neo4j also
  refuses a variable that shadows an imported one);
* the body must not project ``*`` (``WITH *`` / ``RETURN *`` could carry the
  extra variable along);
* the wrapped query must compile (``EXPLAIN``): e.g. a body using ``$trace_id``
  inside a nested ``CALL () { ... }`` that does not import the variable is
  rejected by Neo4j -- loudly, never silently re-scoped.

When any of that fails the recipe is run one value per query instead (its
query type still established once): slower, same answers, and ``note`` says
why.  Either way the body is ``EXPLAIN``-ed once and must be read only.

>>> per_value_body("MATCH (t {id: $trace_id}) // $trace_id\\nRETURN '$trace_id', $trace_id AS x", "trace_id")
"MATCH (t {id: __gt_value}) // $trace_id\\nRETURN '$trace_id', __gt_value AS x"
>>> per_value_body("MATCH (n) WITH * RETURN $trace_id", "trace_id") is None
True
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import neo4j

from graphtrace.errors import RecipeError
from graphtrace.recipes.header import Recipe
from graphtrace.recipes.params import bind_params, body_names
from graphtrace.recipes.run import check_mode, query_type, run_checked

VALUE = "__gt_value"
_VALUES = "__gt_values"
_ROWS = "__gt_rows"
_NOISE = (r"//[^\n]*|/\*.*?\*/|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`")
_STAR = re.compile(r"\b(?:WITH|RETURN)\s+(?:DISTINCT\s+)?\*", re.I)
_WRAPPER = "UNWIND ${values} AS {var}\nCALL ({var}) {{\n{body}\n}}\n{columns}"


def per_value_body(body: str, param: str) -> str | None:
    """``body`` with each ``$param`` token replaced by the variable ``__gt_value``;
    None when that substitution could change the meaning (see the module notes).

    >>> per_value_body("RETURN $trace_idx, $trace_id", "trace_id")
    'RETURN $trace_idx, __gt_value'
    >>> per_value_body("RETURN $trace_id AS __gt_value", "trace_id") is None
    True
    """
    if "__gt_" in body:
        return None
    token = re.compile(rf"({_NOISE})|\${re.escape(param)}(?![A-Za-z0-9_])", re.S)
    out = token.sub(lambda m: m.group(1) or VALUE, body)
    code = re.sub(_NOISE, " ", out, flags=re.S)
    if param in body_names(out) or _STAR.search(code) or out == body:
        return None
    return out


def _projection(columns: Sequence[str] | None) -> str:
    """The wrapper's RETURN: every row as it comes, or one row per value holding the named
    columns of its rows, in order (far fewer records for the driver to decode).

    >>> _projection(["span_id", "self_ns"])
    'WITH __gt_value, collect([`span_id`, `self_ns`]) AS __gt_rows\\nRETURN __gt_value, __gt_rows'
    """
    if columns is None:
        return "RETURN *"
    if any("`" in c for c in columns):
        raise RecipeError(f"column names cannot contain backquotes: {list(columns)}")
    items = ", ".join(f"`{c}`" for c in columns)
    return f"WITH {VALUE}, collect([{items}]) AS {_ROWS}\nRETURN {VALUE}, {_ROWS}"


def _project(recipe: Recipe, rows: list[dict[str, Any]], columns: Sequence[str] | None) -> list[dict[str, Any]]:
    if columns is None or not rows:
        return rows
    missing = [c for c in columns if c not in rows[0]]
    if missing:
        raise RecipeError(f"recipe {recipe.name} returns no column {', '.join(missing)}", file=recipe.path)
    return [{c: row[c] for c in columns} for row in rows]


class BatchedRecipe:
    """A read-only recipe run for many values of ``param`` (the others fixed per call).

    ``columns`` keeps only those result columns (default: all of them).  ``batched``
    tells whether one query serves many values; ``note`` says why not.
    Example (needs a server)::

        rec = BatchedRecipe(driver, load_recipe(builtin_dir() / "call-tree.cypher"), "trace_id",
                            database="neo4j")
        rows_by_trace = rec.rows(["971a...", "04be..."])
    """

    def __init__(self, driver: neo4j.Driver, recipe: Recipe, param: str, *, database: str,
                 timeout_s: float | None = 120, columns: Sequence[str] | None = None) -> None:
        if recipe.param(param) is None:
            raise RecipeError(f"recipe {recipe.name} has no parameter {param}", file=recipe.path, field=param)
        self.driver, self.recipe, self.param = driver, recipe, param
        self.database, self.timeout_s = database, timeout_s
        self.columns = None if columns is None else list(columns)
        self._projection = _projection(self.columns)
        self._qtype: str | None = None
        self.batched, self.note, self._text = False, "", None
        self._lock = threading.Lock()

    def prepare(self, value: Any, **params: Any) -> None:
        """Establish the query type and whether batching applies now (else on the first :meth:`rows`);
        ``value`` is any example value of the parameter (``EXPLAIN`` does not look it up)."""
        self._prepare(bind_params(self.recipe, {**params, self.param: value}))

    def _prepare(self, bound: Mapping[str, Any]) -> None:
        """EXPLAIN the body (must be read only), then the wrapped query (must compile)."""
        with self._lock:
            if self._qtype is None:
                qtype = query_type(self.driver, self.recipe, bound, database=self.database)
                check_mode(self.recipe, qtype, write=False)
                self._text, self.note = self._wrapped(bound)
                self.batched = self._text is not None
                self._qtype = qtype  # last: other threads test it without the lock

    def _wrapped(self, bound: Mapping[str, Any]) -> tuple[str | None, str]:
        """The batched query text, or None and the reason it cannot be used."""
        body = per_value_body(self.recipe.body, self.param)
        if body is None:
            return None, f"recipe {self.recipe.name}: ${self.param} cannot be replaced safely; one query per value"
        text = _WRAPPER.format(values=_VALUES, var=VALUE, body=body, columns=self._projection)
        params = {k: v for k, v in bound.items() if k != self.param} | {_VALUES: []}
        try:
            qtype = query_type(self.driver, self.recipe, params, database=self.database, text=text)
        except RecipeError as exc:
            return None, f"recipe {self.recipe.name} cannot run batched ({exc.message}); one query per value"
        check_mode(self.recipe, qtype, write=False)
        return text, ""

    def rows(self, values: Iterable[Any], **params: Any) -> dict[Any, list[dict[str, Any]]]:
        """``{value: rows}`` for each distinct value (in order), as :func:`run_recipe` would give
        them with ``{param: value, **params}``; a value with no rows maps to ``[]``."""
        values = list(dict.fromkeys(values))
        if not values:
            return {}
        bound = [bind_params(self.recipe, {**params, self.param: v}) for v in values]
        if self._qtype is None:
            self._prepare(bound[0])
        if not self.batched:
            return {v: _project(self.recipe, run_checked(self.driver, self.recipe, b, self._qtype,
                                                         database=self.database, timeout_s=self.timeout_s)[1],
                                self.columns) for v, b in zip(values, bound)}
        keys = {b[self.param]: v for v, b in zip(values, bound)}
        shared = {k: v for k, v in bound[0].items() if k != self.param} | {_VALUES: list(keys)}
        _, rows = run_checked(self.driver, self.recipe, shared, self._qtype, database=self.database,
                              timeout_s=self.timeout_s, text=self._text)
        out: dict[Any, list[dict[str, Any]]] = {v: [] for v in values}
        for row in rows:
            value = keys[row.pop(VALUE)]
            if self.columns is None:
                out[value].append(row)
            else:
                out[value] = [dict(zip(self.columns, item)) for item in row[_ROWS]]
        return out
