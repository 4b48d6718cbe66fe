"""Read-only means no effect, against a real Neo4j (issue #11 item 4).

Each test first shows what the server itself does with the form (so the
refusal is what stops it, not something else), then that graphtrace refuses the
recipe and that the effect did not happen.
"""

from __future__ import annotations

import shlex
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import neo4j
import pytest
from neo4j import Query

from graphtrace.errors import RecipeError
from graphtrace.recipes.batch import BatchedRecipe
from graphtrace.recipes.catalog import builtin_dir
from graphtrace.recipes.catalog import load_recipe
from graphtrace.recipes.header import parse_recipe
from graphtrace.recipes.params import bind_params, parse_pairs
from graphtrace.recipes.run import check_mode, query_type, run_recipe


def _recipe(body: str, *, mode: str = "read", params: str = ""):
    return parse_recipe(f"// name: t\n// question: T?\n{params}// mode: {mode}\n{body}")


def _explain_type(driver, database, cypher: str) -> str:
    return driver.execute_query("EXPLAIN " + cypher, database_=database).summary.query_type


@pytest.fixture
def http_hits():
    """A loopback HTTP server that records every request path; yields (url, hits)."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            hits.append(self.path)
            body = b"a,b\n1,2\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_load_csv_is_refused_and_makes_no_request(neo4j_driver, neo4j_settings, http_hits):
    db = neo4j_settings.database
    url, hits = http_hits
    # the server, asked directly, does fetch the URL -- and EXPLAIN calls it read only
    assert _explain_type(neo4j_driver, db, f"LOAD CSV FROM '{url}/control' AS row RETURN row") == "r"
    neo4j_driver.execute_query(f"LOAD CSV FROM '{url}/control' AS row RETURN row", database_=db)
    assert hits == ["/control"]
    recipes = [
        (_recipe(f"LOAD CSV FROM '{url}/literal' AS row RETURN row"), False),
        (_recipe("LOAD CSV FROM $url AS row RETURN row", params="// param: url string -- u\n"), False),
        (_recipe(f"LOAD CSV FROM '{url}/maint' AS row RETURN row", mode="maintenance"), True),
    ]
    for recipe, write in recipes:
        params = {"url": f"{url}/param"} if recipe.params else {}
        with pytest.raises(RecipeError, match="uses LOAD CSV .*refused before running"):
            run_recipe(neo4j_driver, recipe, params, database=db, write=write)
    # the batched path (check --all) too
    batch = _recipe(f"MATCH (t:Trace {{trace_id: $trace_id}}) LOAD CSV FROM '{url}/batch' AS row RETURN row",
                    params="// param: trace_id string -- t\n")
    with pytest.raises(RecipeError, match="uses LOAD CSV"):
        BatchedRecipe(neo4j_driver, batch, "trace_id", database=db).rows(["x"])
    time.sleep(0.5)  # give a stray request time to arrive
    assert hits == ["/control"]


def _running(driver, db, tag: str) -> list[str]:
    records, _, _ = driver.execute_query(
        "SHOW TRANSACTIONS YIELD transactionId, metaData WHERE metaData.gt_guard = $tag RETURN transactionId",
        tag=tag, database_=db)
    return [r["transactionId"] for r in records]


def test_terminate_transactions_is_refused_and_the_other_query_survives(neo4j_driver, neo4j_settings):
    db = neo4j_settings.database
    tag = f"guard-{uuid.uuid4().hex[:8]}"
    outcome: dict[str, object] = {}

    def long_query():
        try:
            neo4j_driver.execute_query(
                Query("UNWIND range(1, 4000000000) AS x WITH x WHERE x = -1 RETURN count(*) AS n",
                      metadata={"gt_guard": tag}, timeout=20), database_=db)
            outcome["result"] = "finished"
        except neo4j.exceptions.Neo4jError as exc:
            outcome["result"] = exc.code

    other = threading.Thread(target=long_query)
    other.start()
    try:
        deadline = time.monotonic() + 10
        while not (ids := _running(neo4j_driver, db, tag)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(ids) == 1, "the long query should be running"
        assert _explain_type(neo4j_driver, db, f"TERMINATE TRANSACTIONS '{ids[0]}'") == "r"
        for recipe, params in [
            (_recipe(f"TERMINATE TRANSACTIONS '{ids[0]}'"), {}),
            (_recipe("TERMINATE TRANSACTIONS $ids", params="// param: ids list<string> -- t\n"), {"ids": ids}),
        ]:
            with pytest.raises(RecipeError, match="uses TERMINATE .*refused before running"):
                run_recipe(neo4j_driver, recipe, params, database=db)
        time.sleep(0.5)
        assert _running(neo4j_driver, db, tag) == ids and other.is_alive()
    finally:
        for tx in _running(neo4j_driver, db, tag):
            neo4j_driver.execute_query("TERMINATE TRANSACTIONS $id", id=tx, database_=db)
        other.join(30)
    assert outcome["result"] != "finished"


@pytest.mark.parametrize("body", ["SHOW TRANSACTIONS", "SHOW INDEXES YIELD name RETURN name",
                                  "CALL db.info() YIELD name RETURN name"])
def test_show_and_procedures_are_refused_though_explain_calls_them_read(neo4j_driver, neo4j_settings, body):
    db = neo4j_settings.database
    assert _explain_type(neo4j_driver, db, body) == "r"
    with pytest.raises(RecipeError, match="refused before running"):
        run_recipe(neo4j_driver, _recipe(body), {}, database=db)


def test_allow_listed_procedure_runs(neo4j_driver, neo4j_settings):
    columns, _ = run_recipe(neo4j_driver, _recipe("CALL db.labels() YIELD label RETURN label"), {},
                            database=neo4j_settings.database)
    assert columns == ["label"]


def test_admin_writes_are_refused_before_the_server_sees_them(neo4j_driver, neo4j_settings):
    db = neo4j_settings.database
    name = f"gt_guard_{uuid.uuid4().hex[:8]}"
    body = f"CREATE INDEX {name} IF NOT EXISTS FOR (n:GtGuard) ON (n.x)"
    with pytest.raises(RecipeError, match="CREATE INDEX .*refused before running"):
        run_recipe(neo4j_driver, _recipe(body, mode="maintenance"), {}, database=db, write=True)
    records, _, _ = neo4j_driver.execute_query("SHOW INDEXES YIELD name WHERE name = $n RETURN name", n=name,
                                               database_=db)
    assert records == []


def _example_params(recipe) -> dict[str, str]:
    words = shlex.split(recipe.example)
    return parse_pairs([(words[i + 1], words[i + 2]) for i, w in enumerate(words) if w == "-p"])


def test_every_shipped_recipe_passes_both_checks(neo4j_driver, neo4j_settings):
    paths = sorted(builtin_dir().glob("*.cypher"))
    assert len(paths) >= 13
    for path in paths:
        recipe = load_recipe(path)
        bound = bind_params(recipe, _example_params(recipe))
        qtype = query_type(neo4j_driver, recipe, bound, database=neo4j_settings.database)
        if recipe.mode == "read":
            assert qtype == "r", path
            check_mode(recipe, qtype, write=False)
        else:
            assert qtype in ("rw", "w"), path
            check_mode(recipe, qtype, write=True)
