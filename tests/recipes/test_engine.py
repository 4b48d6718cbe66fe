"""The recipe engine: header parsing, parameter typing, declarations, catalogue, and running
(EXPLAIN-based write refusal, maintenance mode, timeout) against a real Neo4j."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from graphtrace.errors import RecipeError
from graphtrace.recipes.catalog import get_recipe, load_catalog
from graphtrace.recipes.catalog import load_recipe
from graphtrace.recipes.header import parse_recipe
from graphtrace.recipes.params import bind_params, body_names, check_declarations, parse_pairs
from graphtrace.recipes.run import run_recipe
from graphtrace.recipes.values import convert, parse_duration, parse_time


GOOD = """// name: demo
// question: Demo?
// param: trace_id string -- a trace
// param: limit int = 20 -- rows
// param: slow duration = '250ms' -- threshold
// param: services list<string> = ['a', 'b'] -- services
// param: flag bool = true -- a flag
// column: n int -- count
// agrees-with: none
// mode: read
// example: -p trace_id x
RETURN $trace_id, $limit, $slow, $services, $flag
"""


def _err(text: str, path: str = "<recipe>") -> RecipeError:
    with pytest.raises(RecipeError) as info:
        parse_recipe(text, path=path)
    return info.value


# --- header -------------------------------------------------------------------------------------

def test_good_header_fields():
    r = parse_recipe(GOOD)
    assert [(p.name, p.type, p.default, p.required) for p in r.params] == [
        ("trace_id", "string", None, True), ("limit", "int", 20, False),
        ("slow", "duration", 250_000_000, False),          # 250 ms = 250 * 10^6 ns
        ("services", "list<string>", ["a", "b"], False), ("flag", "bool", True, False)]
    assert [(c.name, c.type, c.description) for c in r.columns] == [("n", "int", "count")]
    assert (r.agrees_with, r.mode, r.example) == (None, "read", "-p trace_id x")
    assert r.body.startswith("RETURN $trace_id")


def test_unknown_key_names_file_and_line():
    e = _err(GOOD.replace("// column: n int", "// colum: n int"), path="x/demo.cypher")
    assert (e.file, e.record) == ("x/demo.cypher", "line 8")
    assert "colum" in e.message


@pytest.mark.parametrize("line, field, words", [
    ("// param: limit integer = 3 -- rows", "param", "unknown type 'integer'"),
    ("// param: limit int = abc -- rows", "param", "not a literal"),
    ("// param: limit int = 'x' -- rows", "param", "expected int"),
    ("// param: 9limit int -- rows", "param", "cannot read parameter"),
    ("// mode: sometimes", "mode", "mode must be"),
])
def test_bad_header_lines(line, field, words):
    text = GOOD.replace("// param: limit int = 20 -- rows", line) if line.startswith("// param") \
        else GOOD.replace("// mode: read", line)
    e = _err(text)
    lineno = 4 if line.startswith("// param") else 10
    assert (e.record, e.field) == (f"line {lineno}", field)
    assert words in e.message


def test_missing_question_duplicate_param_and_empty_body():
    assert "no '// question:'" in _err(GOOD.replace("// question: Demo?\n", "")).message
    assert "declared twice: limit" in _err(GOOD.replace("// param: flag bool = true -- a flag",
                                                        "// param: limit int = 1 -- again")).message
    assert "no Cypher body" in _err(GOOD[: GOOD.index("RETURN")]).message
    assert "given twice" in _err(GOOD.replace("// mode: read", "// mode: read\n// name: demo")).message


def test_name_must_match_file(tmp_path: Path):
    path = tmp_path / "other.cypher"
    path.write_text(GOOD)
    with pytest.raises(RecipeError, match="differs from the file name 'other'"):
        load_recipe(path)


def test_free_comments_after_a_blank_comment_line_belong_to_the_body():
    text = GOOD.replace("RETURN", "//\n// Note: this is prose, not a key\nRETURN")
    r = parse_recipe(text)
    assert r.body.startswith("//\n// Note: this is prose")


# --- values and params --------------------------------------------------------------------------

def test_durations_and_times_by_hand():
    assert parse_duration("250ms") == 250 * 10**6
    assert parse_duration("1.5s") == 15 * 10**8
    assert parse_duration("2m") == 2 * 60 * 10**9
    assert parse_duration("10us") == 10_000
    assert parse_duration("42") == 42
    # 2024-01-01T00:00:00Z is 19723 days after the epoch: 19723 * 86400 = 1_704_067_200 s
    assert parse_time("2024-01-01T00:00:00Z") == 1_704_067_200 * 10**9
    assert parse_time("2024-01-01T01:00:00+01:00") == 1_704_067_200 * 10**9
    assert parse_time("2024-01-01T00:00:00.000000123") == 1_704_067_200 * 10**9 + 123
    for bad, kind in (("fast", "duration"), ("yesterday", "time"), ("1.5ns", "duration")):
        with pytest.raises(ValueError):
            convert(bad, kind)


def test_bind_converts_fills_defaults_and_lists_valid_names():
    r = parse_recipe(GOOD)
    got = bind_params(r, parse_pairs([("trace_id", "t1"), ("limit", "5"), ("slow", "1s"),
                                      ("services", "x,y"), ("flag", "false")]))
    assert got == {"trace_id": "t1", "limit": 5, "slow": 10**9, "services": ["x", "y"], "flag": False}
    assert bind_params(r, {"trace_id": "t", "limit": "null"})["limit"] is None
    with pytest.raises(RecipeError, match=r"unknown parameter lmit; valid parameters: trace_id \(string\), limit"):
        bind_params(r, {"trace_id": "t", "lmit": "5"})
    with pytest.raises(RecipeError, match="missing required parameter trace_id"):
        bind_params(r, {})
    with pytest.raises(RecipeError) as info:
        bind_params(r, {"trace_id": "t", "limit": "five"})
    assert info.value.field == "limit"


def test_body_names_ignore_comments_strings_and_backquotes():
    body = "MATCH (n) // $a\n/* $b\n $c */ WHERE n.x = '$d' AND n.`$e` = \"$f\" RETURN $g, $h, $g"
    assert body_names(body) == ["g", "h"]


def test_declaration_mismatch_both_ways():
    undeclared = parse_recipe(GOOD.replace("RETURN $trace_id", "RETURN $nope, $trace_id"))
    with pytest.raises(RecipeError, match=r"uses \$nope but the header does not declare it"):
        check_declarations(undeclared)
    unused = parse_recipe(GOOD.replace(", $flag", ""))
    with pytest.raises(RecipeError, match="declared but never used in the body: flag"):
        check_declarations(unused)


# --- catalogue ----------------------------------------------------------------------------------

def test_user_dir_overrides_builtin_by_name(tmp_path: Path):
    (tmp_path / "self-time.cypher").write_text(
        "// name: self-time\n// question: Overridden?\n// column: x int -- x\nRETURN 1 AS x\n")
    (tmp_path / "mine.cypher").write_text("// name: mine\n// question: Mine?\nRETURN 2 AS y\n")
    builtin = load_catalog(env={})
    catalog = load_catalog([tmp_path], env={})
    assert catalog["self-time"].question == "Overridden?"
    assert set(catalog) == set(builtin) | {"mine"}
    via_env = get_recipe("mine", env={"GRAPHTRACE_RECIPES": str(tmp_path)})
    assert via_env.path == str(tmp_path / "mine.cypher")
    with pytest.raises(RecipeError, match="does not exist"):
        load_catalog([tmp_path / "missing"], env={})


# --- running against Neo4j ----------------------------------------------------------------------

DATABASE = "neo4j"  # replaced by the fixture with the test server's database


@pytest.fixture(scope="module")
def driver(neo4j_driver, neo4j_settings):
    global DATABASE
    DATABASE = neo4j_settings.database
    return neo4j_driver


def _recipe(body: str, *, mode: str = "read", params: str = "") -> object:
    return parse_recipe(f"// name: t\n// question: T?\n{params}// mode: {mode}\n{body}")


def _count(driver, tag: str) -> int:
    records, _, _ = driver.execute_query("MATCH (n:GtRecipeTest {tag: $tag}) RETURN count(n) AS n",
                                         tag=tag, database_=DATABASE)
    return records[0]["n"]


def test_read_recipe_runs_and_returns_plain_rows(driver):
    r = _recipe("UNWIND range(1, $n) AS i RETURN i, [i, 'x'] AS pair ORDER BY i",
                params="// param: n int = 2 -- how many\n")
    assert run_recipe(driver, r, {}, database=DATABASE) == (
        ["i", "pair"], [{"i": 1, "pair": [1, "x"]}, {"i": 2, "pair": [2, "x"]}])


def test_writing_recipe_is_refused_by_explain_and_writes_nothing(driver):
    tag = f"gt6a-{uuid.uuid4().hex[:8]}"
    r = _recipe("CREATE (n:GtRecipeTest {tag: $tag}) RETURN n", params="// param: tag string -- t\n")
    with pytest.raises(RecipeError, match=r"query type 'rw'.*mode: read; refused"):
        run_recipe(driver, r, {"tag": tag}, database=DATABASE, write=True)
    # a write hidden behind a read-looking start is caught too
    sneaky = _recipe("MATCH (n:GtRecipeTest {tag: $tag}) SET n.x = 1", params="// param: tag string -- t\n")
    with pytest.raises(RecipeError, match="query type 'w'"):
        run_recipe(driver, sneaky, {"tag": tag}, database=DATABASE)
    assert _count(driver, tag) == 0


def test_maintenance_recipe_needs_write(driver):
    tag = f"gt6a-{uuid.uuid4().hex[:8]}"
    r = _recipe("CREATE (n:GtRecipeTest {tag: $tag}) RETURN n.tag AS tag", mode="maintenance",
                params="// param: tag string -- t\n")
    try:
        with pytest.raises(RecipeError, match="run it with --write"):
            run_recipe(driver, r, {"tag": tag}, database=DATABASE)
        assert _count(driver, tag) == 0
        assert run_recipe(driver, r, {"tag": tag}, database=DATABASE, write=True) == (["tag"], [{"tag": tag}])
        assert _count(driver, tag) == 1
    finally:
        driver.execute_query("MATCH (n:GtRecipeTest {tag: $tag}) DELETE n", tag=tag, database_=DATABASE)


def test_timeout_becomes_recipe_error(driver):
    r = _recipe("UNWIND range(1, 1000000000) AS x WITH x WHERE x = -1 RETURN count(*) AS n")
    with pytest.raises(RecipeError, match=r"timed out after 0.3 s"):
        run_recipe(driver, r, {}, database=DATABASE, timeout_s=0.3)


def test_syntax_error_names_the_recipe(driver):
    r = parse_recipe("// name: broken\n// question: B?\nMATCH (n RETURN n\n", path="/x/broken.cypher")
    with pytest.raises(RecipeError) as info:
        run_recipe(driver, r, {}, database=DATABASE)
    assert info.value.file == "/x/broken.cypher" and "broken" in info.value.message


def test_cli_list_and_show(tmp_path: Path):
    from typer.testing import CliRunner

    from graphtrace.cli import app

    (tmp_path / "mine.cypher").write_text("// name: mine\n// question: Mine?\nRETURN 2 AS y\n")
    runner = CliRunner()
    listed = runner.invoke(app, ["recipe", "list", "--recipes", str(tmp_path)])
    assert listed.exit_code == 0
    lines = {line.split()[0]: line for line in listed.output.splitlines()[2:]}
    assert "critical-path" in lines and "mine" in lines and "Mine?" in lines["mine"]
    shown = runner.invoke(app, ["recipe", "show", "mine", "--recipes", str(tmp_path)])
    assert shown.exit_code == 0
    assert shown.output.splitlines()[1:] == ["// name: mine", "// question: Mine?", "RETURN 2 AS y"]
