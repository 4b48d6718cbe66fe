"""Two writers: the same graph and summary as one, pieces of a trace and links still handled."""

from __future__ import annotations

import neo4j
import pytest

from graphtrace.errors import StoreError
from graphtrace.model import Trace
from graphtrace.store.ingest import ingest
from graphtrace.store.read import counts

from tests.store.graph_helpers import edges, span_node
from tests.store.rich_trace import other_trace, rich_trace
from tests.store.synth import make_trace


def test_two_writers_write_every_trace_whole(driver, database, ids):
    traces = [make_trace(ids(f"t{i}"), seed=i) for i in range(8)]
    mine = [t.trace_id for t in traces]
    progress = []
    summary = ingest(driver, traces, database=database, batch_spans=30, workers=2,
                     on_progress=lambda s: progress.append(s.traces))
    # One 30-span trace per batch; the summary follows the input order.
    assert (summary.traces, summary.spans, summary.batches, summary.skipped) == (8, 240, 8, [])
    assert summary.trace_ids == mine
    assert progress == [1, 2, 3, 4, 5, 6, 7, 8]
    # synth.py: per trace 30 spans, 29 parent edges, 7 remote calls; 1 + 7 services in all.
    assert counts(driver, database=database, trace_ids=mine) == {
        "traces": 8, "spans": 240, "services": 8, "remote_calls": 56, "parent_edges": 232, "links": 0}


def test_two_writers_pieces_of_one_trace_and_links(driver, database, ids):
    tid, oid = ids("rich"), ids("other")
    rich = rich_trace(tid, oid)
    first = Trace(trace_id=tid, spans=[s for s in rich.spans if s.span_id in {"s", "q"}])
    second = Trace(trace_id=tid, spans=[s for s in rich.spans if s.span_id not in {"s", "q"}])
    # Batches of one trace each: the two pieces of `rich` may not be written at once, and the
    # link s -> other/o1 must find o1 although `other` comes in the next batch.
    summary = ingest(driver, [first, second, other_trace(oid)], database=database, batch_spans=1, workers=2)
    assert (summary.traces, summary.batches, summary.skipped) == (3, 3, [])
    # rich: 6 spans, 4 parent edges, 1 remote call, links s->f and s->o1 (tests/store/rich_trace.py).
    assert counts(driver, database=database, trace_ids=[tid]) == {
        "traces": 1, "spans": 6, "services": 3, "remote_calls": 1, "parent_edges": 4, "links": 2}
    assert sorted((e[1], e[2]) for e in edges(driver, database, [tid]) if e[0] == "LINKS_TO") == [
        ("s", "f"), ("s", "o1")]
    _, labels = span_node(driver, database, tid, "s")
    assert "LinkPending" not in labels


def test_two_writers_losing_the_server_is_a_store_error():
    driver = neo4j.GraphDatabase.driver("bolt://127.0.0.1:1", auth=("neo4j", "x"), max_transaction_retry_time=0.5)
    try:
        traces = [make_trace(f"gt-store-test-unreachable-{i}", seed=i) for i in range(4)]
        # Both writers fail; the error names the first batch in input order, nothing was committed.
        with pytest.raises(StoreError, match=r"lost Neo4j while writing batch 1 \(1 traces\).*0 traces \(0 spans\)"):
            ingest(driver, traces, database="neo4j", batch_spans=30, workers=2)
    finally:
        driver.close()
