"""Every recipe in cypher/ (ours and the cross-trace ones): the header parses, and the declared
parameters are exactly the ``$names`` the body uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graphtrace.recipes.header import parse_recipe
from graphtrace.recipes.params import body_names

CYPHER = Path(__file__).resolve().parents[2] / "cypher"
FILES = sorted(CYPHER.glob("*.cypher"))


def test_there_are_recipes():
    names = {f.stem for f in FILES}
    assert {"call-tree", "self-time", "critical-path", "bottlenecks", "annotate"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_header_parses_and_declares_exactly_the_body_params(path: Path):
    recipe = parse_recipe(path.read_text(encoding="utf-8"), path=path)
    assert recipe.name == path.stem
    assert recipe.question.strip()
    assert recipe.columns, "a recipe should declare its columns"
    declared = sorted(p.name for p in recipe.params)
    # an independent scan of the body: drop // comments and quoted strings, collect $names
    code = re.sub(r"//[^\n]*|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", " ", recipe.body)
    scanned = sorted(set(re.findall(r"\$([A-Za-z_]\w*)", code)))
    assert scanned == declared
    assert sorted(body_names(recipe.body)) == declared


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_mode_and_agreement_are_declared(path: Path):
    recipe = parse_recipe(path.read_text(encoding="utf-8"), path=path)
    assert recipe.mode in ("read", "maintenance")
    assert recipe.mode == ("maintenance" if path.stem == "annotate" else "read")
    header = recipe.header
    assert "// agrees-with:" in header, "agrees-with must be stated, even as 'none'"
