"""The CLI's Neo4j commands on a real server: one recipe job for the CLI and the HTTP API (#12),
-f/-o on recipe run, check and ingest (#17 item 3), and the jobs' progress calls (#17 item 4).

Expected numbers come from examples/README.md's hand derivation of the example trace: 1 trace,
25 spans, trace duration 1,080,960,237 ns; its critical path covers the whole root span, so its
sections' durations add up to that duration.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from graphtrace.cli.app import app
from graphtrace.errors import RecipeError
from graphtrace.jobs import serve_api
from graphtrace.jobs.check import PHASE as CHECKING, check_traces
from graphtrace.jobs.load import ANNOTATING, READING, WRITING, load_stream
from graphtrace.jobs.recipe import answer_recipe, prepare_recipe
from graphtrace.readers import read_traces

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "otel-demo-add-to-cart.json"
TRACE_ID = "971a659583cb354ebf2a7babf50db2f8"
DURATION_NS = 1_080_960_237
SPANS = 25


def _env(settings) -> dict[str, str]:
    return {"NEO4J_URI": settings.uri, "NEO4J_USER": settings.user,
            "NEO4J_PASSWORD": settings.password.get_secret_value(), "NEO4J_DATABASE": settings.database,
            "COLUMNS": "100"}


def _run(settings, *args: str) -> bytes:
    result = CliRunner().invoke(app, list(args), env=_env(settings))
    assert result.exit_code == 0, (result.exception, result.stderr)
    return result.stdout_bytes


@pytest.fixture
def loaded(clean_db, neo4j_settings):
    """The example trace, loaded and annotated; the progress calls of the load."""
    calls: list[tuple] = []
    load_stream(clean_db, read_traces([EXAMPLE]), database=neo4j_settings.database,
                progress=lambda *a: calls.append(a))
    return clean_db, calls


def test_the_load_reports_reading_writing_and_annotating(loaded):
    _, calls = loaded
    last = {phase: (done, total) for phase, done, total in calls}
    assert last == {READING: (1, None), WRITING: (SPANS, None), ANNOTATING: (1, 1)}
    assert [c[0] for c in calls].index(READING) < [c[0] for c in calls].index(ANNOTATING)


def test_cli_and_api_run_the_same_recipe_job(loaded, neo4j_settings, tmp_path):
    driver, _ = loaded
    db = neo4j_settings.database
    # the API, with the id as some exporters write it (uppercase)
    api = serve_api.recipe_rows(driver, "critical-path", {"trace_id": TRACE_ID.upper()}, database=db)
    assert sum(r["duration_ns"] for r in api["rows"]) == DURATION_NS
    recipe, given = prepare_recipe("critical-path", {"trace_id": TRACE_ID.upper()})
    assert given["trace_id"] == TRACE_ID
    assert answer_recipe(driver, recipe, given, database=db).rows == api["rows"]
    # the CLI: the same rows as JSON, and -o writes exactly what stdout gets
    args = ("recipe", "run", "critical-path", "-p", "trace_id", TRACE_ID.upper(), "-f", "json")
    printed = _run(neo4j_settings, *args)
    assert orjson.loads(printed) == api["rows"]
    _run(neo4j_settings, *args, "-o", str(tmp_path / "rows.json"))
    assert (tmp_path / "rows.json").read_bytes() == printed


def test_unknown_trace_and_writing_recipes(loaded, neo4j_settings):
    driver, _ = loaded
    db = neo4j_settings.database
    # the API keeps its answers: a read-only refusal, and no rows for a trace it does not hold
    with pytest.raises(RecipeError, match="read-only recipes only"):
        serve_api.recipe_rows(driver, "annotate", {}, database=db)
    assert serve_api.recipe_rows(driver, "critical-path", {"trace_id": "abc"}, database=db)["rows"] == []
    # the CLI says why there are no rows: the trace is not stored ("not found", exit 2 through main)
    result = CliRunner().invoke(app, ["recipe", "run", "critical-path", "-p", "trace_id", "ABC"],
                                env=_env(neo4j_settings))
    assert isinstance(result.exception, RecipeError)
    assert str(result.exception) == "trace_id: trace 00000000000000000000000000000abc not found"


def test_check_takes_format_output_and_reports_progress(loaded, neo4j_settings, tmp_path):
    driver, _ = loaded
    calls: list[tuple] = []
    report = check_traces(driver, database=neo4j_settings.database, trace_ids=[TRACE_ID],
                          progress=lambda *a: calls.append(a))
    assert report.ok and calls == [(CHECKING, 1, 1)]
    args = ("check", "--trace-id", TRACE_ID.upper(), "-f", "json")
    printed = _run(neo4j_settings, *args)
    doc = orjson.loads(printed)
    assert (doc["traces_checked"], doc["spans_checked"], doc["disagreements"]) == (1, SPANS, [])
    _run(neo4j_settings, *args, "-o", str(tmp_path / "check.json"))
    assert (tmp_path / "check.json").read_bytes() == printed


def test_ingest_json_summary(clean_db, neo4j_settings, tmp_path):
    target = tmp_path / "ingest.json"
    assert _run(neo4j_settings, "ingest", str(EXAMPLE), "-f", "json", "-o", str(target)) == b""
    doc = orjson.loads(target.read_bytes())
    assert (doc["traces"], doc["spans"]) == (1, SPANS)
    assert doc["annotated"] == f"annotated 1 traces ({SPANS} spans)"
    assert doc["skipped_records"] == [] and doc["skipped_traces"] == []
    again = orjson.loads(_run(neo4j_settings, "ingest", str(EXAMPLE), "-f", "json"))
    # idempotent: the second load creates nothing
    assert (again["traces"], again["nodes_created"], again["relationships_created"]) == (1, 0, 0)
