"""A real Neo4j server stopped in the middle of an ingest: clear StoreError, and a rerun is exact.

Starts its own throwaway server (temporary home, spare port) so stopping it disturbs
no other test; the Maven jars come from the local repository after the first run.
"""

from __future__ import annotations

import pytest

from graphtrace import localdb
from graphtrace.errors import StoreError
from graphtrace.store.connection import Neo4jSettings, connect
from graphtrace.store.ingest import ingest
from graphtrace.store.read import counts
from graphtrace.store.schema import init_schema
from graphtrace.synth import GenOptions, generate
from tests.helpers import free_port

pytestmark = pytest.mark.neo4j


@pytest.fixture
def own_server(tmp_path, java_and_maven):
    home = tmp_path / "stop-home"
    options = localdb.ServerOptions(bolt_port=free_port(), http_port=free_port(), heap="512m", pagecache="64m")
    localdb.start(home, options, mode="java")
    yield home, options
    localdb.stop(home, timeout=60)


def test_server_stopped_mid_ingest_then_rerun_is_exact(own_server):
    home, options = own_server
    uri, user, password = localdb.local_settings(home)
    settings = Neo4jSettings.resolve(uri=uri, user=user, password=password, database="neo4j", env={})
    # 12 generated traces, fan-out 2, no async/skew noise; each trace is its own batch.
    traces = list(generate(GenOptions(traces=12, fan_out=2, seed=5)))
    spans = sum(len(t.spans) for t in traces)

    driver = connect(settings)
    init_schema(driver, database="neo4j")

    def stream():
        for i, trace in enumerate(traces):
            if i == 6:
                localdb.stop(home, timeout=60)  # the real server goes away mid-ingest
            yield trace

    with pytest.raises(StoreError) as err:
        ingest(driver, stream(), database="neo4j", batch_spans=1)
    assert "committed" in str(err.value)  # says how far it got
    driver.close()

    localdb.start(home, options, mode="java")
    driver = connect(settings)
    committed = counts(driver, database="neo4j")
    # Whatever was committed before the stop is whole traces only: every stored trace has all its spans.
    by_id = {t.trace_id: len(t.spans) for t in traces}
    stored = driver.execute_query(
        "MATCH (t:Trace)-[:HAS_SPAN]->(s:Span) RETURN t.trace_id AS id, count(s) AS n", database_="neo4j"
    ).records
    assert all(by_id[r["id"]] == r["n"] for r in stored)
    assert committed["traces"] <= 6

    rerun = ingest(driver, traces, database="neo4j", batch_spans=1)
    assert (rerun.traces, rerun.spans, rerun.skipped) == (12, spans, [])
    after = counts(driver, database="neo4j")
    assert (after["traces"], after["spans"]) == (12, spans)
    driver.close()
