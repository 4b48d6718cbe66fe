"""``graphtrace check`` on the store's structure and its own options: parent edges, trace ids, timeouts."""

from __future__ import annotations

import uuid

from graphtrace.jobs.check import check_traces
from graphtrace.model import Span, Trace

from tests.recipes.test_check import _cli


def _trace(tid: str, n: int = 3) -> Trace:
    """Span i (hex id) under span (i - 1) // 2, start i, end 10n - i: a binary tree, each child inside its parent."""
    return Trace(trace_id=tid, spans=[
        Span(trace_id=tid, span_id=f"{i:016x}", parent_span_id=None if i == 0 else f"{(i - 1) // 2:016x}",
             service="gt-check-svc", name=f"op{i % 5}", start_ns=i, end_ns=10 * n - i)
        for i in range(n)])


def test_span_with_two_parent_edges_is_reported(store):
    tid = f"gt-check-parents-{uuid.uuid4().hex[:8]}"
    # a (0..100) -> b (10..60) -> c (20..40)
    spans = [Span(trace_id=tid, span_id="a", start_ns=0, end_ns=100, service="gt-check-svc", name="a"),
             Span(trace_id=tid, span_id="b", parent_span_id="a", start_ns=10, end_ns=60, service="gt-check-svc",
                  name="b"),
             Span(trace_id=tid, span_id="c", parent_span_id="b", start_ns=20, end_ns=40, service="gt-check-svc",
                  name="c")]
    store([Trace(trace_id=tid, spans=spans)])
    assert check_traces(store.driver, database=store.database, trace_ids=[tid]).disagreements == []
    # An older store kept the first parent edge when c was re-sent under b: simulate it.
    store.driver.execute_query(
        "MATCH (a:Span {trace_id: $t, span_id: 'a'}), (c:Span {trace_id: $t, span_id: 'c'}) "
        "CREATE (a)-[:PARENT_OF {ref_type: 'CHILD_OF'}]->(c)", t=tid, database_=store.database)
    report = check_traces(store.driver, database=store.database, trace_ids=[tid])
    parents = [d for d in report.disagreements if d.quantity == "PARENT_OF edges from"]
    # c has edges from a and b; its parent_span_id names b only.
    assert [(d.span_id, d.neo4j, d.networkx) for d in parents] == [("c", ["a", "b"], ["b"])]
    assert parents[0].text == f"{tid}: span c: PARENT_OF edges from: neo4j ['a', 'b'], networkx ['b']"


def test_trace_id_as_the_readers_take_it(store):
    tid = "00000" + uuid.uuid4().hex[5:]  # leading zeros: the unpadded form drops them
    store([_trace(tid)])
    given = tid.lstrip("0").upper()
    assert len(given) < 32
    ok = _cli(["check", "--trace-id", given], store)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("checked 1 traces, 3 spans")


def test_unknown_trace_is_not_found(store):
    unknown = uuid.uuid4().hex
    result = _cli(["check", "--trace-id", unknown], store)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: ") and f"trace {unknown} not found" in result.stderr
    assert "disagree" not in result.stdout + result.stderr and "Traceback" not in result.stderr


def _chain(tid: str, n: int) -> Trace:
    """Span i under span i - 1, start i, end 10n - i: a chain n deep, each child inside its parent."""
    return Trace(trace_id=tid, spans=[
        Span(trace_id=tid, span_id=f"{i:016x}", parent_span_id=None if i == 0 else f"{i - 1:016x}",
             service="gt-check-svc", name=f"op{i % 5}", start_ns=i, end_ns=10 * n - i)
        for i in range(n)])


def test_timeout_reaches_the_server(store):
    # Neo4j checks transaction timeouts every 2 s, so the query must outlast that: the per-trace
    # recipes are linear in the spans now, so the traces are big: two 20,000-deep chains in one
    # batched call-tree query, about 1.6 s each on a quiet machine (docs/performance.md,
    # "Pathological traces"), so over 3 s: past the 0.5 s timeout and a 2 s check interval.
    deep, deep2 = uuid.uuid4().hex, uuid.uuid4().hex
    store([_chain(deep, 20_000), _chain(deep2, 20_000)])
    slow = _cli(["check", "--trace-id", deep, "--trace-id", deep2, "--timeout", "0.5"], store)
    assert slow.returncode == 2, slow.stdout + slow.stderr
    assert slow.stderr.startswith("Error: ") and "timed out after 0.5 s" in slow.stderr
    assert "Traceback" not in slow.stderr
    small = uuid.uuid4().hex
    store([_trace(small, 600)])
    fine = _cli(["check", "--trace-id", small, "--timeout", "300"], store)
    assert fine.returncode == 0, fine.stdout + fine.stderr
    assert fine.stdout.startswith("checked 1 traces, 600 spans")
