"""Cross-trace edge statistics (graphtrace.analysis.edges), with hand-derived expectations."""

from __future__ import annotations

import pytest

from graphtrace.analysis.edges import EdgeStat, edge_stats, percentile_disc
from graphtrace.analysis.tree import build_tree
from graphtrace.errors import InputError
from graphtrace.model import Trace
from tests.analysis.edge_scenario import span as _span, scenario


# --- percentile_disc: Neo4j's percentileDisc -------------------------------------------------

@pytest.mark.parametrize("values, p, expected", [
    # Quoted in vesoft-inc/nebula#2702 as Neo4j's own answer: percentileDisc over
    # [6,7,1,1,1,76,4,4,5,748] at 0.5 is 4 (sorted: 1 1 1 4 4 5 6 7 76 748; x = 5.0 -> 5th value).
    ([6, 7, 1, 1, 1, 76, 4, 4, 5, 748], 0.5, 4),
    # SQL PERCENTILE_DISC (smallest value whose cumulative share >= p) is the same rule; the
    # RisingWave docs list over [10, 20, 30]: 0 -> 10, 0.33 -> 10, 0.34 -> 20, 0.67 -> 30, 1 -> 30.
    ([10, 20, 30], 0.0, 10), ([10, 20, 30], 0.33, 10), ([10, 20, 30], 0.34, 20),
    ([10, 20, 30], 0.67, 30), ([10, 20, 30], 1.0, 30),
    # jOOQ's manual over ids 1..4: 0.25 -> 1, 0.5 -> 2, 0.75 -> 3.
    ([1, 2, 3, 4], 0.25, 1), ([1, 2, 3, 4], 0.5, 2), ([1, 2, 3, 4], 0.75, 3),
    # By hand: 20 values 1..20 at 0.95: x = 19.0, whole -> index 18 -> 19; at 0.99: x = 19.8 -> index 19 -> 20.
    (list(range(1, 21)), 0.95, 19), (list(range(1, 21)), 0.99, 20),
    # One value is the answer for every p.
    ([7], 0.0, 7), ([7], 0.5, 7),
    # Negative values (gaps under clock skew) sort like any number: [-5, 0, 3] at 0.5: x = 1.5 -> index 1 -> 0.
    ([3, -5, 0], 0.5, 0),
])
def test_percentile_disc_matches_neo4j_definition(values, p, expected):
    assert percentile_disc(values, p) == expected


def test_percentile_disc_empty_and_out_of_range():
    assert percentile_disc([], 0.95) is None
    with pytest.raises(InputError):
        percentile_disc([1, 2], 1.5)


# --- edge_stats on a hand-built scenario ------------------------------------------------------

# Window [0, 5000): t1..t4.
# cart edge: durations 500, 300, 400, 200 -> sorted [200, 300, 400, 500]; p50: x = 2.0 -> index 1 -> 300;
#   p95: x = 3.8 -> index 3 -> 500; p99: x = 3.96 -> 500.  Gaps [100, 20, 300, 20] -> sorted
#   [20, 20, 100, 300]: p50 -> 20, p95 -> 300, p99 -> 300.  Errors: t1/s2 -> 1 of 4.  Traces t1, t2, t4;
#   on the path in t1 (c2) and t2 -> 2 of 3.
CART_EARLY = EdgeStat(caller="web", callee="cart", operation="Cart/Get", calls=4, traces=3,
                      p50_ns=300, p95_ns=500, p99_ns=500, gap_p50_ns=20, gap_p95_ns=300, gap_p99_ns=300,
                      errors=1, error_rate=0.25, cp_traces=2, cp_share=2 / 3)
# payment edge: one call of 280 ns, gap 20, client failed, on the path.
PAYMENT = EdgeStat(caller="web", callee="payment", operation="Pay/Charge", calls=1, traces=1,
                   p50_ns=280, p95_ns=280, p99_ns=280, gap_p50_ns=20, gap_p95_ns=20, gap_p99_ns=20,
                   errors=1, error_rate=1.0, cp_traces=1, cp_share=1.0)
# No window: t5 adds 800 ns / gap 700.  Durations [200, 300, 400, 500, 800]: p50: x = 2.5 -> index 2 -> 400;
#   p95: x = 4.75 -> index 4 -> 800; p99 -> 800.  Gaps [20, 20, 100, 300, 700]: p50 -> 100, p95/p99 -> 700.
#   Traces 4, on the path in t1, t2, t5 -> 3 of 4.
CART_ALL = EdgeStat(caller="web", callee="cart", operation="Cart/Get", calls=5, traces=4,
                    p50_ns=400, p95_ns=800, p99_ns=800, gap_p50_ns=100, gap_p95_ns=700, gap_p99_ns=700,
                    errors=1, error_rate=0.2, cp_traces=3, cp_share=0.75)


def test_window_excludes_late_calls():
    assert edge_stats(scenario(), since_ns=0, until_ns=5000) == [CART_EARLY, PAYMENT]


def test_no_window_and_trees_accepted():
    trees = [build_tree(t) for t in scenario()]
    assert edge_stats(trees) == [CART_ALL, PAYMENT]


def test_window_is_half_open_on_client_start():
    # t5's client starts at 5100: until 5100 excludes it, until 5101 includes it; since 5100 keeps only it.
    assert edge_stats(scenario(), until_ns=5100) == [CART_EARLY, PAYMENT]
    assert edge_stats(scenario(), until_ns=5101) == [CART_ALL, PAYMENT]
    [late] = edge_stats(scenario(), since_ns=5100)
    assert (late.calls, late.p50_ns, late.gap_p50_ns, late.cp_share) == (1, 800, 700, 1.0)


def test_filters_order_and_limit():
    assert edge_stats(scenario(), service="payment") == [PAYMENT]
    assert edge_stats(scenario(), service="cart") == [CART_ALL]
    assert edge_stats(scenario(), min_calls=2) == [CART_ALL]
    # error_rate: payment 1.0 > cart 0.2.
    assert edge_stats(scenario(), order_by="error_rate") == [PAYMENT, CART_ALL]
    assert edge_stats(scenario(), order_by="error_rate", limit=1) == [PAYMENT]
    # cp_share: payment 1.0 > cart 0.75; calls: cart 5 > payment 1.
    assert [e.callee for e in edge_stats(scenario(), order_by="cp_share")] == ["payment", "cart"]
    assert [e.callee for e in edge_stats(scenario(), order_by="calls")] == ["cart", "payment"]


def test_ties_broken_by_names():
    # Two edges with the same p95 (one call of 100 ns each): ordered by callee name.
    spans = [_span("t", "r", None, "web", "GET", "SERVER", 0, 1000),
             _span("t", "a", "r", "web", "A", "CLIENT", 0, 100),
             _span("t", "as", "a", "zeta", "Z", "SERVER", 10, 90),
             _span("t", "b", "r", "web", "B", "CLIENT", 200, 300),
             _span("t", "bs", "b", "alpha", "A", "SERVER", 210, 290)]
    assert [e.callee for e in edge_stats([Trace(trace_id="t", spans=spans)])] == ["alpha", "zeta"]


def test_client_with_two_servers_counts_two_calls():
    # One client of 100 ns with two SERVER children of 40 and 60 ns: two calls, gaps 60 and 40;
    # sorted gaps [40, 60]: p50: x = 1.0 -> index 0 -> 40; p95: x = 1.9 -> index 1 -> 60.  One trace.
    spans = [_span("t", "c", None, "web", "Get", "CLIENT", 0, 100),
             _span("t", "s1", "c", "cart", "Get", "SERVER", 10, 50),
             _span("t", "s2", "c", "cart", "Get", "SERVER", 30, 90)]
    [e] = edge_stats([Trace(trace_id="t", spans=spans)])
    assert (e.calls, e.traces, e.p50_ns, e.gap_p50_ns, e.gap_p95_ns, e.cp_traces) == (2, 1, 100, 40, 60, 1)


def test_unknown_order_rejected():
    with pytest.raises(InputError, match="order_by"):
        edge_stats(scenario(), order_by="slowest")
