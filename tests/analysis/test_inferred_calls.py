"""Remote calls inferred from traces without span kinds (issue #10, item 5).

The fixtures are hand-written collector file-exporter lines (one ``ExportTraceServiceRequest`` per
line, a zero ``kind`` omitted as the collector's JSON marshaller omits zero values):

``nokind_checkout.ndjson`` (times relative to the trace start, ms):

* trace 5b8efff7...c60c: gateway ``GET /checkout`` A [0, 100] (no kind) -> orders ``orders.place`` B
  [10, 90] (no kind) -> stock ``stock.reserve`` C1 [20, 40] and stock ``stock.commit`` C2 [45, 85]
  (kind 1 INTERNAL, C2 status ERROR) -> stock ``db.query`` D [50, 80] under C2;
* trace 0000...4bf92f3577b34da6 (starts 1 s later): gateway A' [0, 60] -> orders B' [5, 55] -> stock
  ``stock.reserve`` C1' [10, 12].

``nokind_mixed.ndjson``: a trace with kinds where only one pair is kind-less (see ``test_mixed_...``).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from graphtrace.analysis.analyze import analyze_trace
from graphtrace.analysis.edges import EdgeStat, edge_stats
from graphtrace.analysis.gaps import call_spans, client_server_pairs
from graphtrace.analysis.tree import build_tree
from graphtrace.model import Span, SpanKind, Trace, call_type
from graphtrace.readers import read_traces

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readers"
CHECKOUT = FIXTURES / "nokind_checkout.ndjson"
MIXED = FIXTURES / "nokind_mixed.ndjson"
MS = 1_000_000
T1, T2 = "5b8efff798038103d269b633813fc60c", "00000000000000004bf92f3577b34da6"


def traces(path: Path) -> dict[str, Trace]:
    return {t.trace_id: t for t in read_traces([str(path)])}


def calls(trace: Trace) -> list[tuple]:
    return [(c.client_span_id, c.server_span_id, c.caller, c.callee, c.operation, c.client_ns, c.server_ns,
             c.gap_ns, c.before_ns, c.after_ns, c.ratio, c.inferred)
            for c in client_server_pairs(build_tree(trace))]


def test_kindless_parent_in_another_service_is_an_inferred_call():
    got = traces(CHECKOUT)
    assert set(got) == {T1, T2}
    assert calls(got[T1]) == [
        # A -> B: A's only child; gap 100 - 80 = 20 ms, before 10 - 0 = 10, after 100 - 90 = 10, ratio 100/80
        ("a000000000000001", "b000000000000001", "gateway", "orders", "orders.place", 100 * MS, 80 * MS,
         20 * MS, 10 * MS, 10 * MS, 1.25, True),
        # B has two children (C1, C2): each call's gap is unknown, never guessed; durations stay known
        ("b000000000000001", "c000000000000001", "orders", "stock", "stock.reserve", 80 * MS, 20 * MS,
         None, None, None, None, True),
        ("b000000000000001", "c000000000000002", "orders", "stock", "stock.commit", 80 * MS, 40 * MS,
         None, None, None, None, True),
        # C2 -> D is inside stock: not a call
    ]
    assert calls(got[T2]) == [
        # A' -> B': 60 - 50 = 10 ms, before 5, after 60 - 55 = 5, ratio 60/50
        ("a000000000000002", "b000000000000002", "gateway", "orders", "orders.place", 60 * MS, 50 * MS,
         10 * MS, 5 * MS, 5 * MS, 1.2, True),
        # B' -> C1' (only child): 50 - 2 = 48 ms, before 10 - 5 = 5, after 55 - 12 = 43, ratio 50/2
        ("b000000000000002", "c000000000000003", "orders", "stock", "stock.reserve", 50 * MS, 2 * MS,
         48 * MS, 5 * MS, 43 * MS, 25.0, True),
    ]


def test_mixed_trace_infers_only_the_kindless_pair():
    """gateway SERVER X [0,50] -> gateway CLIENT Y [5,45] -> cart SERVER Z [10,40]; under Z: cart INTERNAL
    cart.load Z2 [12,30] -> redis (no kind) HGET W [15,25]; cart PRODUCER P [31,33] -> worker CONSUMER Q
    [35,60] (messaging, not inferred); cart INTERNAL notify V [34,38] -> mailer SERVER S2 [35,37] (a lone
    SERVER half: not inferred, it carries a kind)."""
    [trace] = traces(MIXED).values()
    assert calls(trace) == [
        # the real pair: 40 - 30 = 10 ms, before 10 - 5 = 5, after 45 - 40 = 5, ratio 40/30
        ("e000000000000002", "f000000000000001", "gateway", "cart", "GET /cart", 40 * MS, 30 * MS,
         10 * MS, 5 * MS, 5 * MS, 40 / 30, False),
        # Z2 -> W (Z2's only child): 18 - 10 = 8 ms, before 15 - 12 = 3, after 30 - 25 = 5, ratio 18/10
        ("f000000000000002", "0a00000000000001", "cart", "redis", "HGET", 18 * MS, 10 * MS,
         8 * MS, 3 * MS, 5 * MS, 1.8, True),
    ]


KINDS = list(SpanKind)


@pytest.mark.parametrize("parent_kind,child_kind", list(itertools.product(KINDS, KINDS)))
@pytest.mark.parametrize("same_service", [True, False])
def test_calls_follow_the_shared_rule(parent_kind, child_kind, same_service):
    """call_spans (the engine) and model.call_type (what ingest uses) agree on every pair of kinds."""
    mk = lambda i, p, svc, kind, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, service=svc,  # noqa: E731
                                            kind=kind, start_ns=s, end_ns=e)
    child_service = "a" if same_service else "b"
    spans = [mk("p", None, "a", parent_kind, 0, 10), mk("c", "p", child_service, child_kind, 2, 8),
             mk("d", "p", "a", "INTERNAL", 8, 9)]
    got = [(p.span_id, c.span_id, inferred) for p, c, inferred, _ in call_spans(build_tree(Trace(trace_id="t",
                                                                                                  spans=spans)))]
    expected = call_type(parent_kind.value, "a", child_kind.value, child_service)
    want = [] if expected is None else [("p", "c", expected == "inferred")]
    # d (INTERNAL, p's service) is never a call: not a SERVER, and not in another service
    assert got == want
    # a pair is only CLIENT -> SERVER; an inferred call only between UNSPECIFIED/INTERNAL spans
    if expected == "pair":
        assert (parent_kind, child_kind) == (SpanKind.CLIENT, SpanKind.SERVER)
    if expected == "inferred":
        assert {parent_kind, child_kind} <= {SpanKind.UNSPECIFIED, SpanKind.INTERNAL} and not same_service


def test_edge_stats_on_kindless_traces():
    rows = edge_stats(traces(CHECKOUT).values())
    # calls by edge (client = parent durations): gateway->orders [100, 60] ms, gaps [20, 10];
    # orders->stock stock.reserve [80, 50] ms, gaps [unknown, 48]; orders->stock stock.commit [80] ms, gap unknown.
    # percentileDisc on 2 values [x1 <= x2]: p50 -> x = 1.0, whole -> index 0 -> x1; p95/p99 -> index 1 -> x2.
    # Every parent is reached by the critical-path walk (A and A' are roots; B, B' are their last-finishing
    # children) -> cp_traces = traces.  C2 is ERROR -> stock.commit has 1 error in 1 call.
    # Order: p95 desc -> gateway 100 ms, then the two 80 ms edges by operation (commit < reserve).
    assert rows == [
        EdgeStat(caller="gateway", callee="orders", operation="orders.place", calls=2, traces=2,
                 p50_ns=60 * MS, p95_ns=100 * MS, p99_ns=100 * MS, gap_p50_ns=10 * MS, gap_p95_ns=20 * MS,
                 gap_p99_ns=20 * MS, errors=0, error_rate=0.0, cp_traces=2, cp_share=1.0,
                 inferred_calls=2, unknown_gaps=0),
        EdgeStat(caller="orders", callee="stock", operation="stock.commit", calls=1, traces=1,
                 p50_ns=80 * MS, p95_ns=80 * MS, p99_ns=80 * MS, gap_p50_ns=None, gap_p95_ns=None,
                 gap_p99_ns=None, errors=1, error_rate=1.0, cp_traces=1, cp_share=1.0,
                 inferred_calls=1, unknown_gaps=1),
        EdgeStat(caller="orders", callee="stock", operation="stock.reserve", calls=2, traces=2,
                 p50_ns=50 * MS, p95_ns=80 * MS, p99_ns=80 * MS, gap_p50_ns=48 * MS, gap_p95_ns=48 * MS,
                 gap_p99_ns=48 * MS, errors=0, error_rate=0.0, cp_traces=2, cp_share=1.0,
                 inferred_calls=2, unknown_gaps=1),
    ]
    # by gap_p95: reserve 48 ms, gateway 20 ms, then commit (no known gap) last
    order = [r.operation for r in edge_stats(traces(CHECKOUT).values(), order_by="gap_p95_ns")]
    assert order == ["stock.reserve", "orders.place", "stock.commit"]


def test_gap_anomaly_reports_an_inferred_call_with_a_known_gap_only():
    got = traces(CHECKOUT)
    # trace 1: A -> B 20 ms but ratio 1.25 < 5; B's calls have unknown gaps -> no client_server_gap
    assert [a for a in analyze_trace(got[T1]).anomalies if a.type == "client_server_gap"] == []
    [gap] = [a for a in analyze_trace(got[T2]).anomalies if a.type == "client_server_gap"]
    # B' -> C1': 48 ms >= 10 ms and ratio 25 >= 5
    assert gap.span_ids == ["b000000000000002", "c000000000000003"]
    assert gap.metrics == {"caller": "orders", "callee": "stock", "operation": "stock.reserve",
                           "client_ns": 50 * MS, "server_ns": 2 * MS, "gap_ns": 48 * MS, "before_ns": 5 * MS,
                           "after_ns": 43 * MS, "ratio": 25.0, "inferred": True}
    assert "inferred" in gap.message


def test_a_real_pair_is_never_inferred_again():
    """CLIENT c (svc a) -> SERVER s (svc b) -> INTERNAL i (svc b): one call, the pair; and a kind-less
    parent whose CLIENT child calls out is not itself a call (same service)."""
    mk = lambda i, p, svc, kind, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, service=svc,  # noqa: E731
                                            kind=kind, start_ns=s, end_ns=e)
    trace = Trace(trace_id="t", spans=[mk("h", None, "a", "UNSPECIFIED", 0, 100), mk("c", "h", "a", "CLIENT", 10, 90),
                                       mk("s", "c", "b", "SERVER", 20, 80), mk("i", "s", "b", "INTERNAL", 30, 70)])
    assert [(x.client_span_id, x.server_span_id, x.inferred) for x in client_server_pairs(build_tree(trace))] == [
        ("c", "s", False)]
