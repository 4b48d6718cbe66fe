"""docs/recipes.md must be what scripts/gen_recipe_catalogue.py makes of the recipe headers.

Only the example outputs (between the ``example-output`` markers, produced against Neo4j by
``--run-examples``) are exempt: the comparison empties them on both sides.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_recipe_catalogue", ROOT / "scripts" / "gen_recipe_catalogue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_catalogue_is_up_to_date():
    gen = _generator()
    current = gen.CATALOGUE.read_text(encoding="utf-8")
    regenerated = gen.render_catalogue(gen.load_builtin(), gen.example_outputs(current))
    assert gen.strip_example_outputs(regenerated) == gen.strip_example_outputs(current), (
        "docs/recipes.md is stale: run `.venv/bin/python scripts/gen_recipe_catalogue.py`")


def test_every_recipe_has_a_section_and_every_read_recipe_an_example():
    gen = _generator()
    current = gen.CATALOGUE.read_text(encoding="utf-8")
    examples = gen.example_outputs(current)
    for recipe in gen.load_builtin():
        assert f"\n## {recipe.name}\n" in current
        assert (recipe.name in examples) == (recipe.mode == "read")


def test_example_blocks_survive_regeneration():
    gen = _generator()
    recipes = [r for r in gen.load_builtin() if r.mode == "read"][:1]
    text = gen.render_catalogue(recipes, {recipes[0].name: "| x |\n| --- |\n| 1 |\n"})
    assert gen.example_outputs(text) == {recipes[0].name: "| x |\n| --- |\n| 1 |\n"}
    assert "| 1 |" not in gen.strip_example_outputs(text)
    # A section's parameter table lists every declared parameter with its type.
    for p in recipes[0].params:
        assert f"| `{p.name}` | `{p.type}` |" in text
