"""The conformance suite: every fixture through ``analyze`` (in-process CLI), and all of them
through ``ingest`` and ``check --all`` against a real Neo4j.

The expectations are in :mod:`tests.conformance.cases`, one line per fixture.
"""

from __future__ import annotations

import contextlib
import io

import orjson
import pytest

from graphtrace.cli import main
from tests.conformance.cases import CASES
from tests.conformance.expect import Case

_TRACEBACK_MARKERS = ("Traceback (most recent call last)", "object has no attribute", "KeyError(")


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """Run the graphtrace CLI in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code, out.getvalue(), err.getvalue()


def _span_table(output: dict) -> dict[str, tuple[str | None, str, int]]:
    return {s["span_id"]: (s["parent_span_id"], s["service"], s["duration_ns"])
            for t in output["traces"] for s in t["spans"]}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_analyze(case: Case) -> None:
    expect = case.expect
    code, stdout, stderr = run_cli(["analyze", str(case.file), "--format", "json", *expect.args])
    assert not any(marker in stderr for marker in _TRACEBACK_MARKERS), stderr
    assert code == expect.exit_code, stderr
    if expect.exit_code:
        assert stderr.startswith("Error: "), stderr
        for needle in expect.error_contains:
            assert needle in stderr, stderr
        return
    output = orjson.loads(stdout)
    assert len(output["traces"]) == expect.traces
    assert len(output["skipped"]) == expect.skipped, output["skipped"]
    warnings = " ".join(orjson.dumps(w).decode() for w in output["warnings"])
    for needle in expect.warnings_contain:
        assert needle in warnings, output["warnings"]
    table = _span_table(output)
    if expect.spans is not None:
        assert table == expect.spans
    if expect.total_spans() is not None:
        assert len(table) == expect.total_spans()
    roots = expect.root_ids()
    if roots is not None:
        assert {r for t in output["traces"] for r in t["root_span_ids"]} == roots


LOADABLE = [c for c in CASES if c.expect.exit_code == 0]


def _connection_args(settings) -> list[str]:
    return ["--uri", settings.uri, "--user", settings.user,
            "--password", settings.password.get_secret_value(), "--database", settings.database]


def test_ingest_every_fixture_then_check_all(clean_db, neo4j_settings) -> None:
    """Each fixture loads (exit 0) and the stored spans match; then Neo4j and networkx agree on all."""
    from graphtrace.store.read import counts

    conn = _connection_args(neo4j_settings)
    for case in LOADABLE:
        code, stdout, stderr = run_cli(["ingest", str(case.file), *case.expect.args, *conn])
        assert code == 0, f"{case.id}: {stderr}"
        assert "Traceback" not in stderr
    stored = counts(clean_db, database=neo4j_settings.database)
    assert stored["traces"] >= 1
    code, stdout, stderr = run_cli(["check", "--all", *conn])
    assert code == 0, stdout + stderr
    assert "all agree" in stdout
