"""Bad ``--uri`` values get one line of error, and a URI with credentials is refused without echoing them
(issue #11 item 5).  The console script is run for real, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphtrace.errors import StoreError
from graphtrace.store.connection import Neo4jSettings, check_uri, connect

SECRET = "Zq-known-pw-4711"
SCRIPT = Path(sys.executable).with_name("graphtrace")

# (uri, words the one line must contain)
BAD = [
    ("http://127.0.0.1:7474", "unsupported scheme 'http'"),
    ("https://db.example:7473", "unsupported scheme 'https'"),
    ("foo", "'foo' is not a URI"),
    ("bolt://[::1", "malformed URI 'bolt://[::1'"),
    ("neo4j://host:notaport", "malformed URI 'neo4j://host:notaport'"),
    ("bolt://127.0.0.1:70000", "malformed URI"),
    ("bolt://", "no host"),
    (f"bolt://neo4j:{SECRET}@127.0.0.1:7687", "bolt://***@127.0.0.1:7687 contains a user or password"),
    (f"neo4j+s://{SECRET}@db.example", "neo4j+s://***@db.example contains a user or password"),
    (f"http://neo4j:{SECRET}@[::1", "contains a user or password"),
]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=60,
                          env={**base, **(env or {})})


@pytest.mark.parametrize("uri, words", BAD)
def test_cli_bad_uri_is_one_line(uri, words):
    proc = _run("db", "init", "--uri", uri, "--password", SECRET)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: uri: ") and words in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert SECRET not in proc.stderr + proc.stdout


def test_uri_from_the_environment_is_checked_too():
    proc = _run("db", "init", env={"NEO4J_URI": f"bolt://neo4j:{SECRET}@127.0.0.1:1", "NEO4J_PASSWORD": SECRET})
    assert proc.returncode == 2 and "contains a user or password" in proc.stderr
    assert SECRET not in proc.stderr + proc.stdout


@pytest.mark.parametrize("uri, words", BAD)
def test_library_refuses_before_the_driver(uri, words):
    with pytest.raises(StoreError) as info:
        check_uri(uri)
    assert words in info.value.message and SECRET not in str(info.value)
    with pytest.raises(StoreError):  # the model, not a pydantic ValidationError echoing the value
        Neo4jSettings(uri=uri, password=SECRET)


@pytest.mark.parametrize("uri", ["bolt://127.0.0.1:7687", "bolt+s://db.example", "neo4j://[::1]:7687",
                                 "neo4j+ssc://db.example:7688", "NEO4J://db.example"])
def test_good_uris_pass(uri):
    assert check_uri(uri) == uri


def test_unreachable_server_is_one_error_without_the_password():
    from tests.helpers import free_port

    with pytest.raises(StoreError) as info:
        connect(Neo4jSettings(uri=f"bolt://127.0.0.1:{free_port()}", password=SECRET))
    assert "cannot reach Neo4j" in info.value.message and SECRET not in str(info.value)
