"""The ``// show:`` display hints: parsing, errors, and every shipped recipe has a valid line."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphtrace.errors import RecipeError
from graphtrace.recipes.catalog import builtin_dir
from graphtrace.recipes.display import KINDS, display_hints, parse_show
from graphtrace.recipes.header import parse_recipe
from graphtrace.render import humane

SHIPPED = sorted(Path(builtin_dir()).glob("*.cypher"))


def test_kinds_are_the_renderers_kinds():
    assert KINDS == humane.KINDS


def test_priority_order_is_kept():
    assert parse_show(" b=duration ,a=id,c=share", ["a", "b", "c"]) == [("b", "duration"), ("a", "id"), ("c", "share")]


@pytest.mark.parametrize("text, message", [
    ("a", "expected COLUMN=KIND"),
    ("a=fast", "unknown kind 'fast'"),
    ("zz=text", "zz is not a declared column"),
    ("a=text, a=id", "a listed twice"),
])
def test_bad_show_lines_are_refused(text, message):
    with pytest.raises(RecipeError, match=message):
        parse_show(text, ["a", "b"])


def test_unknown_header_key_still_refused_and_show_accepted():
    text = "// name: x\n// question: Q?\n// column: a int -- n\n// show: a=count\nRETURN 1 AS a\n"
    assert display_hints(parse_recipe(text)) == [("a", "count")]


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_recipe_shows_its_declared_columns(path):
    recipe = parse_recipe(path.read_text(encoding="utf-8"), path=path)
    hints = display_hints(recipe)
    assert hints, f"{path.name} has no // show: line"
    declared = [c.name for c in recipe.columns]
    assert sorted(c for c, _ in hints) == sorted(declared)
    for column, kind in hints:
        col = next(c for c in recipe.columns if c.name == column)
        if kind in ("duration", "time", "offset"):  # nanosecond kinds only on integer ns columns
            assert col.type == "int", (column, kind)
        if kind in ("ratio", "share"):
            assert col.type == "float", (column, kind)
