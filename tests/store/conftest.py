"""Store test fixtures on top of the shared ``neo4j_driver`` / ``neo4j_settings`` (tests/conftest.py).

The store tests never wipe the database: each test writes traces whose ids
start with a unique prefix (``ids``) and deletes exactly those afterwards, so
they are safe on a shared development server (``NEO4J_URI``) too.  Counts are
always taken over the test's own trace ids.
"""

from __future__ import annotations

import uuid

import pytest

from graphtrace.store.delete import delete_traces
from graphtrace.store.schema import init_schema


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
