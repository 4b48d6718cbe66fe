"""A trace that cannot be written is skipped whole with its reason; losing Neo4j is a StoreError."""

from __future__ import annotations

import neo4j
import pytest

from graphtrace.errors import StoreError
from graphtrace.model import Span, Trace
from graphtrace.store.connection import connect
from graphtrace.store.ingest import ingest
from graphtrace.store.read import counts

from tests.store.graph_helpers import trace_node
from tests.store.synth import make_trace


def test_unstorable_time_is_skipped_before_writing(driver, database, ids):
    good, bad = ids("good"), ids("bad")
    # 2**64 ns does not fit Neo4j's signed 64-bit integers (max 2**63 - 1): a µs timestamp
    # converted twice looks like this.
    bad_trace = Trace(trace_id=bad, spans=[Span(trace_id=bad, span_id="a", start_ns=2**64, end_ns=2**64 + 5)])
    summary = ingest(driver, [make_trace(good, seed=1), bad_trace], database=database)
    assert summary.trace_ids == [good]
    assert [(d.record, d.field) for d in summary.skipped] == [(f"trace {bad} span a", "start_ns")]
    assert trace_node(driver, database, bad) is None


def test_trace_neo4j_refuses_is_skipped_and_the_batch_rest_written(driver, database, ids):
    first, bad, last = ids("first"), ids("bad"), ids("last")
    # A Span left without its Trace node (e.g. written by hand, or by another tool): the new trace
    # `bad` takes the CREATE path and Neo4j's uniqueness constraint on (trace_id, span_id) refuses it.
    driver.execute_query("CREATE (:Span {trace_id: $t, span_id: $s})", t=bad, s=f"{bad}-root", database_=database)
    try:
        traces = [make_trace(first, seed=1), make_trace(bad, seed=2), make_trace(last, seed=3)]
        summary = ingest(driver, traces, database=database, batch_spans=1_000)  # all three in one batch
        assert summary.trace_ids == [first, last]
        assert len(summary.skipped) == 1
        assert summary.skipped[0].record == f"trace {bad}"
        assert "Neo4j refused the trace" in summary.skipped[0].message
        assert "already exists" in summary.skipped[0].message
        assert trace_node(driver, database, bad) is None  # nothing of it was written
        c = counts(driver, database=database, trace_ids=[first, last])
        assert (c["traces"], c["spans"], c["parent_edges"], c["remote_calls"]) == (2, 60, 58, 14)
    finally:
        driver.execute_query("MATCH (s:Span {trace_id: $t}) DETACH DELETE s", t=bad, database_=database)


def test_unreachable_server_is_a_store_error():
    driver = neo4j.GraphDatabase.driver("bolt://127.0.0.1:1", auth=("neo4j", "x"), max_transaction_retry_time=0.5)
    try:
        with pytest.raises(StoreError, match=r"lost Neo4j while writing batch 1 \(1 traces\).*0 traces \(0 spans\)"):
            ingest(driver, [make_trace("gt-store-test-unreachable", seed=1)], database="neo4j")
    finally:
        driver.close()


def test_driver_lost_mid_stream_then_rerun_completes(neo4j_settings, driver, database, ids):
    traces = [make_trace(ids(f"t{i}"), seed=i) for i in range(6)]
    mine = [t.trace_id for t in traces]
    own = connect(neo4j_settings)

    def stream():
        for i, trace in enumerate(traces):
            if i == 3:
                own.close()  # the server is gone from here on
            yield trace

    with pytest.raises(StoreError) as err:
        # One 30-span trace per batch, one batch at a time (with two writers, batch 2 could still be
        # in flight when the driver closes).
        ingest(own, stream(), database=database, batch_spans=30, workers=1)
    # Batches 1-2 (traces 0, 1) were committed; trace 2's batch is written only once trace 3 has been
    # pulled from the stream, i.e. after the close, so it fails as batch 3.
    assert "batch 3 (1 traces)" in str(err.value)
    assert "2 traces (60 spans) were committed" in str(err.value)
    c = counts(driver, database=database, trace_ids=mine)
    assert (c["traces"], c["spans"]) == (2, 60)  # each committed trace is whole

    rerun = ingest(driver, traces, database=database, batch_spans=30)
    assert (rerun.traces, rerun.spans, rerun.skipped) == (6, 180, [])
    # 6 synthetic traces: 180 spans, 6 x 29 parent edges, 6 x 7 remote calls.
    assert counts(driver, database=database, trace_ids=mine) == {
        "traces": 6, "spans": 180, "services": 8, "remote_calls": 42, "parent_edges": 174, "links": 0}
