"""The local server's password stays secret (issue #11 item 5).

A real start in a temporary home, watched by a thread that reads every
process's command line (what ``ps -eo args`` shows any user) while it runs;
then the logs, the file modes and every message graphtrace prints are searched
for the password.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

import graphtrace.cli  # noqa: F401  (registers the command modules on app)
from graphtrace import localdb
from graphtrace.cli.app import app
from graphtrace.errors import GraphtraceError, ServerError, StoreError
from graphtrace.localdb.credentials import Credentials, argument_file, load_credentials
from graphtrace.localdb.process import admin
from graphtrace.localdb.server import _ensure_credentials
from graphtrace.localdb.wait import wait_for_bolt
from graphtrace.store.connection import Neo4jSettings, connect
from tests.helpers import free_port

pytestmark = pytest.mark.neo4j


class CommandLines:
    """Collects the command line of every process seen, polling until stopped."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for proc in psutil.process_iter(["cmdline"]):
                cmdline = proc.info.get("cmdline")
                if cmdline:
                    self.seen.add("\0".join(cmdline))
            time.sleep(0.02)

    def __enter__(self) -> "CommandLines":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


@pytest.fixture(scope="module")
def started(tmp_path_factory):
    """A server started once in a fresh home, with the command lines and progress messages seen meanwhile."""
    try:
        localdb.find_java()
        localdb.find_maven()
    except ServerError as exc:  # as tests/conftest.py's java_and_maven (function-scoped) does
        if os.environ.get("GRAPHTRACE_REQUIRE_NEO4J", "").strip().lower() in {"1", "true", "yes", "on"}:
            pytest.fail(f"Neo4j required but unavailable: {exc}", pytrace=False)
        pytest.skip(f"no local Neo4j possible: {exc}")
    home = tmp_path_factory.mktemp("secrets") / "gt-home"
    options = localdb.ServerOptions(bolt_port=free_port(), http_port=free_port(), heap="512m", pagecache="64m")
    progress: list[str] = []
    with CommandLines() as lines:
        st = localdb.start(home, options, mode="java", on_progress=progress.append)
    try:
        uri, user, password = localdb.local_settings(home)
        yield {"home": home, "status": st, "lines": lines.seen, "progress": progress, "uri": uri,
               "user": user, "password": password, "layout": localdb.Layout.for_home(home)}
    finally:
        localdb.stop(home, timeout=30)


def test_password_never_on_a_command_line(started):
    password = started["password"]
    admin_lines = [line for line in started["lines"] if "set-initial-password" in line]
    # the watcher did see neo4j-admin setting the password (else this test proves nothing) ...
    assert admin_lines, "the watcher missed neo4j-admin; it cannot vouch for the command lines"
    assert any(f"--home-dir={started['layout'].root}" in line for line in started["lines"])
    # ... and neither it nor the server nor anything else had the password in its arguments
    assert [line for line in started["lines"] if password in line] == []
    # the argument file is gone
    assert list(started["layout"].run.glob("initial-password-*")) == []


def test_the_password_set_through_the_file_is_the_one_stored(started):
    with connect(Neo4jSettings(uri=started["uri"], user="neo4j", password=started["password"])) as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS one")
    assert records[0]["one"] == 1


def test_no_log_holds_the_password(started):
    password = started["password"].encode()
    layout = started["layout"]
    files = [p for p in layout.logs.rglob("*") if p.is_file()]
    assert any(p.name == "neo4j.log" for p in files) and any(p.name == "console.log" for p in files)
    for path in [*files, *(p for p in layout.data.rglob("*") if p.is_file()), layout.conf_file]:
        assert password not in path.read_bytes(), path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_logs_and_auth_are_private(started):
    layout = started["layout"]
    auth_ini = layout.data / "dbms" / "auth.ini"
    assert auth_ini.is_file()
    for d in (layout.data, layout.logs, layout.run, layout.conf_dir):
        assert _mode(d) == 0o700, d
    assert _mode(auth_ini) & 0o077 == 0 and _mode(layout.credentials) == 0o600
    for path in layout.logs.rglob("*"):  # what the JVM wrote itself: owner only (umask 077)
        assert _mode(path) & 0o077 == 0, path


def test_no_message_prints_the_password(started, monkeypatch):
    password, uri, home = started["password"], started["uri"], started["home"]
    messages: list[str] = list(started["progress"])
    # the CLI: status (which connects with the stored password) and db init with a URI carrying it
    monkeypatch.setenv("GRAPHTRACE_HOME", str(home))
    runner = CliRunner()
    status = runner.invoke(app, ["db", "status"])
    assert status.exit_code == 0 and "contents:" in status.output, status.output
    messages.append(status.output)
    host_port = uri.split("//", 1)[1]
    for bad_uri in (f"bolt://neo4j:{password}@{host_port}", f"neo4j://{password}@{host_port}",
                    f"http://neo4j:{password}@{host_port}"):
        result = runner.invoke(app, ["db", "init", "--uri", bad_uri])
        assert isinstance(result.exception, StoreError), result.output
        messages += [str(result.exception), result.output]
    # library errors: wrong user, wrong password, unknown password in an initialised store, admin failure
    for user, pw in (("nobody", password), ("neo4j", password + "x")):
        with pytest.raises(StoreError) as info:
            connect(Neo4jSettings(uri=uri, user=user, password=pw))
        messages.append(str(info.value))
    layout = started["layout"]
    saved = layout.credentials.read_bytes()
    layout.credentials.unlink()
    try:
        with pytest.raises(ServerError) as info:
            _ensure_credentials(layout, set_in_store=True)
        messages.append(str(info.value))
    finally:
        layout.credentials.write_bytes(saved)
        os.chmod(layout.credentials, 0o600)
    # the start-up wait with a wrong password, and a damaged credentials file holding the password
    wrong = password[::-1]
    with pytest.raises(ServerError) as info:
        wait_for_bolt(uri, Credentials("neo4j", wrong), timeout=20, log=layout.console_log)
    messages.append(str(info.value))
    damaged = layout.root / "damaged-credentials.json"
    damaged.write_text('{"user": "neo4j", "password": "%s"' % password, encoding="utf-8")
    with pytest.raises(ServerError) as info:
        load_credentials(damaged)
    damaged.unlink()
    messages.append(str(info.value))
    # reprs
    messages += [repr(Credentials("neo4j", password)), repr(Neo4jSettings(uri=uri, password=password)),
                 str(Neo4jSettings(uri=uri, password=password))]
    assert all(password not in m and wrong not in m for m in messages), [m for m in messages if password in m]


def test_admin_failure_message_redacts_the_secret(started):
    # an unknown option that carries the secret: picocli echoes it back, graphtrace must not
    secret = "Known-secret-123456"
    with pytest.raises(ServerError) as info:
        admin(["dbms", "set-initial-password", f"--bogus={secret}"], layout=started["layout"], heap="128m",
              secrets=[secret])
    assert "***" in info.value.message and secret not in str(info.value)


def test_argument_file_refuses_a_password_it_cannot_write_safely(tmp_path):
    for bad in ("-starts-with-dash-x", "has space 12345", "short"):
        with pytest.raises(GraphtraceError) as info:
            with argument_file(tmp_path, bad):
                pass
        assert bad not in str(info.value)
    assert list(tmp_path.iterdir()) == []
