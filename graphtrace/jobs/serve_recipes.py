"""One recipe as the web UI's recipes page shows it (``GET /api/recipes/{name}``).

The header's parameters (for the form), its columns and ``// show:`` display hints (so the page
shows the units ``graphtrace recipe run`` prints in a terminal), the Cypher body, and the given
query-string values bound as ``recipe run`` binds them (defaults filled, times and durations in
ns), from which the page writes the ``:params`` line for Neo4j Browser.

>>> d = recipe_detail("slow-edges", {"limit": "5", "since_ns": "2024-11-19T07:06:40Z"})
>>> d["params"]["limit"], d["params"]["since_ns"], d["show"][3]
(5, 1732000000000000000, ['p95_ns', 'duration'])
>>> d["browser_params"].startswith(":params {since_ns: 1732000000000000000, until_ns: null,")
True
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def cypher_literal(value: Any) -> str:
    """``value`` as a Cypher literal for Neo4j Browser's ``:params`` (strings single-quoted).

    >>> cypher_literal(None), cypher_literal(True), cypher_literal(["a'b", 2]), cypher_literal(1.5)
    ('null', 'true', "['a\\\\'b', 2]", '1.5')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def recipe_detail(name: str, query: Mapping[str, str]) -> dict[str, Any]:
    """``{name, mode, question, params_declared, columns, show, body, header, params, browser_params}``;
    a bad value or an unknown parameter raises ``RecipeError`` as ``recipe run`` does."""
    from graphtrace.jobs.serve_api import normalize_trace_id
    from graphtrace.recipes.catalog import get_recipe
    from graphtrace.recipes.display import display_hints
    from graphtrace.recipes.params import bind_params

    recipe = get_recipe(name)
    given = {k: v for k, v in query.items() if v != ""}
    if isinstance(given.get("trace_id"), str):
        given["trace_id"] = normalize_trace_id(given["trace_id"])
    missing = [p.name for p in recipe.params if p.required and p.name not in given]
    bound = bind_params(recipe, {**given, **{m: None for m in missing}})
    return {
        "name": recipe.name, "mode": recipe.mode, "question": recipe.question,
        "params_declared": [{"name": p.name, "type": p.type, "default": p.default, "required": p.required,
                             "choices": p.choices, "description": p.description} for p in recipe.params],
        "columns": [{"name": c.name, "type": c.type, "description": c.description} for c in recipe.columns],
        "show": [list(pair) for pair in display_hints(recipe)],
        "header": recipe.header, "body": recipe.body, "params": json.loads(json.dumps(bound)),
        "browser_params": ":params {" + ", ".join(f"{k}: {cypher_literal(v)}" for k, v in bound.items()) + "}",
    }
