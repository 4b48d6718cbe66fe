"""Why a recipe found no rows: cheap checks of what its header says it ``needs``.

A recipe that comes back empty may be right (nothing matched the parameters) or may
be asking data that lacks what it works on.  :func:`why_no_rows` tells the two apart
with one small read query per need, in this order:

* no ``Trace`` at all: "the database holds no traces";
* a recipe with a ``trace_id`` parameter needs that trace: "trace ... not found" (``not_found``);
* ``remote-calls`` (``// needs:`` in the header, :class:`~graphtrace.recipes.header.Need`):
  no ``REMOTE_CALL`` at all (neither CLIENT/SERVER pairs nor
  kind-less spans whose parent runs in another service, docs/schema.md).

A need with ``when PARAM is VALUE`` is checked only when the bound parameter has
that value.  ``None`` means every need is met: the parameters matched nothing.

>>> NoRows(reason="trace ab not found", not_found=True).not_found
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import neo4j
from neo4j import RoutingControl
from neo4j.exceptions import DriverError, Neo4jError
from pydantic import BaseModel

from graphtrace.errors import StoreError
from graphtrace.recipes.header import Need, Recipe
from graphtrace.recipes.params import bind_params

# Read-only existence checks (each stops at the first match).
ANY_TRACE = "RETURN EXISTS { MATCH (:Trace) } AS found"
TRACE_EXISTS = "RETURN EXISTS { MATCH (:Trace {trace_id: $trace_id}) } AS found"
ANY_REMOTE_CALL = "RETURN EXISTS { MATCH ()-[:REMOTE_CALL]->() } AS found"

NO_TRACES = "the database holds no traces"
NO_REMOTE_CALLS = ("the database holds no remote calls (no CLIENT/SERVER pairs and no spans "
                   "whose parent is in another service)")


class NoRows(BaseModel):
    """Why a recipe's answer is empty; ``not_found`` when the trace it names is not stored."""

    reason: str
    not_found: bool = False


def applies(need: Need, bound: Mapping[str, Any]) -> bool:
    """Whether ``need`` holds for these parameter values (its ``when`` condition, if any).

    >>> applies(Need(name="remote-calls", when_param="kind", when_value="edge"), {"kind": "edge"})
    True
    >>> applies(Need(name="remote-calls", when_param="kind", when_value="edge"), {"kind": None})
    False
    >>> applies(Need(name="trace"), {})
    True
    """
    if need.when_param is None:
        return True
    value = bound.get(need.when_param)
    return value is not None and str(value) == need.when_value


def _found(driver: neo4j.Driver, query: str, database: str, timeout_s: float | None, **params: Any) -> bool:
    try:
        records, _, _ = driver.execute_query(
            neo4j.Query(query, timeout=timeout_s), params, routing_=RoutingControl.READ, database_=database)
    except (Neo4jError, DriverError, OSError) as exc:
        raise StoreError(f"cannot check why the recipe found no rows: {exc}") from exc
    return bool(records[0]["found"])


def why_no_rows(driver: neo4j.Driver, recipe: Recipe, params: Mapping[str, Any], *, database: str,
                timeout_s: float | None = 30) -> NoRows | None:
    """The first unmet need of ``recipe`` with ``params`` (strings or typed values), or ``None``.

    Call it after the recipe returned no rows.  Example (needs a server)::

        why_no_rows(driver, get_recipe("call-tree"), {"trace_id": "ab12"}, database="neo4j")
        # NoRows(reason='trace ab12 not found', not_found=True)
    """
    bound = bind_params(recipe, params)
    if not _found(driver, ANY_TRACE, database, timeout_s):
        return NoRows(reason=NO_TRACES)
    trace_id = bound.get("trace_id")
    if trace_id is not None and not _found(driver, TRACE_EXISTS, database, timeout_s, trace_id=trace_id):
        return NoRows(reason=f"trace {trace_id} not found", not_found=True)
    for need in recipe.needs:
        if not applies(need, bound):
            continue
        if need.name == "remote-calls" and not _found(driver, ANY_REMOTE_CALL, database, timeout_s):
            return NoRows(reason=NO_REMOTE_CALLS)
    return None
