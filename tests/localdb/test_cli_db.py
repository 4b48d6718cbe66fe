"""``graphtrace db status|stop`` through Typer's CliRunner on a home that was never started."""

from __future__ import annotations

from typer.testing import CliRunner

from graphtrace.cli.app import app
import graphtrace.cli  # noqa: F401  (registers the command modules on app)

runner = CliRunner()


def test_status_of_a_fresh_home(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHTRACE_HOME", str(tmp_path))
    monkeypatch.delenv("GRAPHTRACE_NEO4J_BOLT_PORT", raising=False)
    result = runner.invoke(app, ["db", "status"])
    assert result.exit_code == 0, result.output
    root = tmp_path / "neo4j-5.26.0"
    lines = result.output.splitlines()
    assert "Neo4j:       5.26.0 not running" in lines
    assert "URI:         bolt://127.0.0.1:7687" in lines
    assert f"home:        {root}" in lines
    assert f"data:        {root / 'data'}" in lines
    assert f"logs:        {root / 'logs'}" in lines
    assert "credentials: not initialised yet" in lines
    assert "contents" not in result.output  # nothing to count when it is not running


def test_status_with_home_option_and_port_env(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHTRACE_NEO4J_BOLT_PORT", "7699")
    result = runner.invoke(app, ["db", "status", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "URI:         bolt://127.0.0.1:7699" in result.output.splitlines()


def test_stop_when_not_running(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHTRACE_HOME", str(tmp_path))
    result = runner.invoke(app, ["db", "stop"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Neo4j was not running."


def test_start_rejects_bad_heap_before_doing_anything(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHTRACE_HOME", str(tmp_path))
    result = runner.invoke(app, ["db", "start", "--heap", "lots", "--mode", "java"])
    # library errors reach main() as ServerError; CliRunner surfaces them as the exception
    assert result.exit_code != 0
    assert "not a memory size" in str(result.exception)
    assert not (tmp_path / "neo4j-5.26.0").exists()
