"""Cross-trace recipes about service edges and critical-path time, against a real Neo4j.

Hand-built traces and hand-derived expectations: see cross_trace_data.py.  Every call is windowed to
the test's own time region, so the tests are safe on a shared server.
"""

from __future__ import annotations

import uuid

import pytest
from cross_trace_data import BASE, EDGES, PREFIX, loaded, pick, run, window
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphtrace.analysis.edges import ORDER_KEYS, edge_stats
from graphtrace.model import SpanKind, Trace
from graphtrace.recipes.annotate import annotate_traces
from graphtrace.store.delete import delete_traces
from graphtrace.store.ingest import ingest
from graphtrace.store.schema import init_schema
from tests.analysis.strategies import traces as random_traces

RANDOM = 10**12  # region of the random traces, far from the hand-built ones


@pytest.fixture(scope="module")
def db(neo4j_driver, neo4j_settings):
    yield from loaded(neo4j_driver, neo4j_settings)


# --- slow-edges -------------------------------------------------------------------------------

EDGE_COLS = ("caller", "callee", "operation", "calls", "traces", "p50_ns", "p95_ns", "p99_ns",
             "gap_p50_ns", "gap_p95_ns", "gap_p99_ns", "errors", "error_rate", "cp_traces", "cp_share")
# Derivations: tests/analysis/test_edges.py (CART_EARLY, PAYMENT, CART_ALL).
CART_EARLY = ("web", "cart", "Cart/Get", 4, 3, 300, 500, 500, 20, 300, 300, 1, 0.25, 2, 2 / 3)
PAYMENT = ("web", "payment", "Pay/Charge", 1, 1, 280, 280, 280, 20, 20, 20, 1, 1.0, 1, 1.0)
CART_ALL = ("web", "cart", "Cart/Get", 5, 4, 400, 800, 800, 100, 700, 700, 1, 0.2, 3, 0.75)


def test_slow_edges_window(db):
    assert pick(run(db, "slow-edges", **window(EDGES, 5000)), *EDGE_COLS) == [CART_EARLY, PAYMENT]
    assert pick(run(db, "slow-edges", **window(EDGES, 10_000)), *EDGE_COLS) == [CART_ALL, PAYMENT]


def test_slow_edges_filters_and_order(db):
    w = window(EDGES, 10_000)
    assert pick(run(db, "slow-edges", service="payment", **w), *EDGE_COLS) == [PAYMENT]
    assert pick(run(db, "slow-edges", min_calls=2, **w), *EDGE_COLS) == [CART_ALL]
    assert pick(run(db, "slow-edges", order_by="error_rate", **w), *EDGE_COLS) == [PAYMENT, CART_ALL]
    assert pick(run(db, "slow-edges", order_by="calls", limit=1, **w), *EDGE_COLS) == [CART_ALL]


# --- client-server-gaps -------------------------------------------------------------------------

GAP_COLS = ("trace_id", "client_span_id", "server_span_id", "caller", "callee", "operation",
            "client_ns", "server_ns", "gap_ns", "before_ns", "after_ns", "ratio")


def test_client_server_gaps_thresholds(db):
    w = window(EDGES, 5000)
    # Gaps in [0, 5000): t1/c1 100 (500/400 = 1.25x), t1/c2 20, t2 300 (400/100 = 4x), t3 20, t4 20.
    # min 50 ns (0.00005 ms), no ratio bound: t2 then t1/c1, largest gap first.
    rows = run(db, "client-server-gaps", min_gap_ms=0.00005, min_ratio=None, **w)
    assert pick(rows, *GAP_COLS) == [
        (PREFIX + "t2", "c", "s", "web", "cart", "Cart/Get", 400, 100, 300, 10, 290, 4.0),
        (PREFIX + "t1", "c1", "s1", "web", "cart", "Cart/Get", 500, 400, 100, 50, 50, 1.25)]
    assert rows[0]["client_start_ns"] == BASE + 50
    # Both thresholds must hold: ratio >= 3 drops t1/c1 (1.25x).
    assert pick(run(db, "client-server-gaps", min_gap_ms=0.00005, min_ratio=3.0, **w), "trace_id") == [
        (PREFIX + "t2",)]
    # The defaults (10 ms and 5x) find nothing in these nanosecond traces.
    assert run(db, "client-server-gaps", **w) == []


def test_client_server_gaps_service_operation_filters(db):
    w = window(EDGES, 5000)
    # t3: client 10..290, server 20..280: before 10, after 10, gap 20, ratio 280/260.
    rows = run(db, "client-server-gaps", min_gap_ms=None, min_ratio=None, service="payment", **w)
    assert pick(rows, *GAP_COLS) == [
        (PREFIX + "t3", "c", "s", "web", "payment", "Pay/Charge", 280, 260, 20, 10, 10, 280 / 260)]
    rows = run(db, "client-server-gaps", min_gap_ms=None, min_ratio=None, operation="Cart/Get", limit=2, **w)
    assert pick(rows, "trace_id", "client_span_id", "gap_ns") == [(PREFIX + "t2", "c", 300),
                                                                 (PREFIX + "t1", "c1", 100)]


# --- critical-path-hotspots ------------------------------------------------------------------------

HOT_COLS = ("service", "operation", "cp_ns", "share", "traces", "spans", "max_cp_ns")


def test_critical_path_hotspots_by_operation(db):
    # Traces starting in [0, 5000): t1..t4, whose critical-path times (edge_traces) add up to
    # 1000 + 500 + 300 + 1000 = 2800.  Per (service, name):
    #   web GET /: 700 + 100 + 200 = 1000 (3 traces); web render 800; cart Cart/Get 280 + 100 = 380;
    #   web GetCart 20 + 300 = 320; payment Pay/Charge 260; web Charge 20; web POST /pay 20.
    rows = run(db, "critical-path-hotspots", **window(EDGES, 5000))
    assert pick(rows, *HOT_COLS) == [
        ("web", "GET /", 1000, 1000 / 2800, 3, 3, 700),
        ("web", "render", 800, 800 / 2800, 1, 1, 800),
        ("cart", "Cart/Get", 380, 380 / 2800, 2, 2, 280),
        ("web", "GetCart", 320, 320 / 2800, 2, 2, 300),
        ("payment", "Pay/Charge", 260, 260 / 2800, 1, 1, 260),
        ("web", "Charge", 20, 20 / 2800, 1, 1, 20),
        ("web", "POST /pay", 20, 20 / 2800, 1, 1, 20)]


def test_critical_path_hotspots_by_service_and_filter(db):
    # web: 1000 + 800 + 320 + 20 + 20 = 2160 over t1..t4, spans t1 r,c2; t2 r,c; t3 r,c; t4 r,x = 8.
    rows = run(db, "critical-path-hotspots", group_by="service", **window(EDGES, 5000))
    assert pick(rows, *HOT_COLS) == [("web", None, 2160, 2160 / 2800, 4, 8, 800),
                                     ("cart", None, 380, 380 / 2800, 2, 2, 280),
                                     ("payment", None, 260, 260 / 2800, 1, 1, 260)]
    # The share stays relative to all critical-path time in the window.
    rows = run(db, "critical-path-hotspots", service="cart", **window(EDGES, 5000))
    assert pick(rows, *HOT_COLS) == [("cart", "Cart/Get", 380, 380 / 2800, 2, 2, 280)]


# --- compare-windows -------------------------------------------------------------------------------

CMP_COLS = ("kind", "service", "callee", "operation", "a_calls", "a_p50_ns", "a_p95_ns", "b_calls",
            "b_p50_ns", "b_p95_ns", "delta_p50_ns", "delta_p95_ns", "ratio_p50", "ratio_p95")
# A = [0, 5000) (t1..t4), B = [5000, 10000) (t5).
# edge web->cart: A durations [200,300,400,500]: p50 300, p95 500 (test_edges.py); B [800].
# operation web GetCart: the same client spans.  web GET /: A [500,1000,1000]: p50 x=1.5 -> index 1 ->
#   1000, p95 -> 1000; B [1000].  cart Cart/Get: A [100,180,280,400]: p50 x=2.0 -> index 1 -> 180,
#   p95 x=3.8 -> 400; B [100].  Everything else occurs in A only and is left out.
CMP_EDGE = ("edge", "web", "cart", "Cart/Get", 4, 300, 500, 1, 800, 800, 500, 300, 800 / 300, 1.6)
CMP_GETCART = ("operation", "web", None, "GetCart", 4, 300, 500, 1, 800, 800, 500, 300, 800 / 300, 1.6)
CMP_GET = ("operation", "web", None, "GET /", 3, 1000, 1000, 1, 1000, 1000, 0, 0, 1.0, 1.0)
CMP_SERVER = ("operation", "cart", None, "Cart/Get", 4, 180, 400, 1, 100, 100, -80, -300, 100 / 180, 0.25)


def _windows() -> dict[str, int]:
    return {**window(EDGES, 5000, "a_since_ns", "a_until_ns"), **window(5000, 10_000, "b_since_ns", "b_until_ns")}


def test_compare_windows(db):
    # Ranked by delta_p95 (edge and GetCart tie at 300: kind 'edge' sorts first).
    rows = run(db, "compare-windows", min_calls=1, **_windows())
    assert pick(rows, *CMP_COLS) == [CMP_EDGE, CMP_GETCART, CMP_GET, CMP_SERVER]
    assert run(db, "compare-windows", min_calls=2, **_windows()) == []
    rows = run(db, "compare-windows", min_calls=1, kind="operation", order_by="ratio_p95", **_windows())
    assert pick(rows, *CMP_COLS) == [CMP_GETCART, CMP_GET, CMP_SERVER]



# --- slow-edges == edge_stats on random traces ------------------------------------------------------

@st.composite
def _trace_sets(draw) -> list[Trace]:
    """2-6 random traces (tests/analysis/strategies.py) reshaped so that edges recur: about half the spans
    become CLIENT spans, most children of a CLIENT become SERVER spans, and services and server names come
    from small sets, so every edge gets several calls and the percentiles have something to choose from."""
    out = []
    for _ in range(draw(st.integers(2, 6))):
        trace = draw(random_traces(max_spans=14, trace_id="x"))
        clients = {s.span_id for s in trace.spans if draw(st.booleans())}
        spans = []
        for s in trace.spans:
            update = {"service": draw(st.sampled_from(("web", "cart", "db")))}
            if s.parent_span_id in clients and draw(st.integers(0, 3)):
                update |= {"kind": SpanKind.SERVER, "name": draw(st.sampled_from(("Get", "Put")))}
            elif s.span_id in clients:
                update["kind"] = SpanKind.CLIENT
            spans.append(s.model_copy(update=update))
        out.append(Trace(trace_id=trace.trace_id, spans=spans))
    return out


def _relabel(trace: Trace, trace_id: str, shift: int) -> Trace:
    return Trace(trace_id=trace_id, spans=[s.model_copy(update={"trace_id": trace_id, "start_ns": s.start_ns + shift,
                                                               "end_ns": s.end_ns + shift}) for s in trace.spans])


@pytest.fixture(scope="module")
def random_db(neo4j_driver, neo4j_settings):
    init_schema(neo4j_driver, database=neo4j_settings.database)
    return neo4j_driver, neo4j_settings.database


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(traces=_trace_sets(), order_by=st.sampled_from(ORDER_KEYS), service=st.sampled_from([None, "web", "db"]))
def test_slow_edges_equals_edge_stats(random_db, traces, order_by, service):
    """Ingested and annotated for real (store.ingest + recipes.annotate): every row and the order agree."""
    driver, database = random_db
    base = BASE + RANDOM + uuid.uuid4().int % 10**6 * 10**6  # a fresh window of 10^6 ns per example
    tagged = [_relabel(t, f"{PREFIX}h{uuid.uuid4().hex[:10]}", base + 1000 * i) for i, t in enumerate(traces)]
    ids = [t.trace_id for t in tagged]
    try:
        ingest(driver, tagged, database=database)
        annotate_traces(driver, ids, database=database)
        w = {"since_ns": base, "until_ns": base + 10**6}
        rows = run(random_db, "slow-edges", order_by=order_by, service=service, limit=1000, **w)
        expected = edge_stats(tagged, order_by=order_by, service=service, **w)
        assert rows == [e.model_dump() for e in expected]
        # A narrower window cuts both sides the same way (clients starting before base + 1500).
        cut = {"since_ns": base, "until_ns": base + 1500}
        assert run(random_db, "slow-edges", limit=1000, **cut) == [e.model_dump() for e in edge_stats(tagged, **cut)]
    finally:
        delete_traces(driver, ids, database=database)
