"""Shared fixtures: a real Neo4j for the tests that need one.

Which server (first that works):

1. ``NEO4J_URI`` (with ``NEO4J_USER`` / ``NEO4J_PASSWORD`` / ``NEO4J_DATABASE``) when set;
2. a throwaway ``testcontainers`` ``Neo4jContainer("neo4j:5.26")`` when a Docker engine answers;
3. the local Neo4j of :mod:`graphtrace.localdb` in a *test* home
   (``$GRAPHTRACE_TEST_HOME``, default ``~/.cache/graphtrace-test``, never the
   user's own ``$GRAPHTRACE_HOME``), on ``$GRAPHTRACE_TEST_BOLT_PORT`` or a free
   port; started by the fixture if not running, and stopped at the end only if
   the fixture started it.

If none can be had, the Neo4j tests fail when ``GRAPHTRACE_REQUIRE_NEO4J=1``
and are skipped (with the reason) otherwise.  Tests using these fixtures get
the ``neo4j`` marker automatically (``pytest -m "not neo4j"`` runs the rest).

``clean_db`` deletes every node before and after the test.  It refuses unless
the server is a test server this file chose (container or test home), or
``GRAPHTRACE_TEST_ALLOW_WIPE=1`` is set for a ``NEO4J_URI`` server, which must
also be on a loopback address unless that variable is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from graphtrace import localdb
from graphtrace.errors import ServerError
from graphtrace.localdb.config import configured_options
from graphtrace.store.connection import Neo4jSettings, connect, is_loopback_uri
from tests.helpers import free_port

NEO4J_FIXTURES = {"neo4j_target", "neo4j_settings", "neo4j_driver", "clean_db"}
CONTAINER_IMAGE = "neo4j:5.26"


@dataclass
class Neo4jTarget:
    """The server the session uses: its settings, where it came from, whether wiping it is allowed."""

    settings: object  # graphtrace.store.connection.Neo4jSettings
    kind: str  # "env" | "container" | "local"
    wipe_allowed: bool
    wipe_refusal: str = ""


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


_free_port = free_port


def _from_env() -> Neo4jTarget:
    from graphtrace.store.connection import Neo4jSettings

    settings = Neo4jSettings.resolve()
    allow = _truthy("GRAPHTRACE_TEST_ALLOW_WIPE")
    if allow:
        refusal = ""
    elif not is_loopback_uri(settings.uri):
        refusal = f"NEO4J_URI {settings.uri} is not a loopback address"
    else:
        refusal = (f"NEO4J_URI {settings.uri} is a server this test session did not start "
                   "(it may be shared or hold real data)")
    return Neo4jTarget(settings, "env", wipe_allowed=allow, wipe_refusal=refusal)


def _from_container(stack: ExitStack) -> Neo4jTarget:
    from testcontainers.community.neo4j import Neo4jContainer

    from graphtrace.localdb.credentials import generate_password
    from graphtrace.store.connection import Neo4jSettings

    container = stack.enter_context(Neo4jContainer(CONTAINER_IMAGE, password=generate_password()))
    settings = Neo4jSettings(uri=container.get_connection_url(), user="neo4j", password=container.password)
    return Neo4jTarget(settings, "container", wipe_allowed=True)


def _from_local(stack: ExitStack) -> Neo4jTarget:
    from graphtrace import localdb
    from graphtrace.store.connection import Neo4jSettings

    home = Path(os.environ.get("GRAPHTRACE_TEST_HOME") or "~/.cache/graphtrace-test").expanduser()
    if not localdb.status(home).running:
        port = int(os.environ.get("GRAPHTRACE_TEST_BOLT_PORT") or _free_port())
        http = _free_port()
        while http == port:
            http = _free_port()
        options = localdb.ServerOptions.resolve(bolt_port=port, http_port=http)
        localdb.start(home, options, mode="java")
        stack.callback(localdb.stop, home)
    found = localdb.local_settings(home)
    assert found is not None, "a started local server always has credentials"
    uri, user, password = found
    return Neo4jTarget(Neo4jSettings(uri=uri, user=user, password=password), "local", wipe_allowed=True)


def _choose(stack: ExitStack) -> tuple[Neo4jTarget | None, list[str]]:
    reasons: list[str] = []
    if os.environ.get("NEO4J_URI"):
        return _from_env(), reasons
    from graphtrace.errors import GraphtraceError
    from graphtrace.localdb import docker_available

    if docker_available():
        try:
            return _from_container(stack), reasons
        except Exception as exc:  # noqa: BLE001 - any container failure falls through to the local server
            reasons.append(f"testcontainers {CONTAINER_IMAGE}: {exc}")
    else:
        reasons.append("no Docker engine answers `docker info`")
    try:
        return _from_local(stack), reasons
    except GraphtraceError as exc:
        reasons.append(f"local Neo4j: {exc}")
    return None, reasons


def _unavailable(message: str) -> None:
    if _truthy("GRAPHTRACE_REQUIRE_NEO4J"):
        pytest.fail(f"Neo4j required (GRAPHTRACE_REQUIRE_NEO4J=1) but unavailable: {message}", pytrace=False)
    pytest.skip(f"no Neo4j available: {message}")


@pytest.fixture(scope="session")
def neo4j_target() -> Iterator[Neo4jTarget]:
    """The chosen server (see the module docstring); stopped at the end only if started here."""
    with ExitStack() as stack:
        target, reasons = _choose(stack)
        if target is None:
            _unavailable("; ".join(reasons))
        yield target


@pytest.fixture(scope="session")
def neo4j_settings(neo4j_target: Neo4jTarget):
    """``graphtrace.store.connection.Neo4jSettings`` of the test server (``.database`` is the database to use)."""
    return neo4j_target.settings


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_target: Neo4jTarget):
    """A session-wide ``neo4j.Driver`` connected (and verified) to the test server."""
    from graphtrace.errors import StoreError
    from graphtrace.store.connection import connect

    try:
        driver = connect(neo4j_target.settings)
    except StoreError as exc:
        _unavailable(f"{neo4j_target.kind} server: {exc}")
    yield driver
    driver.close()


def wipe(driver, database: str) -> None:
    """Delete every node and relationship (in batches, spans first; schema is kept): ``db reset``'s own code."""
    from graphtrace.store.reset import reset_database

    reset_database(driver, database=database)


@pytest.fixture
def clean_db(neo4j_target: Neo4jTarget, neo4j_driver):
    """The driver, on a database emptied before (and after) the test.  Guarded: see the module docstring."""
    if not neo4j_target.wipe_allowed:
        pytest.fail(
            f"clean_db refuses to delete all nodes: {neo4j_target.wipe_refusal}. Unset NEO4J_URI to let the "
            "tests start a private Neo4j, or set GRAPHTRACE_TEST_ALLOW_WIPE=1 if wiping it is fine.",
            pytrace=False,
        )
    database = neo4j_target.settings.database
    wipe(neo4j_driver, database)
    yield neo4j_driver
    wipe(neo4j_driver, database)


def pytest_collection_modifyitems(config, items):
    """Mark every test that uses a Neo4j fixture with ``neo4j``."""
    for item in items:
        if NEO4J_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.neo4j)


@pytest.fixture
def java_and_maven() -> None:
    """Java >= 17 and Maven, which the local Neo4j needs: skip without them, fail when Neo4j is required."""
    try:
        localdb.find_java()
        localdb.find_maven()
    except ServerError as exc:
        _unavailable(str(exc))


# The bulk path (ingest --bulk) stops and restarts its server: a Neo4j of its own, one per test session,
# shared by every bulk test (tests/store/test_bulk*.py, tests/recipes/test_inferred_bulk.py).

@pytest.fixture(scope="session")
def bulk_home(tmp_path_factory):
    """A private local Neo4j (the bulk path stops and restarts it); stopped at the end."""
    try:
        localdb.find_java()
        localdb.find_maven()
    except ServerError as exc:
        _unavailable(str(exc))
    home = tmp_path_factory.mktemp("gt-bulk-home")
    bolt, http = free_port(), free_port()
    while http == bolt:
        http = free_port()
    try:
        localdb.start(home, localdb.ServerOptions(bolt_port=bolt, http_port=http, heap="1g", pagecache="128m"),
                      mode="java")
    except ServerError as exc:
        localdb.stop(home, timeout=30)
        _unavailable(f"local Neo4j for the bulk tests: {exc}")
    yield home
    localdb.stop(home, timeout=30)


@pytest.fixture(scope="session")
def bulk_settings(bulk_home) -> Neo4jSettings:
    uri, user, password = localdb.local_settings(bulk_home)
    return Neo4jSettings(uri=uri, user=user, password=password)


@pytest.fixture
def empty_db(bulk_home, bulk_settings):
    """The private server, running, with no node (schema kept)."""
    if not localdb.status(bulk_home).running:
        localdb.start(bulk_home, configured_options(localdb.Layout.for_home(bulk_home)), mode="java")
    with connect(bulk_settings) as driver:
        wipe(driver, bulk_settings.database)
    return bulk_settings
