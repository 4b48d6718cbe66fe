"""Write then read back: every field, attribute, event and link; the graph around it, derived by hand."""

from __future__ import annotations

import pytest

from graphtrace.errors import StoreError
from graphtrace.store.ingest import ingest
from graphtrace.store.read import counts, iter_traces, list_trace_ids, load_trace

from tests.store.graph_helpers import edges, span_node, trace_node
from tests.store.rich_trace import other_trace, rich_trace


def by_id(trace):
    return {s.span_id: s for s in trace.spans}


def test_round_trip_every_field(driver, database, ids):
    tid, oid = ids("rich"), ids("other")
    trace = rich_trace(tid, oid)
    summary = ingest(driver, [trace], database=database)
    assert (summary.traces, summary.spans, summary.trace_ids, summary.skipped) == (1, 6, [tid], [])

    loaded = load_trace(driver, tid, database=database)
    assert loaded.trace_id == tid
    assert by_id(loaded) == by_id(trace)  # pydantic equality: every field, attribute, event, link
    # Spans come back ordered by (start, end, id): o 500, r 1000, c 1100, s 1200, f 1950, q 2050.
    assert [s.span_id for s in loaded.spans] == ["o", "r", "c", "s", "f", "q"]
    assert list(iter_traces(driver, database=database, trace_ids=[tid, "gt-absent"])) == [loaded]
    assert tid in list_trace_ids(driver, database=database)


def test_graph_of_the_rich_trace(driver, database, ids):
    tid, oid = ids("rich"), ids("other")
    ingest(driver, [rich_trace(tid, oid)], database=database)

    # Trace aggregates: start = min start = 500 (o), end = max end = 2300 (q), 6 spans;
    # roots = r (no parent) and o (parent absent), ordered by start: o, r.
    t = trace_node(driver, database, tid)
    assert (t["start_ns"], t["end_ns"], t["duration_ns"], t["span_count"], t["root_span_ids"]) == (
        500, 2300, 1800, 6, ["o", "r"])

    # REMOTE_CALL c -> s: gap = 800 - 500 = 300, before = 1200 - 1100 = 100, after = 1900 - 1700 = 200,
    # ratio = 800 / 500 = 1.6; operation = the SERVER span's name; a CLIENT/SERVER pair is not inferred.
    remote = ("REMOTE_CALL", "c", "s", tuple(sorted({
        "caller": "web", "callee": "users", "operation": "GetUser",
        "gap_ns": 300, "before_ns": 100, "after_ns": 200, "ratio": 1.6, "inferred": False}.items())))
    expected = sorted([
        ("PARENT_OF", "r", "c", (("ref_type", "CHILD_OF"),)),
        ("PARENT_OF", "c", "s", (("ref_type", "CHILD_OF"),)),
        ("PARENT_OF", "r", "f", (("ref_type", "FOLLOWS_FROM"),)),
        ("PARENT_OF", "f", "q", (("ref_type", "CHILD_OF"),)),
        remote,
        ("LINKS_TO", "s", "f", (("attributes_json", '{"why":"batch"}'), ("ref_type", "FOLLOWS_FROM"))),
        *[("IN_SERVICE", sid, svc, ()) for sid, svc in
          [("r", "web"), ("c", "web"), ("s", "users"), ("f", "web"), ("q", "worker"), ("o", "web")]],
    ])
    assert edges(driver, database, [tid]) == expected

    # attr.<key> only for values Neo4j can hold: scalars and homogeneous scalar lists within int64.
    props, _ = span_node(driver, database, tid, "r")
    attrs = {k: v for k, v in props.items() if k.startswith("attr.")}
    assert attrs == {"attr.http.route": "/users/42", "attr.http.status_code": 200, "attr.ratio": 0.5,
                     "attr.ok": True, "attr.tags": ["a", "b"], "attr.ports": [80, 443],
                     "attr.unicode": "h\u00e9llo \u2713"}
    # op_key = normalised name | normalised http.route: "GET /users/?" and "/users/?".
    assert props["op_key"] == "GET /users/? | /users/?"
    assert (props["kind"], props["status_code"], props["duration_ns"]) == ("SERVER", "OK", 1000)
    assert "parent_span_id" not in props  # absent, never null

    c = counts(driver, database=database, trace_ids=[tid])
    assert c == {"traces": 1, "spans": 6, "services": 3, "remote_calls": 1, "parent_edges": 4, "links": 1}


def test_link_target_arriving_later_is_connected(driver, database, ids):
    tid, oid = ids("rich"), ids("other")
    ingest(driver, [rich_trace(tid, oid)], database=database)
    _, labels = span_node(driver, database, tid, "s")
    assert "LinkPending" in labels  # its link to OTHER/o1 has no target yet

    ingest(driver, [other_trace(oid)], database=database)
    links = [e for e in edges(driver, database, [tid]) if e[0] == "LINKS_TO"]
    assert [(e[1], e[2]) for e in links] == [("s", "f"), ("s", "o1")]
    props, labels = span_node(driver, database, tid, "s")
    assert "LinkPending" not in labels and "pending_link_traces" not in props


def test_load_missing_trace_is_a_store_error(driver, database):
    with pytest.raises(StoreError, match="not in the database"):
        load_trace(driver, "gt-store-test-never-written", database=database)
