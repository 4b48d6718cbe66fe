"""A real start / status / stop cycle of the Java-assembled Neo4j in a temporary home.

Uses Maven's local repository, so it is fast once the jars were downloaded
(the first assembly on a machine downloads ~125 MB).  Needs Java >= 17 and
Maven: skipped without them, failed when GRAPHTRACE_REQUIRE_NEO4J=1.
"""

from __future__ import annotations

import stat
from pathlib import Path

import neo4j
import pytest
from typer.testing import CliRunner

import graphtrace.cli  # noqa: F401  (registers the command modules on app)
from graphtrace import localdb
from graphtrace.cli.app import app
from graphtrace.errors import ServerError
from tests.helpers import free_port

pytestmark = pytest.mark.neo4j


@pytest.fixture
def home(tmp_path, java_and_maven):
    home = tmp_path / "gt-home"
    yield home
    localdb.stop(home, timeout=30)  # whatever happens in the test, no server is left behind


def _query(uri: str, user: str, password: str, cypher: str) -> list[dict]:
    with neo4j.GraphDatabase.driver(uri, auth=(user, password)) as driver:
        records, _, _ = driver.execute_query(cypher, database_="neo4j")
    return [r.data() for r in records]


def test_start_status_stop_cycle(home: Path, monkeypatch):
    bolt, http = free_port(), free_port()
    options = localdb.ServerOptions(bolt_port=bolt, http_port=http, heap="512m", pagecache="64m")
    layout = localdb.Layout.for_home(home)

    # 1. A JVM that cannot start (heap far too small) is reported with the console log's path.
    with pytest.raises(ServerError) as info:
        localdb.start(home, localdb.ServerOptions(bolt_port=bolt, http_port=http, heap="1k"), mode="java")
    assert info.value.file == str(layout.console_log)
    assert "exited during start-up" in info.value.message
    assert not localdb.status(home).running

    # 2. A real start: Bolt answers with the generated password, stored 0600.
    progress: list[str] = []
    st = localdb.start(home, options, mode="java", on_progress=progress.append)
    assert st.running and st.mode == "java" and st.pid
    assert st.bolt_uri == f"bolt://127.0.0.1:{bolt}"
    assert (st.root, st.data, st.logs) == (layout.root, layout.data, layout.logs)
    assert stat.S_IMODE(layout.credentials.stat().st_mode) == 0o600
    uri, user, password = localdb.local_settings(home)
    assert (uri, user) == (f"bolt://127.0.0.1:{bolt}", "neo4j")
    assert _query(uri, user, password, "RETURN 1 AS one") == [{"one": 1}]
    assert any("starting Neo4j" in p for p in progress)

    # 3. Starting again leaves the running server alone; its port is now "in use" for another home.
    assert localdb.start(home, options, mode="java").pid == st.pid
    with pytest.raises(ServerError, match=f"Bolt port {bolt} on 127.0.0.1 is already in use"):
        localdb.start(home.parent / "other-home", options, mode="java")

    # 4. `db status` shows the directories, the URI and the contents (1 trace, 2 spans, 1 service created here).
    _query(uri, user, password,
           "CREATE (:Trace {trace_id: 'p4-cycle'}), (:Span {span_id: 'a'}), (:Span {span_id: 'b'}), (:Service {name: 's'})")
    monkeypatch.setenv("GRAPHTRACE_HOME", str(home))
    result = CliRunner().invoke(app, ["db", "status"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"Neo4j:       5.26.0 running (pid {st.pid}), java" in lines
    assert f"URI:         bolt://127.0.0.1:{bolt}" in lines
    assert f"data:        {layout.data}" in lines
    assert "contents:    1 traces, 2 spans, 1 services (database neo4j)" in lines
    assert password not in result.output

    # 5. Stop: graceful, the process is gone, a second stop is a no-op.
    assert localdb.stop(home) is True
    assert not localdb.status(home).running
    assert not Path(f"/proc/{st.pid}").exists() or b"CommunityEntryPoint" not in Path(f"/proc/{st.pid}/cmdline").read_bytes()
    assert localdb.stop(home) is False

    # 6. A restart keeps the password and the data.
    localdb.start(home, options, mode="java")
    assert _query(uri, user, password, "MATCH (t:Trace {trace_id: 'p4-cycle'}) RETURN count(t) AS n") == [{"n": 1}]
