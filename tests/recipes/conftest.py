"""Fixtures shared by the recipe tests that need a server."""

from __future__ import annotations

import pytest

from graphtrace.model import Trace
from graphtrace.recipes.annotate import annotate_traces
from graphtrace.store.delete import delete_traces
from graphtrace.store.ingest import ingest
from graphtrace.store.schema import init_schema


@pytest.fixture(scope="module")
def store(neo4j_driver, neo4j_settings):
    """``load(traces) -> ids``: ingest and annotate; every trace loaded is deleted after the module.

    ``load.driver``, ``load.database`` and ``load.settings`` say where.
    """
    database = neo4j_settings.database
    init_schema(neo4j_driver, database=database)
    written: list[str] = []

    def load(traces: list[Trace]) -> list[str]:
        ids = [t.trace_id for t in traces]
        written.extend(ids)
        ingest(neo4j_driver, traces, database=database)
        annotate_traces(neo4j_driver, ids, database=database)
        return ids

    load.driver, load.database, load.settings = neo4j_driver, database, neo4j_settings
    yield load
    delete_traces(neo4j_driver, written, database=database)
