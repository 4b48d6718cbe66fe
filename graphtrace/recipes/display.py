"""A recipe's display hints: the ``// show:`` header line.

The line lists the columns that matter most, most important first, each with how to show
it in the table for people (``graphtrace recipe run`` without ``--format``)::

    // show: name=text, self_ns=duration, share=share, start_ns=offset, span_id=id

Kinds (see :mod:`graphtrace.render.humane`): ``duration`` (ns in the unit that fits),
``time`` (epoch ns as an ISO UTC time), ``offset`` (ns after the column's earliest value),
``ratio`` (``16.8x``), ``share`` (a fraction as ``98.6%``), ``id`` (never cut), ``text``
(may be cut in the middle), ``count`` (thousands separators).  When the table is too wide,
unlisted columns are hidden first, then ``text`` cells are cut, then listed columns go from
the end of the line.  ``--format json`` and ``csv`` ignore the line: raw names and values.

>>> parse_show("name=text, self_ns=duration", ["name", "self_ns", "span_id"])
[('name', 'text'), ('self_ns', 'duration')]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from graphtrace.errors import RecipeError

KINDS = ("duration", "time", "offset", "ratio", "share", "id", "text", "count")
_ITEM = re.compile(r"^(?P<column>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<kind>[a-z]+)$")


def parse_show(text: str, columns: Sequence[str] = (), *, file: str = "<recipe>") -> list[tuple[str, str]]:
    """``(column, kind)`` pairs in priority order; ``RecipeError`` for a bad item.

    ``columns`` are the declared column names (when the recipe declares any, every listed
    column must be one of them).

    >>> parse_show("")
    []
    >>> parse_show("d=speed", ["d"])
    Traceback (most recent call last):
    ...
    graphtrace.errors.RecipeError: <recipe>: show: unknown kind 'speed' for d; kinds are duration, time, offset, ratio, share, id, text, count
    """
    out: list[tuple[str, str]] = []
    where = {"file": file, "field": "show"}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        m = _ITEM.match(item)
        if not m:
            raise RecipeError(f"cannot read {item!r}; expected COLUMN=KIND, e.g. self_ns=duration", **where)
        column, kind = m.group("column"), m.group("kind")
        if kind not in KINDS:
            raise RecipeError(f"unknown kind {kind!r} for {column}; kinds are {', '.join(KINDS)}", **where)
        if columns and column not in columns:
            raise RecipeError(f"{column} is not a declared column", **where)
        if any(column == c for c, _ in out):
            raise RecipeError(f"{column} listed twice", **where)
        out.append((column, kind))
    return out


def display_hints(recipe) -> list[tuple[str, str]]:
    """The parsed ``// show:`` line of a :class:`~graphtrace.recipes.header.Recipe`.

    >>> from graphtrace.recipes.header import parse_recipe
    >>> r = parse_recipe("// name: x\\n// question: Q?\\n// column: d int -- ns\\n// show: d=duration\\nRETURN 1 AS d\\n")
    >>> display_hints(r)
    [('d', 'duration')]
    """
    return parse_show(recipe.show, [c.name for c in recipe.columns], file=recipe.path or "<recipe>")
