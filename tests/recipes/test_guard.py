"""The clause check (graphtrace.recipes.guard, run.check_clauses / check_mode) without a server.

Each refused form of issue #11 item 4 is written here by hand as a recipe body;
the expectations come from the rule (refused always / write / fine), not from
running the code.
"""

from __future__ import annotations

import pytest

from graphtrace.errors import RecipeError
from graphtrace.recipes.catalog import builtin_dir
from graphtrace.recipes.guard import LexError, scan, tokens
from graphtrace.recipes.catalog import load_recipe
from graphtrace.recipes.header import parse_recipe
from graphtrace.recipes.run import check_clauses, check_mode


def _recipe(body: str, mode: str = "read"):
    return parse_recipe(f"// name: t\n// question: T?\n// mode: {mode}\n{body}")


# Refused whatever the mode: (body, the word the message must name)
REFUSED = [
    ("TERMINATE TRANSACTIONS 'neo4j-transaction-42'", "TERMINATE"),
    ("terminate transactions $ids", "TERMINATE"),
    ("LOAD CSV FROM 'http://127.0.0.1:9/x.csv' AS row RETURN row", "LOAD CSV"),
    ("LOAD CSV WITH HEADERS FROM 'file:///etc/passwd' AS row RETURN row", "LOAD CSV"),
    ("MATCH (n) WITH n LIMIT 1 load csv from $url AS row RETURN row", "LOAD CSV"),
    ("SHOW TRANSACTIONS", "SHOW"),
    ("SHOW INDEXES YIELD name RETURN name", "SHOW"),
    ("SHOW USERS", "SHOW"),
    ("GRANT ROLE admin TO bob", "GRANT"),
    ("DENY READ {*} ON GRAPH * TO bob", "DENY"),
    ("REVOKE ROLE admin FROM bob", "REVOKE"),
    ("ALTER USER neo4j SET PASSWORD 'x'", "ALTER"),
    ("DROP INDEX span_start IF EXISTS", "DROP"),
    ("STOP DATABASE neo4j", "STOP"),
    ("START DATABASE neo4j", "START"),
    ("CREATE INDEX x IF NOT EXISTS FOR (n:Span) ON (n.x)", "CREATE INDEX"),
    ("CREATE CONSTRAINT c FOR (n:Span) REQUIRE n.x IS UNIQUE", "CREATE CONSTRAINT"),
    ("CREATE USER bob SET PASSWORD 'secret-pw'", "CREATE USER"),
    ("CREATE OR REPLACE DATABASE other", "CREATE OR"),
    ("USE system MATCH (n) RETURN n", "USE"),
    ("MATCH (n) CALL (n) { SET n.x = 1 } IN TRANSACTIONS OF 10 ROWS", "TRANSACTIONS"),
    ("CALL dbms.listConfig() YIELD name RETURN name", "CALL dbms.listConfig"),
    ("CALL db.createLabel('X')", "CALL db.createLabel"),
    ("CALL apoc.load.json('http://127.0.0.1:9/') YIELD value RETURN value", "CALL apoc.load.json"),
    ("CALL `dbms`.`killQuery`('q-1')", "CALL dbms.killQuery"),
    ("MATCH (n) WHERE EXISTS { CALL dbms.showCurrentUser() YIELD username RETURN username } RETURN n",
     "CALL dbms.showCurrentUser"),
    # hidden behind the things the lexer skips: a comment ends at \r as it does for Neo4j
    ("MATCH (n) // harmless\rLOAD CSV FROM 'http://x' AS r RETURN r", "LOAD CSV"),
    ("RETURN '/*' AS a, 1 AS b /* '*/ TERMINATE TRANSACTIONS 'x'", "TERMINATE"),
]


@pytest.mark.parametrize("body, word", REFUSED)
@pytest.mark.parametrize("mode, write", [("read", False), ("maintenance", True)])
def test_refused_forms_in_any_mode(body, word, mode, write):
    r = _recipe(body, mode)
    with pytest.raises(RecipeError, match="refused before running") as info:
        check_clauses(r)
    assert f"uses {word}" in info.value.message
    # check_mode repeats it, even when the server called the query read only ('r')
    with pytest.raises(RecipeError, match="refused before running"):
        check_mode(r, "r", write=write)


WRITES = [
    "MATCH (n:Span {trace_id: $t}) SET n.x = 1",
    "CREATE (n:GtX)",
    "create p = (a:GtX)-[:R]->(b:GtX) RETURN p",
    "MERGE (n:GtX {k: 1}) ON CREATE SET n.c = 1",
    "MATCH (n:GtX) DETACH DELETE n",
    "MATCH (n:GtX) REMOVE n.x",
    "UNWIND [1] AS i FOREACH (x IN [i] | CREATE (:GtX))",
    "INSERT (:GtX)",
]


@pytest.mark.parametrize("body", WRITES)
def test_write_clauses_need_maintenance_and_write_even_if_explain_says_read(body):
    # qtype 'r' stands for an EXPLAIN that missed the write: the clause check alone must refuse
    with pytest.raises(RecipeError, match="header says mode: read; refused"):
        check_mode(_recipe(body), "r", write=True)
    with pytest.raises(RecipeError, match="run it with --write"):
        check_mode(_recipe(body, "maintenance"), "r", write=False)
    check_mode(_recipe(body, "maintenance"), "rw", write=True)  # declared, and allowed: no error


@pytest.mark.parametrize("body", [
    "CALL db.labels() YIELD label RETURN label",
    "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType",
    "CALL db.propertyKeys() YIELD propertyKey RETURN propertyKey",
    "MATCH (s:Span) CALL (s) { RETURN s.x AS x } RETURN x",
    "MATCH (s:Span) CALL { MATCH (t:Trace) RETURN count(t) AS n } RETURN n",
    # keywords as names: property, label, relationship type, map key, parameter, backquoted, in strings
    "MATCH (n:Merge)-[:DELETE]->(m) WHERE n.set = $create RETURN {show: n.load, `use`: 1} AS x, 'LOAD CSV' AS y",
    "MATCH (s)-[r:REMOTE_CALL]->() WHERE s.name STARTS WITH 'x' RETURN r  // DELETE, SET",
    "RETURN \"it's a \\\" SET\" AS s, 1.5e3 AS f, 0x1F AS h, [1, 2][0..1] AS l",
])
def test_reads_pass(body):
    assert scan(body) == ()
    check_mode(_recipe(body), "r", write=False)  # no error


def test_findings_name_their_line():
    found = scan("MATCH (n)\n// SET\nWITH n\nSET n.x = 1\nWITH n\nLOAD CSV FROM 'x' AS r RETURN r")
    assert [(f.kind, f.word, f.line) for f in found] == [("write", "SET", 4), ("refused", "LOAD CSV", 6)]


@pytest.mark.parametrize("body", ["RETURN 'open", "RETURN 1 /* open", "RETURN `open", 'RETURN "open'])
def test_unreadable_text_is_refused(body):
    with pytest.raises(LexError, match="unterminated"):
        tokens(body)
    with pytest.raises(RecipeError, match="cannot read recipe t: unterminated"):
        check_clauses(_recipe(body))


def test_no_shipped_recipe_is_refused():
    paths = sorted(builtin_dir().glob("*.cypher"))
    assert len(paths) >= 13
    for path in paths:
        recipe = load_recipe(path)
        check_clauses(recipe)  # nothing refused
        if recipe.mode == "read":
            check_mode(recipe, "r", write=False)
            assert scan(recipe.body) == (), path
        else:  # annotate: its SET clauses are its declared writes, allowed with --write only
            found = scan(recipe.body)
            assert "SET" in {f.word for f in found} and {f.kind for f in found} == {"write"}, path
            check_mode(recipe, "rw", write=True)
            with pytest.raises(RecipeError, match="--write"):
                check_mode(recipe, "rw", write=False)
