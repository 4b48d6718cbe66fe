"""Cross-trace recipes that share a rule with an in-memory anomaly detector, against a real Neo4j.

cold-connections, repeated-calls, error-origins and orphans-and-skew on hand-built traces
(cross_trace_data.py) with hand-derived expected rows; each test also runs the matching detector of
graphtrace.analysis.anomalies on the same traces and checks that both find the same spans and numbers.
"""

from __future__ import annotations

import pytest
from cross_trace_data import (BASE, COLD, ERRORS, PREFIX, REGION, REPEAT, SKEW, _cold, _errors, _repeated,
                              _skew, loaded, pick, run, window)

from graphtrace.analysis.anomalies import clock_skew, cold_connection, error_origin, orphan_span, repeated_calls
from graphtrace.analysis.anomalies.options import AnomalyOptions
from graphtrace.analysis.tree import build_tree


@pytest.fixture(scope="module")
def db(neo4j_driver, neo4j_settings):
    yield from loaded(neo4j_driver, neo4j_settings)


def detected(module, traces, cp=None):
    """The anomalies ``module.detect`` finds in ``traces``, as (trace id, anomaly) pairs."""
    return [(t.trace_id, a) for t in traces for a in module.detect(build_tree(t), cp or {}, AnomalyOptions())]


# --- cold-connections ----------------------------------------------------------------------------

COLD_COLS = ("caller", "callee", "operation", "trace_id", "span_id", "cold_calls", "traces", "client_ns",
             "setup_ns", "max_setup_ns", "setup_cp_ns", "steps")
# Derivations in cross_trace_data._cold; set-up critical-path time of a1/c1 = 700 (k) + 500 (h).
COLD_C1 = ("web", "cart", "GET /cart", PREFIX + "a1", "c1", 1, 1, 5000, 2300, 2300, 1200,
           ["dns.lookup", "TCP.connect", "tls.handshake"])
COLD_C2 = ("web", "redis", "HGET", PREFIX + "a1", "c2", 1, 1, 3000, 500, 500, 0, ["connect"])
COLD_A2 = ("web", "cart", "GET /cart", PREFIX + "a2", "c", 1, 1, 4000, 300, 300, 0, ["dns.lookup"])


def test_cold_connections_per_span(db):
    rows = run(db, "cold-connections", **window(COLD, COLD + REGION))
    assert pick(rows, *COLD_COLS) == [COLD_C1, COLD_C2, COLD_A2]
    rows = run(db, "cold-connections", service="redis", **window(COLD, COLD + REGION))
    assert pick(rows, *COLD_COLS) == [COLD_C2]


def test_cold_connections_per_edge(db):
    # GET /cart: 2 cold calls (a1, a2), 5000 + 4000 client ns, 2300 + 300 set-up, distinct steps sorted
    # by code point ("TCP..." before "dns...").
    rows = run(db, "cold-connections", per="edge", **window(COLD, COLD + REGION))
    assert pick(rows, *COLD_COLS) == [
        ("web", "cart", "GET /cart", None, None, 2, 2, 9000, 2600, 2300, 1200,
         ["TCP.connect", "dns.lookup", "tls.handshake"]),
        ("web", "redis", "HGET", None, None, 1, 1, 3000, 500, 500, 0, ["connect"])]


def test_cold_connections_same_rule_as_anomaly():
    found = {(tid, a.span_ids[0]): (a.metrics["setup_ns"], a.metrics["steps"])
             for tid, a in detected(cold_connection, _cold(COLD))}
    assert found == {(r[3], r[4]): (r[8], r[11]) for r in (COLD_C1, COLD_C2, COLD_A2)}


# --- repeated-calls ---------------------------------------------------------------------------------

REP_COLS = ("trace_id", "parent_span_id", "parent_service", "parent_name", "service", "operation", "calls",
            "total_ns", "cp_ns", "first_start_ns", "span_ids")
# a3: 6 SELECTs of 500 ns = 3000, critical path 40 + 60 (q0, q5); a4: 5 calls of 100 ns = 500;
# a3's 4 redis HGETs of 100 ns = 400 only from min_repeats 4.
REP_SELECT = (PREFIX + "a3", "p", "api", "GET /orders", "api", "SELECT | SELECT * FROM items WHERE id = ?", 6,
              3000, 100, BASE + REPEAT + 100, [f"q{i}" for i in range(6)])
REP_ITEMS = (PREFIX + "a4", "p", "web", "GET /page", "web", "GET /item/?", 5, 500, 0, BASE + REPEAT,
             [f"g{i}" for i in range(5)])
REP_HGET = (PREFIX + "a3", "p", "api", "GET /orders", "redis", "HGET | HGET k:?", 4, 400, 0,
            BASE + REPEAT + 150, [f"h{i}" for i in range(4)])


def test_repeated_calls(db):
    w = window(REPEAT, REPEAT + REGION)
    assert pick(run(db, "repeated-calls", **w), *REP_COLS) == [REP_SELECT, REP_ITEMS]
    assert pick(run(db, "repeated-calls", min_repeats=4, **w), *REP_COLS) == [REP_SELECT, REP_ITEMS, REP_HGET]
    assert pick(run(db, "repeated-calls", min_repeats=4, service="redis", **w), *REP_COLS) == [REP_HGET]
    assert run(db, "repeated-calls", min_repeats=7, **w) == []


def test_repeated_calls_same_rule_as_anomaly():
    found = {(tid, a.metrics["service"], a.metrics["operation"]): a.span_ids
             for tid, a in detected(repeated_calls, _repeated(REPEAT))}
    assert found == {(r[0], r[4], r[5]): r[10] for r in (REP_SELECT, REP_ITEMS)}


# --- error-origins ------------------------------------------------------------------------------------

ERR_COLS = ("service", "operation", "trace_id", "span_id", "origins", "traces", "max_chain", "mean_chain",
            "propagated_to", "status_message")
# Origins (cross_trace_data._errors): e1/j chain [i, h, g]; e2/s chain [c]; e2/x and e3/s2 no chain.
ERR_J = ("cart", "SELECT", PREFIX + "e1", "j", 1, 1, 3, 3.0, ["i", "h", "g"], "timeout")
ERR_S = ("cart", "Cart/Get", PREFIX + "e2", "s", 1, 1, 1, 1.0, ["c"], "boom")
ERR_S2 = ("cart", "Cart/Get", PREFIX + "e3", "s2", 1, 1, 0, 0.0, [], "oops")
ERR_X = ("web", "render", PREFIX + "e2", "x", 1, 1, 0, 0.0, [], "tmpl")


def test_error_origins_per_span(db):
    rows = run(db, "error-origins", per="span", **window(ERRORS, ERRORS + REGION))
    # All single origins: by chain length, then service (cart before web).
    assert pick(rows, *ERR_COLS) == [ERR_J, ERR_S, ERR_S2, ERR_X]


def test_error_origins_per_operation(db):
    rows = run(db, "error-origins", **window(ERRORS, ERRORS + REGION))
    # Cart/Get: 2 origins (e2/s chain 1, e3/s2 chain 0): max 1, mean 0.5; messages boom/oops tie -> "boom".
    # SELECT: e1/j, whose failing ancestors are g (web GET /), h (web GetCart), i (cart Cart/Get).
    assert pick(rows, *ERR_COLS) == [
        ("cart", "Cart/Get", None, None, 2, 2, 1, 0.5, ["web: GetCart"], "boom"),
        ("cart", "SELECT", None, None, 1, 1, 3, 3.0, ["cart: Cart/Get", "web: GET /", "web: GetCart"], "timeout"),
        ("web", "render", None, None, 1, 1, 0, 0.0, [], "tmpl")]
    rows = run(db, "error-origins", service="web", **window(ERRORS, ERRORS + REGION))
    assert pick(rows, "operation", "origins") == [("render", 1)]


def test_error_origins_same_rule_as_anomaly():
    found = {(tid, a.span_ids[0]): a.metrics["propagated_to"] for tid, a in detected(error_origin, _errors(ERRORS))}
    assert found == {(r[2], r[3]): r[8] for r in (ERR_J, ERR_S, ERR_S2, ERR_X)}


# --- orphans-and-skew ----------------------------------------------------------------------------------

SKEW_COLS = ("kind", "trace_id", "span_id", "service", "name", "parent_span_id", "parent_service", "host",
             "parent_host", "starts_before_ns", "ends_after_ns", "correction_ns", "descendants")
# Derivations in cross_trace_data._skew.
SKEW_S = ("skew", PREFIX + "k1", "s", "cart", "Cart/Get", "p", "web", "h2", "h1", 600, 0, 1100, None)
SKEW_B = ("skew", PREFIX + "k1", "b", "web", "flush", "p", "web", "h9", "h1", 0, 300, -1050, None)
ORPHAN_O = ("orphan", PREFIX + "k2", "o", "web", "lost", "gone", None, "h5", None, 0, 0, None, 2)
ORPHAN_O9 = ("orphan", PREFIX + "k3", "o9", "cart", "alone", "missing", None, None, None, 0, 0, None, 0)


def test_orphans_and_skew(db):
    w = window(SKEW, SKEW + REGION)
    assert pick(run(db, "orphans-and-skew", **w), *SKEW_COLS) == [SKEW_S, SKEW_B, ORPHAN_O, ORPHAN_O9]
    # b sticks out by 300 ns only.
    assert pick(run(db, "orphans-and-skew", min_skew_ns=400, **w), *SKEW_COLS) == [SKEW_S, ORPHAN_O, ORPHAN_O9]
    assert pick(run(db, "orphans-and-skew", kind="orphan", **w), *SKEW_COLS) == [ORPHAN_O, ORPHAN_O9]
    assert pick(run(db, "orphans-and-skew", kind="skew", service="cart", **w), *SKEW_COLS) == [SKEW_S]


def test_orphans_and_skew_same_rules_as_anomalies():
    traces = _skew(SKEW)
    skew = {(tid, a.span_ids[0]): (a.metrics["starts_before_ns"], a.metrics["ends_after_ns"],
                                   a.metrics["correction_ns"]) for tid, a in detected(clock_skew, traces)}
    assert skew == {(r[1], r[2]): (r[9], r[10], r[11]) for r in (SKEW_S, SKEW_B)}
    orphans = {(tid, a.span_ids[0]): a.metrics["descendants"] for tid, a in detected(orphan_span, traces)}
    assert orphans == {(r[1], r[2]): r[12] for r in (ORPHAN_O, ORPHAN_O9)}
