"""Recipe parameters: check the body's ``$names`` against the header, and bind user values.

``$names`` are found in the body after removing comments (``//``, ``/* */``),
string literals and backquoted names, so ``'$5'`` or ``// $x`` do not count.

>>> body_names("MATCH (s) WHERE s.a = $a // $b\\nRETURN '$c', $d")
['a', 'd']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from graphtrace.errors import RecipeError
from graphtrace.recipes.values import ValueProblem, convert

if TYPE_CHECKING:
    from graphtrace.recipes.header import Recipe

_NOISE = re.compile(
    r"//[^\n]*"                      # line comment
    r"|/\*.*?\*/"                    # block comment
    r"|'(?:[^'\\]|\\.)*'"            # 'string'
    r'|"(?:[^"\\]|\\.)*"'            # "string"
    r"|`[^`]*`",                     # `quoted name`
    re.S,
)
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def body_names(body: str) -> list[str]:
    """The distinct ``$names`` used in ``body``, in order of first use (comments and strings ignored).

    >>> body_names("RETURN $x + $x /* $y */ + $z")
    ['x', 'z']
    """
    code = _NOISE.sub(" ", body)
    seen: dict[str, None] = {}
    for m in _DOLLAR.finditer(code):
        seen.setdefault(m.group(1), None)
    return list(seen)


def check_declarations(recipe: "Recipe") -> None:
    """Raise ``RecipeError`` unless the body uses exactly the declared parameters.

    >>> from graphtrace.recipes.header import parse_recipe
    >>> check_declarations(parse_recipe("// name: x\\n// question: q?\\nRETURN $a"))
    Traceback (most recent call last):
    ...
    graphtrace.errors.RecipeError: <recipe>: header: param: the body uses $a but the header does not declare it
    """
    used = body_names(recipe.body)
    declared = [p.name for p in recipe.params]
    undeclared = [n for n in used if n not in declared]
    unused = [n for n in declared if n not in used]
    problems = []
    if undeclared:
        problems.append(f"the body uses {', '.join('$' + n for n in undeclared)} but the header "
                        f"does not declare {'it' if len(undeclared) == 1 else 'them'}")
    if unused:
        problems.append(f"declared but never used in the body: {', '.join(unused)}")
    if problems:
        raise RecipeError("; ".join(problems), file=recipe.path, record="header", field="param")


def parse_pairs(pairs: Iterable[tuple[str, str]] | Iterable[str]) -> dict[str, str]:
    """Turn CLI ``-p key value`` pairs (or ``key=value`` strings) into a dict; later wins.

    >>> parse_pairs([("limit", "5"), "service=cart"])
    {'limit': '5', 'service': 'cart'}
    """
    out: dict[str, str] = {}
    for item in pairs:
        if isinstance(item, str):
            key, sep, value = item.partition("=")
            if not sep:
                raise RecipeError(f"parameter {item!r} should be key=value (or use -p key value)")
        else:
            key, value = item
        out[key.strip().lstrip("$")] = value
    return out


def bind_params(recipe: "Recipe", given: Mapping[str, Any]) -> dict[str, Any]:
    """Convert ``given`` to the declared types and fill defaults; every declared name gets a value.

    Unknown or missing names raise ``RecipeError`` listing the valid ones; a value
    outside a parameter's ``one of`` choices raises ``RecipeError`` listing them.

    >>> from graphtrace.recipes.header import parse_recipe
    >>> r = parse_recipe("// name: x\\n// question: q?\\n// param: limit int = 5 -- n\\n"
    ...                  "// param: slow duration -- min\\nRETURN $limit, $slow")
    >>> bind_params(r, {"slow": "250ms"})
    {'limit': 5, 'slow': 250000000}
    """
    valid = ", ".join(f"{p.name} ({p.type})" for p in recipe.params) or "none"
    unknown = [k for k in given if recipe.param(k) is None]
    if unknown:
        raise RecipeError(f"unknown parameter {', '.join(unknown)}; valid parameters: {valid}",
                          file=recipe.path, field="param")
    missing = [p.name for p in recipe.params if p.required and p.name not in given]
    if missing:
        raise RecipeError(f"missing required parameter {', '.join(missing)}; valid parameters: {valid}",
                          file=recipe.path, field="param")
    bound: dict[str, Any] = {}
    for p in recipe.params:
        if p.name not in given:
            bound[p.name] = p.default
            continue
        try:
            bound[p.name] = convert(given[p.name], p.type)
        except ValueProblem as exc:
            raise RecipeError(str(exc), file=recipe.path, field=p.name) from exc
        if p.choices is not None and bound[p.name] is not None and bound[p.name] not in p.choices:
            raise RecipeError(f"{bound[p.name]!r} is not one of {', '.join(p.choices)}",
                              file=recipe.path, field=p.name)
    return bound
