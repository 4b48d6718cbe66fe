"""Re-ingest changes nothing; a trace arriving in pieces gives the same graph as arriving whole."""

from __future__ import annotations

from graphtrace.model import Trace
from graphtrace.store.ingest import ingest
from graphtrace.store.read import counts, load_trace

from tests.store.graph_helpers import edges, trace_node
from tests.store.rich_trace import other_trace, rich_trace
from tests.store.synth import make_trace


def renamed(trace: Trace, trace_id: str, keep=None) -> Trace:
    """``trace`` under another trace id (span ids unchanged), optionally only spans with ``keep(span)``."""
    spans = [s.model_copy(update={"trace_id": trace_id}) for s in trace.spans if keep is None or keep(s)]
    return Trace(trace_id=trace_id, spans=spans)


def test_reingest_is_idempotent(driver, database, ids):
    tid, oid = ids("rich"), ids("other")
    traces = [rich_trace(tid, oid), other_trace(oid), make_trace(ids("synth"), seed=3)]
    mine = [t.trace_id for t in traces]
    first = ingest(driver, traces, database=database)
    before = (counts(driver, database=database, trace_ids=mine), edges(driver, database, mine),
              [trace_node(driver, database, t) for t in mine])
    # rich: 6 spans, 4 parent edges, 1 remote call, 2 links (s->f, s->o1: o1 is in the same batch);
    # other: 1 span; synth: 30 spans, 29 parent edges, 7 remote calls (see tests/store/synth.py).
    assert before[0] == {"traces": 3, "spans": 37, "services": 3 + 1 + 8, "remote_calls": 8,
                         "parent_edges": 33, "links": 2}
    assert first.nodes_created >= 3 + 37

    again = ingest(driver, traces, database=database)
    assert (again.traces, again.spans) == (3, 37)
    assert (again.nodes_created, again.relationships_created) == (0, 0)
    after = (counts(driver, database=database, trace_ids=mine), edges(driver, database, mine),
             [trace_node(driver, database, t) for t in mine])
    assert after == before


def _same_graph(driver, database, one: str, other: str) -> None:
    assert counts(driver, database=database, trace_ids=[one]) == counts(driver, database=database, trace_ids=[other])
    assert edges(driver, database, [one]) == edges(driver, database, [other])
    a, b = trace_node(driver, database, one), trace_node(driver, database, other)
    a.pop("trace_id"), b.pop("trace_id")
    assert a == b
    # Every span field equal once the trace id (also inside same-trace links) is masked.
    sa = [s.model_dump_json().replace(one, "X") for s in load_trace(driver, one, database=database).spans]
    sb = [s.model_dump_json().replace(other, "X") for s in load_trace(driver, other, database=database).spans]
    assert sa == sb


def test_pieces_in_two_calls_merge_like_whole(driver, database, ids):
    base = make_trace("base", seed=5)
    whole, split = ids("whole"), ids("split")
    ingest(driver, [renamed(base, whole)], database=database)
    # Children first: SERVER and INTERNAL spans arrive before the CLIENT spans and the root that are
    # their parents, so every PARENT_OF and REMOTE_CALL edge has to be made when the parents arrive.
    children = renamed(base, split, keep=lambda s: s.kind.value != "CLIENT" and s.parent_span_id is not None)
    parents = renamed(base, split, keep=lambda s: s.kind.value == "CLIENT" or s.parent_span_id is None)
    assert len(children.spans) + len(parents.spans) == 30
    ingest(driver, [children], database=database)
    # After the first piece: the servers' parents (clients) are absent, so each server is a root.
    assert trace_node(driver, database, split)["span_count"] == len(children.spans)
    ingest(driver, [parents], database=database)
    _same_graph(driver, database, whole, split)
    # Hand check against synth.py: 30 spans, 29 parent edges, 7 remote calls, one root.
    assert counts(driver, database=database, trace_ids=[split])["remote_calls"] == 7
    assert trace_node(driver, database, split)["root_span_ids"] == [f"base-root"]


def test_pieces_in_one_call_and_cross_piece_links(driver, database, ids):
    whole_id, split_id, oid = ids("whole"), ids("split"), ids("other")
    whole = rich_trace(whole_id, oid)
    split = rich_trace(split_id, oid)
    ingest(driver, [whole, other_trace(oid)], database=database)
    # s (with its link to f) and q arrive first; f, the link target and q's parent, in a later piece
    # of the same ingest call; both pieces go to different batches because they share the trace id.
    first = Trace(trace_id=split_id, spans=[s for s in split.spans if s.span_id in {"s", "q"}])
    second = Trace(trace_id=split_id, spans=[s for s in split.spans if s.span_id not in {"s", "q"}])
    summary = ingest(driver, [first, second], database=database)
    assert (summary.traces, summary.batches) == (2, 2)
    _same_graph(driver, database, whole_id, split_id)
