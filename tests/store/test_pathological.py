"""Pathological but legal traces: a 20,000-deep chain and traces too big for one transaction.

Sized for CI (well under a minute together on a quiet machine); the full-size figures (100,000
children, 100,000 roots) come from ``bench/pathological.py`` and are in docs/performance.md.
Expected values come from the in-memory engine (``graphtrace check``'s oracle) or by hand.
"""

from __future__ import annotations

import pytest

from graphtrace.analysis.critical_path import critical_path, critical_path_times, on_path
from graphtrace.analysis.self_time import self_times
from graphtrace.analysis.tree import build_tree
from graphtrace.model import Span, SpanKind, Trace
from graphtrace.recipes.annotate import annotate_traces
from graphtrace.store import queries
from graphtrace.store.big_trace import BIG_TRACE_SPANS, CHUNK_ROWS
from graphtrace.store.ingest import ingest
from graphtrace.store.read import counts

US = 1_000


def chain(tid: str, n: int) -> Trace:
    """c0 -> c1 -> ... -> c{n-1}; c{i} is [i, 2n - i] us (strictly nested)."""
    return Trace(trace_id=tid, spans=[
        Span(trace_id=tid, span_id=f"c{i}", parent_span_id=f"c{i - 1}" if i else None, service="svc",
             name="op", start_ns=i * US, end_ns=(2 * n - i) * US) for i in range(n)])


def fanout(tid: str, n: int) -> Trace:
    """A SERVER root [0, n + 10] us and n CLIENT children, child i at [i, i + 10] us."""
    root = Span(trace_id=tid, span_id="r", service="front", name="GET /", kind=SpanKind.SERVER,
                start_ns=0, end_ns=(n + 10) * US)
    return Trace(trace_id=tid, spans=[root, *(
        Span(trace_id=tid, span_id=f"k{i}", parent_span_id="r", service="back", name="call",
             kind=SpanKind.CLIENT, start_ns=i * US, end_ns=(i + 10) * US) for i in range(1, n + 1))])


def engine(trace: Trace) -> dict[str, tuple]:
    """(self_ns, cp_ns, on_cp, depth) per span from graphtrace.analysis."""
    tree = build_tree(trace)
    cp = critical_path_times(critical_path(tree))
    on, selfs = on_path(tree), self_times(tree)
    return {sid: (selfs[sid], cp.get(sid, 0), sid in on, tree.depth(sid)) for sid in tree.spans}


def _annotations(driver, database, tid):
    records, _, _ = driver.execute_query(queries.ANNOTATIONS, trace_ids=[tid], database_=database)
    return records[0]


def test_a_20000_deep_chain_ingests_and_annotates(driver, database, ids):
    tid = ids("chain")
    n = 20_000
    summary = ingest(driver, [chain(tid, n)], database=database)
    assert (summary.traces, summary.spans, summary.skipped) == (1, n, [])
    assert counts(driver, database=database, trace_ids=[tid])["parent_edges"] == n - 1
    assert annotate_traces(driver, [tid], database=database) == {"traces": 1, "spans": n}
    rec = _annotations(driver, database, tid)
    got = {s["span_id"]: s for s in rec["spans"]}
    assert rec["annotated"] is True
    # By hand: c{i} at depth i; each span's only child covers all but 1 us at each end, so self time
    # is 2 us (the leaf: its whole 2 us), the walk takes the child every time (every span on the
    # path), and each span's critical-path time is its self time.
    assert all(got[f"c{i}"]["depth"] == i for i in range(n))
    assert all(got[f"c{i}"]["self_ns"] == 2 * US and got[f"c{i}"]["cp_ns"] == 2 * US for i in range(n))
    assert all(s["on_cp"] for s in got.values())


def test_a_trace_bigger_than_one_transaction_is_written_whole_and_annotated(driver, database, ids):
    tid = ids("fanout")
    n = BIG_TRACE_SPANS + CHUNK_ROWS // 2  # several chunks, over the one-transaction limit
    summary = ingest(driver, [fanout(tid, n)], database=database)
    assert (summary.traces, summary.spans, summary.skipped) == (1, n + 1, [])
    # n + 1 spans, n parent edges, n nodes created besides the Trace and the two services (if new).
    assert counts(driver, database=database, trace_ids=[tid]) == {
        "traces": 1, "spans": n + 1, "services": 2, "remote_calls": 0, "parent_edges": n, "links": 0}
    props = driver.execute_query("MATCH (t:Trace {trace_id: $t}) RETURN properties(t) AS p", t=tid,
                                 database_=database).records[0]["p"]
    assert "incomplete" not in props and props["span_count"] == n + 1 and props["root_span_ids"] == ["r"]
    assert annotate_traces(driver, [tid], database=database)["spans"] == n + 1
    # The annotations against the in-memory engine (what `check` compares them with; the per-trace
    # read recipes are still O(spans x depth) and too slow for this size in a test).
    rec = _annotations(driver, database, tid)
    got = {s["span_id"]: (s["self_ns"], s["cp_ns"], s["on_cp"], s["depth"]) for s in rec["spans"]}
    assert rec["annotated"] is True and got == engine(fanout(tid, n))


def test_a_failed_big_write_leaves_nothing(driver, database, ids, monkeypatch):
    tid = ids("fails")
    n = BIG_TRACE_SPANS + 1
    # The edges statement fails after every span chunk has been committed.
    monkeypatch.setattr(queries, "CREATE_TRACE_EDGES", "UNWIND $edges AS e RETURN 1 / 0 AS boom")
    summary = ingest(driver, [fanout(tid, n)], database=database)
    assert summary.traces == 0 and [d.record for d in summary.skipped] == [f"trace {tid}"]
    assert "/ by zero" in summary.skipped[0].message
    assert counts(driver, database=database, trace_ids=[tid])["spans"] == 0
    assert driver.execute_query("MATCH (t:Trace {trace_id: $t}) RETURN count(t) AS n", t=tid,
                                database_=database).records[0]["n"] == 0


def test_stale_pieces_of_a_crashed_big_write_are_replaced(driver, database, ids):
    tid = ids("stale")
    # What a client that died mid-write leaves: the marked Trace and some of its spans.
    driver.execute_query("CREATE (t:Trace {trace_id: $t, incomplete: true}) "
                         "WITH t UNWIND range(1, 5) AS i CREATE (t)-[:HAS_SPAN]->(:Span {trace_id: $t, span_id: 'k' + i})",
                         t=tid, database_=database)
    n = BIG_TRACE_SPANS + 1
    summary = ingest(driver, [fanout(tid, n)], database=database)
    assert (summary.traces, summary.skipped) == (1, [])
    assert counts(driver, database=database, trace_ids=[tid])["spans"] == n + 1
    assert counts(driver, database=database, trace_ids=[tid])["parent_edges"] == n
