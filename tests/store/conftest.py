"""Store test fixtures on top of the shared ``neo4j_driver`` / ``neo4j_settings`` (tests/conftest.py).

The store tests never wipe the database: each test writes traces whose ids
start with a unique prefix (``ids``) and deletes exactly those afterwards, so
they are safe on a shared development server (``NEO4J_URI``) too.  Counts are
always taken over the test's own trace ids.
"""

from __future__ import annotations

import uuid

import pytest

from graphtrace import localdb
from graphtrace.errors import ServerError
from graphtrace.localdb.config import configured_options
from graphtrace.store.connection import Neo4jSettings, connect
from graphtrace.store.delete import delete_traces
from graphtrace.store.schema import init_schema
from tests.conftest import _unavailable, wipe
from tests.helpers import free_port


@pytest.fixture(scope="session")
def database(neo4j_settings) -> str:
    """The database the tests use."""
    return neo4j_settings.database


@pytest.fixture(scope="session")
def driver(neo4j_driver, database):
    """The shared driver, with graphtrace's schema initialised once."""
    init_schema(neo4j_driver, database=database)
    return neo4j_driver


class TraceIds:
    """Unique trace ids for one test; every id handed out is deleted at teardown."""

    def __init__(self) -> None:
        self.prefix = f"gt-store-test-{uuid.uuid4().hex[:10]}-"
        self.issued: list[str] = []

    def __call__(self, name: str) -> str:
        tid = self.prefix + name
        self.issued.append(tid)
        return tid


@pytest.fixture
def ids(driver, database):
    """A :class:`TraceIds` factory; its traces are deleted after the test."""
    factory = TraceIds()
    yield factory
    delete_traces(driver, factory.issued, database=database)


# The bulk path (ingest --bulk) stops and restarts its server: a Neo4j of its own, shared by
# tests/store/test_bulk*.py.

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
