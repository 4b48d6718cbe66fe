"""Recipe parameters declared with ``one of A|B``: only those values are accepted."""

from __future__ import annotations

import pytest

from graphtrace.errors import RecipeError
from graphtrace.recipes.header import parse_recipe
from graphtrace.recipes.params import bind_params

RECIPE = """// name: demo
// question: Which?
// param: order_by string = 'p95_ns' one of p50_ns|p95_ns|calls -- sort key
// param: limit int = 5 -- rows
RETURN $order_by AS o, $limit AS n
"""


def test_choices_are_parsed_and_the_description_kept() -> None:
    param = parse_recipe(RECIPE).param("order_by")
    assert param.choices == ["p50_ns", "p95_ns", "calls"]
    assert param.default == "p95_ns" and param.description == "sort key"


def test_a_listed_value_binds_and_the_default_fills_in() -> None:
    recipe = parse_recipe(RECIPE)
    assert bind_params(recipe, {"order_by": "calls"}) == {"order_by": "calls", "limit": 5}
    assert bind_params(recipe, {}) == {"order_by": "p95_ns", "limit": 5}


def test_an_unlisted_value_is_refused_naming_the_choices() -> None:
    with pytest.raises(RecipeError) as err:
        bind_params(parse_recipe(RECIPE), {"order_by": "p95"})
    assert err.value.field == "order_by"
    assert "'p95' is not one of p50_ns, p95_ns, calls" in err.value.message


@pytest.mark.parametrize("line, problem", [
    ("// param: n int = 1 one of 1|2 -- x", "needs a string parameter"),
    ("// param: o string = 'z' one of a|b -- x", "'z' is not one of a, b"),
])
def test_bad_choice_declarations_are_header_errors(line: str, problem: str) -> None:
    with pytest.raises(RecipeError) as err:
        parse_recipe(f"// name: demo\n// question: q?\n{line}\nRETURN $n, $o\n")
    assert problem in err.value.message and err.value.record == "line 3"


def test_cli_refuses_a_misspelt_choice_before_connecting() -> None:
    # port 1 has no server: the refusal must come from the parameter check, not the connection
    import subprocess
    import sys
    from pathlib import Path

    gt = str(Path(sys.executable).parent / "graphtrace")
    proc = subprocess.run([gt, "recipe", "run", "slow-edges", "-p", "order_by", "p95", "--uri", "bolt://127.0.0.1:1"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "order_by: 'p95' is not one of p50_ns, p95_ns" in proc.stderr and "Traceback" not in proc.stderr
