"""A trace ingested in pieces, with spans re-sent changed: the stored edges are those of the merged trace.

The merged trace is the union of the pieces, a re-sent span replacing the stored one (the later
ingest wins).  Every expected edge below is derived by hand from the spans written in the test.
"""

from __future__ import annotations

import random

import pytest

from graphtrace.jobs.check import check_traces
from graphtrace.model import Link, Span, Trace
from graphtrace.recipes.annotate import annotate_traces
from graphtrace.store.ingest import ingest
from graphtrace.store.read import load_trace

from tests.store.graph_helpers import edges, span_node, trace_node


def span(tid: str, sid: str, parent: str | None, start: int, end: int, kind: str = "INTERNAL",
         service: str = "gt-merge-web", **extra) -> Span:
    return Span(trace_id=tid, span_id=sid, parent_span_id=parent, name=f"op-{sid}", kind=kind,
                service=service, start_ns=start, end_ns=end, **extra)


def of_type(driver, database, tid: str, kind: str) -> list[tuple[str, str]]:
    return sorted((src, dst) for typ, src, dst, _ in edges(driver, database, [tid]) if typ == kind)


def incoming_parent_edges(driver, database, tid: str, sid: str) -> int:
    query = "MATCH (:Span)-[r:PARENT_OF]->(:Span {trace_id: $tid, span_id: $sid}) RETURN count(r) AS n"
    return driver.execute_query(query, tid=tid, sid=sid, database_=database).records[0]["n"]


def test_moved_child_has_one_parent_and_check_agrees(driver, database, ids):
    tid = ids("f1f2")
    # f1: root a1 (0..100) with child c1 (10..20).
    f1 = Trace(trace_id=tid, spans=[span(tid, "a1", None, 0, 100), span(tid, "c1", "a1", 10, 20)])
    # f2: b1 (5..50) under a1, and c1 re-sent under b1.
    f2 = Trace(trace_id=tid, spans=[span(tid, "b1", "a1", 5, 50), span(tid, "c1", "b1", 10, 20)])
    ingest(driver, [f1], database=database)
    ingest(driver, [f2], database=database)
    annotate_traces(driver, [tid], database=database)

    # Merged trace: a1 -> b1 -> c1; the f1 edge a1 -> c1 is gone.
    assert of_type(driver, database, tid, "PARENT_OF") == [("a1", "b1"), ("b1", "c1")]
    assert incoming_parent_edges(driver, database, tid, "c1") == 1
    node = trace_node(driver, database, tid)
    assert (node["span_count"], node["root_span_ids"], node["start_ns"], node["end_ns"]) == (3, ["a1"], 0, 100)
    assert node["annotated"] is True
    report = check_traces(driver, database=database, trace_ids=[tid])
    assert report.traces_checked == 1
    assert report.disagreements == []
    # annotate ran on the merged tree: depth of c1 is 2 (a1=0, b1=1); a1's self time is
    # 100 - |b1 union c1| = 100 - 45 = 55; b1's is 45 - 10 = 35.
    props, _ = span_node(driver, database, tid, "c1")
    assert props["depth"] == 2
    assert span_node(driver, database, tid, "a1")[0]["self_ns"] == 55
    assert span_node(driver, database, tid, "b1")[0]["self_ns"] == 35


def test_resent_kinds_move_the_remote_call(driver, database, ids):
    tid = ids("kinds")
    # f1: r (web SERVER 0..1000) with children a (web CLIENT 100..500) and b (web INTERNAL 600..900);
    # s (users SERVER 150..450) under a, t (users SERVER 650..800) under b.  One remote call: a -> s.
    users = "gt-merge-users"
    f1 = Trace(trace_id=tid, spans=[
        span(tid, "r", None, 0, 1000, "SERVER"), span(tid, "a", "r", 100, 500, "CLIENT"),
        span(tid, "b", "r", 600, 900, "INTERNAL"), span(tid, "s", "a", 150, 450, "SERVER", users),
        span(tid, "t", "b", 650, 800, "SERVER", users)])
    ingest(driver, [f1], database=database)
    assert of_type(driver, database, tid, "REMOTE_CALL") == [("a", "s")]
    # f2: s re-sent as INTERNAL (a -> s is no longer a call), b re-sent as CLIENT (b -> t now is).
    f2 = Trace(trace_id=tid, spans=[span(tid, "s", "a", 150, 450, "INTERNAL", users),
                                    span(tid, "b", "r", 600, 900, "CLIENT")])
    ingest(driver, [f2], database=database)
    calls = [(src, dst, dict(props)) for typ, src, dst, props in edges(driver, database, [tid])
             if typ == "REMOTE_CALL"]
    assert [(src, dst) for src, dst, _ in calls] == [("b", "t")]
    props = calls[0][2]
    assert not props.pop("inferred", False)  # CLIENT -> SERVER: a call by kinds, never inferred
    # b -> t: gap = 300 - 150 = 150, before = 650 - 600 = 50, after = 900 - 800 = 100, ratio = 300 / 150.
    assert props == {"caller": "gt-merge-web", "callee": users, "operation": "op-t",
                     "gap_ns": 150, "before_ns": 50, "after_ns": 100, "ratio": 2.0}
    assert of_type(driver, database, tid, "PARENT_OF") == [("a", "s"), ("b", "t"), ("r", "a"), ("r", "b")]
    annotate_traces(driver, [tid], database=database)
    assert check_traces(driver, database=database, trace_ids=[tid]).disagreements == []


def test_resent_span_drops_parent_service_and_link(driver, database, ids):
    tid, other = ids("fields"), ids("target")
    # f1: root p (0..100), child x (10..90) in service gt-merge-web with a link to q of `other`,
    # which is never ingested (so x is LinkPending), and a link to p (stored: one LINKS_TO x -> p).
    links = [Link(trace_id=other, span_id="q"), Link(trace_id=tid, span_id="p")]
    f1 = Trace(trace_id=tid, spans=[span(tid, "p", None, 0, 100), span(tid, "x", "p", 10, 90, links=links)])
    ingest(driver, [f1], database=database)
    props, labels = span_node(driver, database, tid, "x")
    assert "LinkPending" in labels and props["pending_link_traces"] == [other]
    assert of_type(driver, database, tid, "LINKS_TO") == [("x", "p")]
    # f2: x re-sent as a root of service gt-merge-other, without links and without attributes.
    ingest(driver, [Trace(trace_id=tid, spans=[span(tid, "x", None, 10, 90, service="gt-merge-other")])],
           database=database)
    props, labels = span_node(driver, database, tid, "x")
    assert "parent_span_id" not in props and "pending_link_traces" not in props
    assert labels == ["Span"]
    kinds = sorted((typ, src, dst) for typ, src, dst, _ in edges(driver, database, [tid]))
    # Left: x's one IN_SERVICE edge (to the new service), p's; no PARENT_OF, no LINKS_TO.
    assert kinds == [("IN_SERVICE", "p", "gt-merge-web"), ("IN_SERVICE", "x", "gt-merge-other")]
    node = trace_node(driver, database, tid)
    assert node["root_span_ids"] == ["p", "x"]  # both roots, by start: p at 0, x at 10
    assert "annotated" not in node


def test_resent_link_target_changes(driver, database, ids):
    tid = ids("relink")
    # f1: y links to p; f2: y re-sent linking to z instead (z arrives in the same piece).
    f1 = Trace(trace_id=tid, spans=[span(tid, "p", None, 0, 100),
                                    span(tid, "y", "p", 10, 20, links=[Link(trace_id=tid, span_id="p")])])
    f2 = Trace(trace_id=tid, spans=[span(tid, "y", "p", 10, 20, links=[Link(trace_id=tid, span_id="z")]),
                                    span(tid, "z", "p", 30, 40)])
    ingest(driver, [f1], database=database)
    ingest(driver, [f2], database=database)
    assert of_type(driver, database, tid, "LINKS_TO") == [("y", "z")]
    assert of_type(driver, database, tid, "PARENT_OF") == [("p", "y"), ("p", "z")]
    again = ingest(driver, [f2], database=database)
    assert (again.nodes_created, again.relationships_created) == (0, 0)


def _random_pieces(seed: int, tid: str) -> tuple[list[Trace], dict[str, Span]]:
    """A random trace sent in 2-3 pieces, some spans re-sent later with another parent, kind, service
    or times; returns the pieces (in sending order) and the merged trace (the last version of each span).

    Parents always have a smaller index than their child, so every version of the trace is acyclic.
    """
    rng = random.Random(seed)
    n, pieces = rng.randint(3, 12), [[] for _ in range(rng.randint(2, 3))]

    def version(i: int) -> Span:
        parent = None if i == 0 or rng.random() < 0.15 else f"s{rng.randrange(i)}"
        start = rng.randrange(0, 1000)
        return Span(trace_id=tid, span_id=f"s{i}", parent_span_id=parent, name=f"op{rng.randrange(3)}",
                    kind=rng.choice(["CLIENT", "SERVER", "INTERNAL"]), service=f"gt-merge-r{rng.randrange(3)}",
                    start_ns=start, end_ns=start + rng.randrange(0, 600))

    for i in range(n):
        pieces[rng.randrange(len(pieces))].append(version(i))
        if rng.random() < 0.4:  # re-sent, changed, in a piece that may come before or after
            pieces[rng.randrange(len(pieces))].append(version(i))
    merged: dict[str, Span] = {}
    out = []
    for piece in pieces:
        latest = {s.span_id: s for s in piece}  # a piece holds one version of each span: its last
        if latest:
            out.append(Trace(trace_id=tid, spans=list(latest.values())))
            merged.update(latest)
    return out, merged


@pytest.mark.parametrize("seed", range(8))
def test_random_pieces_store_the_merged_trace(driver, database, ids, seed):
    tid = ids(f"random-{seed}")
    pieces, merged = _random_pieces(seed, tid)
    if seed % 2:
        for piece in pieces:
            ingest(driver, [piece], database=database)
    else:
        ingest(driver, pieces, database=database, batch_spans=1)  # one call: one batch per piece
    # Expected from the merged trace alone: a parent edge per span whose parent is in the trace,
    # one IN_SERVICE per span, the roots ordered by (start, end, id).
    want_parents = sorted((s.parent_span_id, sid) for sid, s in merged.items() if s.parent_span_id in merged)
    want_services = sorted((sid, s.service) for sid, s in merged.items())
    roots = sorted((s for s in merged.values() if s.parent_span_id not in merged),
                   key=lambda s: (s.start_ns, s.end_ns, s.span_id))
    assert of_type(driver, database, tid, "PARENT_OF") == want_parents
    assert of_type(driver, database, tid, "IN_SERVICE") == want_services
    node = trace_node(driver, database, tid)
    assert node["root_span_ids"] == [s.span_id for s in roots]
    assert node["span_count"] == len(merged)
    start, end = min(s.start_ns for s in merged.values()), max(s.end_ns for s in merged.values())
    assert (node["start_ns"], node["end_ns"], node["duration_ns"]) == (start, end, end - start)
    stored = {s.span_id: s for s in load_trace(driver, tid, database=database).spans}
    assert stored == merged
    # REMOTE_CALL and everything annotate writes: the networkx engine on the merged trace agrees.
    annotate_traces(driver, [tid], database=database)
    assert check_traces(driver, database=database, trace_ids=[tid]).disagreements == []
