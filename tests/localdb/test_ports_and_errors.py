"""#17 item 6: port settings given before the first ``db start`` are honoured (and kept by later
starts), and connection errors are one clear line.  Real servers, real CLI (subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphtrace import localdb
from tests.helpers import free_port

GT = str(Path(sys.executable).with_name("graphtrace"))


def _gt(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([GT, *args], capture_output=True, text=True, timeout=300, env=env)


def test_ports_from_the_environment_before_the_first_start_are_honoured(tmp_path, java_and_maven):
    bolt, http = free_port(), free_port()
    while http == bolt:
        http = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "GRAPHTRACE_NEO4J_"))}
    env.update(GRAPHTRACE_HOME=str(tmp_path), GRAPHTRACE_NEO4J_HEAP="512m", GRAPHTRACE_NEO4J_PAGECACHE="64m")
    first = {**env, "GRAPHTRACE_NEO4J_BOLT_PORT": str(bolt), "GRAPHTRACE_NEO4J_HTTP_PORT": str(http)}
    try:
        before = _gt("db", "status", env=first)  # before any start: the status already shows them
        assert f"URI:         bolt://127.0.0.1:{bolt}" in before.stdout.splitlines()
        started = _gt("db", "start", "--mode", "java", env=first)
        assert started.returncode == 0, started.stderr
        assert f"Neo4j started on bolt://127.0.0.1:{bolt}." in started.stdout
        assert localdb.status(tmp_path).http_port == http
        assert _gt("db", "stop", env=env).returncode == 0
        # A second start without the variables keeps the recorded ports (not 7687 / 7474).
        again = _gt("db", "start", "--mode", "java", env=env)
        assert again.returncode == 0, again.stderr
        assert f"Neo4j started on bolt://127.0.0.1:{bolt}." in again.stdout
        assert f"Browser:     http://127.0.0.1:{http}/browser/" in again.stdout.splitlines()
        # Commands find the server on its port without any connection option.
        status = _gt("db", "status", env=env)
        assert "contents:    0 traces, 0 spans, 0 services (database neo4j)" in status.stdout.splitlines()
    finally:
        localdb.stop(tmp_path)


def test_unsupported_scheme_is_one_line_listing_the_schemes(tmp_path):
    env = {**os.environ, "GRAPHTRACE_HOME": str(tmp_path)}
    proc = _gt("recipe", "run", "slow-edges", "--uri", "http://127.0.0.1:7474", env=env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    for scheme in ("bolt://", "neo4j://", "bolt+s", "bolt+ssc", "neo4j+s", "neo4j+ssc"):
        assert scheme in lines[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("how", ["flag", "env"])
def test_refused_credentials_for_a_set_uri_say_credentials_json_is_not_used(how, neo4j_settings, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env["GRAPHTRACE_HOME"] = str(tmp_path)
    args = ["recipe", "run", "slow-edges", "--password", "wrong-password"]
    if how == "flag":
        args += ["--uri", neo4j_settings.uri]
    else:
        env["NEO4J_URI"] = neo4j_settings.uri
    proc = _gt(*args, env=env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert f"Neo4j at {neo4j_settings.uri} refused the credentials for user 'neo4j'" in lines[0]
    assert "credentials.json is not used" in lines[0]
    assert "wrong-password" not in proc.stderr
