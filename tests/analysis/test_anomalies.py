"""Anomaly detectors, positive and negative cases; expected values derived by hand in comments."""

import pytest

from graphtrace.analysis.anomalies import AnomalyOptions, find_anomalies
from graphtrace.analysis.anomalies.options import DEFAULT_CONNECTION_PATTERN
from graphtrace.analysis.tree import build_tree
from graphtrace.model import Event, Span, Trace, is_connection_setup

MS = 1_000_000


def mk(sid, parent, service, kind, start, end, name=None, status="UNSET", host=None, **attrs):
    resource = {"service.name": service, **({"host.name": host} if host else {})}
    return Span(trace_id="t", span_id=sid, parent_span_id=parent, service=service, name=name or sid,
                kind=kind, start_ns=start, end_ns=end, status_code=status, attributes=attrs,
                resource=resource)


def found(spans, cp_times=None, kind=None, **options):
    tree = build_tree(Trace(trace_id="t", spans=spans))
    out = find_anomalies(tree, cp_times or {}, options=AnomalyOptions(**options))
    return [a for a in out if kind is None or a.type == kind]


# ---------------------------------------------------------------- client_server_gap

def test_gap_reported_with_metrics_and_message():
    # client [0,60ms], server [50,52ms]: gap 58 ms >= 10, ratio 60/2 = 30 >= 5;
    # before 50 ms, after 60-52 = 8 ms
    [a] = found([mk("c", None, "frontend", "CLIENT", 0, 60 * MS),
                 mk("s", "c", "cart", "SERVER", 50 * MS, 52 * MS, name="AddItem")], kind="client_server_gap")
    assert a.span_ids == ["c", "s"]
    m = a.metrics
    assert (m["client_ns"], m["server_ns"], m["gap_ns"]) == (60 * MS, 2 * MS, 58 * MS)
    assert (m["before_ns"], m["after_ns"], m["ratio"]) == (50 * MS, 8 * MS, 30.0)
    assert a.message.startswith("frontend waited 60.00 ms for cart's 2.00 ms AddItem (30x); 58.00 ms")


def test_gap_below_min_gap_is_not_reported():
    # client 9 ms, server 0.5 ms: ratio 18 but gap 8.5 ms < 10 ms
    assert found([mk("c", None, "a", "CLIENT", 0, 9 * MS), mk("s", "c", "b", "SERVER", MS, 3 * MS // 2)],
                 kind="client_server_gap") == []


def test_gap_below_min_ratio_is_not_reported():
    # client 100 ms, server 30 ms: gap 70 ms but ratio 3.33 < 5
    assert found([mk("c", None, "a", "CLIENT", 0, 100 * MS), mk("s", "c", "b", "SERVER", 10 * MS, 40 * MS)],
                 kind="client_server_gap") == []


def test_gap_thresholds_are_inclusive_and_configurable():
    # client 12.5 ms, server 2.5 ms: gap exactly 10 ms, ratio exactly 5 -> reported
    spans = [mk("c", None, "a", "CLIENT", 0, 12_500_000), mk("s", "c", "b", "SERVER", 5 * MS, 7_500_000)]
    assert len(found(spans, kind="client_server_gap")) == 1
    assert found(spans, kind="client_server_gap", min_gap_ms=10.5) == []
    assert found(spans, kind="client_server_gap", min_ratio=5.5) == []


def test_gap_with_zero_length_server_has_null_ratio():
    [a] = found([mk("c", None, "a", "CLIENT", 0, 20 * MS), mk("s", "c", "b", "SERVER", 5 * MS, 5 * MS)],
                kind="client_server_gap")
    assert a.metrics["ratio"] is None and a.metrics["gap_ns"] == 20 * MS


# ---------------------------------------------------------------- cold_connection

def test_cold_connection_seed_shape():
    # AddItem-like call: dns [0, 1,361,055], tcp [1,000,000, 1,778,763] overlap;
    # union = 1,778,763 ns; the server child is not a set-up step.
    [a] = found([mk("c", None, "frontend", "CLIENT", 0, 100 * MS, name="grpc.oteldemo.CartService/AddItem"),
                 mk("d", "c", "frontend", "CLIENT", 0, 1_361_055, name="dns.lookup"),
                 mk("k", "c", "frontend", "INTERNAL", 1_000_000, 1_778_763, name="tcp.connect"),
                 mk("s", "c", "cart", "SERVER", 50 * MS, 50 * MS + 382_800)],
                {"c": 1, "k": 778_763}, kind="cold_connection")
    assert a.span_ids == ["c", "d", "k"]
    assert a.metrics["setup_ns"] == 1_778_763
    assert a.metrics["steps"] == ["dns.lookup", "tcp.connect"]
    assert a.metrics["setup_critical_path_ns"] == 778_763  # dns 0 + tcp 778,763
    assert "1.78 ms" in a.message


@pytest.mark.parametrize("name", ["dns.lookup", "tcp.connect", "tls.connect", "TLS.Handshake", "connect",
                                  "http.connect", "db.connect", "net.connect", " Connect "])
def test_connection_names_match(name):
    assert is_connection_setup(name, DEFAULT_CONNECTION_PATTERN)


@pytest.mark.parametrize("name", ["reconnect", "tcp.connected", "HGET", "connection pool wait", "dns"])
def test_other_names_do_not_match(name):
    assert not is_connection_setup(name, DEFAULT_CONNECTION_PATTERN)


def test_set_up_is_clipped_to_the_call():
    # call [10,100], connect child [0,30] -> clipped to [10,30] = 20
    [a] = found([mk("c", None, "a", "CLIENT", 10, 100), mk("k", "c", "a", "INTERNAL", 0, 30, name="connect")],
                kind="cold_connection")
    assert a.metrics["setup_ns"] == 20


def test_no_cold_connection_without_set_up_children_or_under_non_client():
    assert found([mk("c", None, "a", "CLIENT", 0, 10), mk("s", "c", "b", "SERVER", 2, 5)],
                 kind="cold_connection") == []
    assert found([mk("i", None, "a", "INTERNAL", 0, 10), mk("d", "i", "a", "CLIENT", 0, 3, name="dns.lookup")],
                 kind="cold_connection") == []


# ---------------------------------------------------------------- serial_calls

def serial_trace(third_target="shipping"):
    # fe server [0,100ms]; calls A->cart [5,25], B->payment [30,40], C->third [45,90] (ms), serial
    return [mk("p", None, "fe", "SERVER", 0, 100 * MS),
            mk("A", "p", "fe", "CLIENT", 5 * MS, 25 * MS), mk("As", "A", "cart", "SERVER", 6 * MS, 24 * MS),
            mk("B", "p", "fe", "CLIENT", 30 * MS, 40 * MS), mk("Bs", "B", "payment", "SERVER", 31 * MS, 39 * MS),
            mk("C", "p", "fe", "CLIENT", 45 * MS, 90 * MS),
            mk("Cs", "C", third_target, "SERVER", 46 * MS, 89 * MS)]


def test_serial_calls_saving_all_on_path():
    # durations 20, 10, 45 ms, all on the path: saving = 75 - 45 = 30 ms
    [a] = found(serial_trace(), {"A": 2 * MS, "B": 2 * MS, "C": 2 * MS}, kind="serial_calls")
    assert a.span_ids == ["A", "B", "C"]
    assert a.metrics["targets"] == ["cart", "payment", "shipping"]
    assert a.metrics["saving_ns"] == 30 * MS
    assert a.metrics["total_ns"] == 75 * MS and a.metrics["longest_ns"] == 45 * MS
    assert "would save 30.00 ms" in a.message


def test_serial_calls_saving_counts_only_calls_on_the_path():
    # A off the path (cp 0): saving = (10 + 45) - 45 = 10 ms; none on the path: 0
    [a] = found(serial_trace(), {"B": 1, "C": 1}, kind="serial_calls")
    assert a.metrics["saving_ns"] == 10 * MS and a.metrics["on_critical_path"] == ["B", "C"]
    [b] = found(serial_trace(), {}, kind="serial_calls")
    assert b.metrics["saving_ns"] == 0
    assert found(serial_trace(), {"B": 1, "C": 1}, kind="serial_calls", min_serial_saving_ms=10.5) == []


def test_serial_run_cut_at_a_repeated_target():
    # A->cart, B->payment, C->cart: C's target is already in the run -> run [A, B]; [C] alone
    [a] = found(serial_trace(third_target="cart"), {}, kind="serial_calls")
    assert a.span_ids == ["A", "B"]


def test_no_serial_calls_when_overlapping_or_same_service():
    overlapping = [mk("p", None, "fe", "SERVER", 0, 100),
                   mk("A", "p", "fe", "CLIENT", 5, 25, **{"peer.service": "cart"}),
                   mk("B", "p", "fe", "CLIENT", 20, 40, **{"peer.service": "payment"})]
    assert found(overlapping, kind="serial_calls") == []
    # the seed's AddItem then GetCart: serial, but both to cart
    same = [mk("p", None, "fe", "INTERNAL", 0, 100),
            mk("A", "p", "fe", "CLIENT", 5, 25), mk("As", "A", "cart", "SERVER", 6, 24),
            mk("B", "p", "fe", "CLIENT", 30, 40), mk("Bs", "B", "cart", "SERVER", 31, 39)]
    assert found(same, kind="serial_calls") == []


def test_serial_targets_from_attributes_and_other_service_children():
    # redis CLIENT (db.system) [0,10], then a SERVER span of service "ads" directly under p [10,20]
    spans = [mk("p", None, "fe", "SERVER", 0, 30),
             mk("r", "p", "fe", "CLIENT", 0, 10, **{"db.system": "redis"}),
             mk("x", "p", "ads", "SERVER", 10, 20),
             mk("u", "p", "fe", "CLIENT", 20, 25)]  # no target known: ignored
    [a] = found(spans, kind="serial_calls")
    assert a.span_ids == ["r", "x"] and a.metrics["targets"] == ["redis", "ads"]


# ---------------------------------------------------------------- repeated_calls

def hgets(n, statement=lambda i: f"HGET cart:{i}"):
    return [mk("p", None, "cart", "SERVER", 0, 1000)] + [
        mk(f"c{i}", "p", "cart", "CLIENT", i * 10, i * 10 + 5, name="HGET", **{"db.statement": statement(i)})
        for i in range(n)]


def test_repeated_calls_n_plus_one():
    # 5 HGETs whose statements differ only by id -> one group of 5, total 5 x 5 = 25 ns
    [a] = found(hgets(5), {"c0": 5, "c4": 5}, kind="repeated_calls")
    assert a.span_ids == ["c0", "c1", "c2", "c3", "c4"]
    assert a.metrics["calls"] == 5 and a.metrics["service"] == "cart"
    assert a.metrics["operation"] == "HGET | HGET cart:?"
    assert a.metrics["total_ns"] == 25 and a.metrics["critical_path_ns"] == 10


def test_repeated_calls_below_threshold_or_different_operations():
    assert found(hgets(4), kind="repeated_calls") == []
    assert len(found(hgets(4), kind="repeated_calls", min_repeated_calls=4)) == 1
    # HGET vs HSET statements: groups of 3 and 2
    assert found(hgets(5, lambda i: f"{'HGET' if i % 2 else 'HSET'} k:{i}"), kind="repeated_calls") == []


def test_repeated_calls_route_ids_normalised_and_internal_spans_ignored():
    spans = [mk("p", None, "fe", "SERVER", 0, 1000)]
    spans += [mk(f"g{i}", "p", "fe", "CLIENT", i * 10, i * 10 + 5, name=f"GET /api/products/{i}")
              for i in range(5)]
    spans += [mk(f"i{i}", "p", "fe", "INTERNAL", i * 10, i * 10 + 5, name="render") for i in range(6)]
    [a] = found(spans, kind="repeated_calls")
    assert a.metrics["operation"] == "GET /api/products/?" and a.metrics["calls"] == 5


# ---------------------------------------------------------------- error_origin

def test_error_origin_and_propagation():
    # a(UNSET) -> b(ERROR) -> c(ERROR) -> d(OK): c is the origin, b propagated it
    spans = [mk("a", None, "s", "SERVER", 0, 9), mk("b", "a", "s", "CLIENT", 0, 9, status="ERROR"),
             mk("c", "b", "t", "SERVER", 1, 8, status="ERROR"), mk("d", "c", "t", "CLIENT", 2, 3, status="OK")]
    spans[2] = spans[2].model_copy(update={"status_message": "boom", "events": [
        Event(name="exception", time_ns=3, attributes={"exception.type": "IOError", "exception.message": "x"})]})
    [a] = found(spans, kind="error_origin")
    assert a.span_ids == ["c", "b"] and a.metrics["propagated_to"] == ["b"]
    assert a.metrics["exception_type"] == "IOError" and a.metrics["status_message"] == "boom"
    assert a.message.startswith("t's c failed first (boom)")


def test_two_origins_under_one_failing_parent():
    spans = [mk("p", None, "s", "SERVER", 0, 9, status="ERROR"),
             mk("x", "p", "s", "CLIENT", 0, 3, status="ERROR"), mk("y", "p", "s", "CLIENT", 4, 6, status="ERROR")]
    origins = found(spans, kind="error_origin")
    assert [a.span_ids for a in origins] == [["x", "p"], ["y", "p"]]


def test_propagation_stops_at_a_span_that_did_not_fail():
    # a ERROR -> b UNSET -> c ERROR: c is an origin with no propagation; a is an origin too,
    # since its only child b did not fail
    spans = [mk("a", None, "s", "SERVER", 0, 9, status="ERROR"), mk("b", "a", "s", "INTERNAL", 1, 8),
             mk("c", "b", "s", "CLIENT", 2, 3, status="ERROR")]
    assert [(a.span_ids, a.metrics["propagated_to"]) for a in found(spans, kind="error_origin")] == [
        (["a"], []), (["c"], [])]


def test_no_error_origin_without_errors():
    assert found([mk("a", None, "s", "SERVER", 0, 9, status="OK")], kind="error_origin") == []


# ---------------------------------------------------------------- retry

def attempts(*statuses):
    # attempts of one call, 10 ns each, 5 ns apart: [0,10], [15,25], [30,40], ...
    return [mk("p", None, "fe", "SERVER", 0, 1000)] + [
        mk(f"a{i}", "p", "fe", "CLIENT", i * 15, i * 15 + 10, name="GET /pay", status=st)
        for i, st in enumerate(statuses)]


def test_retry_after_failures():
    # F, F, S: one chain; wasted 10 + 10 = 20; waits 15-10 = 5 and 30-25 = 5; total 40-0 = 40
    [a] = found(attempts("ERROR", "ERROR", "OK"), kind="retry")
    assert a.span_ids == ["a0", "a1", "a2"]
    m = a.metrics
    assert (m["attempts"], m["failed_attempts"], m["succeeded"]) == (3, 2, True)
    assert (m["wasted_ns"], m["waits_ns"], m["total_ns"]) == (20, [5, 5], 40)


def test_two_retry_chains_and_all_failed():
    assert [a.span_ids for a in found(attempts("ERROR", "OK", "ERROR", "UNSET"), kind="retry")] == [
        ["a0", "a1"], ["a2", "a3"]]
    [a] = found(attempts("ERROR", "ERROR"), kind="retry")
    assert a.metrics["succeeded"] is False


def test_no_retry_without_a_failed_earlier_attempt_or_with_other_operations():
    assert found(attempts("OK", "OK", "ERROR"), kind="retry") == []
    spans = attempts("ERROR")
    spans.append(mk("b", "p", "fe", "CLIENT", 20, 30, name="GET /ship"))
    assert found(spans, kind="retry") == []


# ---------------------------------------------------------------- clock_skew

def test_server_starting_before_its_client_on_another_service():
    # client [1.0, 3.0] ms, server [0.4, 1.4] ms: starts 0.6 ms before.
    # Jaeger correction: latency (2.0 - 1.0)/2 = 0.5 ms; 1.0 + 0.5 - 0.4 = 1.1 ms
    [a] = found([mk("c", None, "fe", "CLIENT", 1_000_000, 3_000_000, host="fe-1"),
                 mk("s", "c", "cart", "SERVER", 400_000, 1_400_000, host="cart-1")], kind="clock_skew")
    assert a.span_ids == ["s", "c"]
    assert (a.metrics["starts_before_ns"], a.metrics["ends_after_ns"]) == (600_000, 0)
    assert a.metrics["correction_ns"] == 1_100_000
    assert "starts 0.60 ms before" in a.message


def test_child_ending_after_parent_on_another_service():
    # parent [0, 1.0] ms, child [0.5, 1.2] ms: ends 0.2 ms after; correction:
    # latency (1.0 - 0.7)/2 = 0.15 ms; 0 + 0.15 - 0.5 = -0.35 ms
    [a] = found([mk("c", None, "fe", "CLIENT", 0, 1_000_000),
                 mk("s", "c", "cart", "SERVER", 500_000, 1_200_000)], kind="clock_skew")
    assert (a.metrics["starts_before_ns"], a.metrics["ends_after_ns"]) == (0, 200_000)
    assert a.metrics["correction_ns"] == -350_000


def test_child_longer_than_parent_is_shifted_to_the_parent_start():
    # parent [100,200], child [90,300]: before 10, after 100; longer child -> correction 100-90 = 10
    [a] = found([mk("c", None, "a", "CLIENT", 100, 200), mk("s", "c", "b", "SERVER", 90, 300)],
                kind="clock_skew")
    assert (a.metrics["starts_before_ns"], a.metrics["ends_after_ns"], a.metrics["correction_ns"]) == (10, 100, 10)


def test_same_service_other_host_is_skew_same_host_async_is_not():
    skewed = [mk("p", None, "cart", "SERVER", 100, 200, host="h1"), mk("c", "p", "cart", "CLIENT", 150, 260, host="h2")]
    assert len(found(skewed, kind="clock_skew")) == 1
    local = [mk("p", None, "cart", "SERVER", 100, 200, host="h1"), mk("c", "p", "cart", "CLIENT", 150, 260, host="h1")]
    assert found(local, kind="clock_skew") == []
    no_hosts = [mk("p", None, "cart", "SERVER", 100, 200), mk("c", "p", "cart", "CLIENT", 150, 260)]
    assert found(no_hosts, kind="clock_skew") == []


def test_consumer_outliving_producer_is_not_skew_but_starting_before_is():
    assert found([mk("p", None, "a", "PRODUCER", 100, 110), mk("c", "p", "b", "CONSUMER", 105, 500)],
                 kind="clock_skew") == []
    [a] = found([mk("p", None, "a", "PRODUCER", 100, 110), mk("c", "p", "b", "CONSUMER", 90, 500)],
                kind="clock_skew")
    assert (a.metrics["starts_before_ns"], a.metrics["ends_after_ns"]) == (10, 0)


def test_child_inside_parent_is_not_skew():
    assert found([mk("c", None, "a", "CLIENT", 0, 10), mk("s", "c", "b", "SERVER", 0, 10)], kind="clock_skew") == []


# ---------------------------------------------------------------- orphan_span

def test_orphan_with_descendants():
    spans = [mk("r", None, "a", "SERVER", 0, 100), mk("o", "missing", "b", "SERVER", 10, 20),
             mk("o1", "o", "b", "CLIENT", 11, 12), mk("o2", "o1", "b", "INTERNAL", 11, 12)]
    [a] = found(spans, kind="orphan_span")
    assert a.span_ids == ["o"]
    assert a.metrics == {"missing_parent_span_id": "missing", "descendants": 2, "duration_ns": 10}


def test_plain_root_is_not_an_orphan():
    assert found([mk("r", None, "a", "SERVER", 0, 100)], kind="orphan_span") == []


# ---------------------------------------------------------------- ordering

def test_order_by_type_then_start():
    spans = [mk("o2", "gone", "z", "SERVER", 5, 6), mk("o1", "gone", "z", "SERVER", 1, 2),
             mk("c", None, "fe", "CLIENT", 0, 60 * MS), mk("s", "c", "cart", "SERVER", 50 * MS, 61 * MS)]
    # gap: 60 - 11 = 49 ms, ratio 5.45 -> gap; s ends 1 ms after c -> clock_skew; o1, o2 orphans
    # (roots ordered by start: c at 0, o1 at 1, o2 at 5)
    assert [(a.type, a.span_ids[0]) for a in found(spans)] == [
        ("client_server_gap", "c"), ("clock_skew", "s"), ("orphan_span", "o1"), ("orphan_span", "o2")]


def test_healthy_trace_has_no_anomalies():
    spans = [mk("r", None, "fe", "SERVER", 0, 100), mk("c", "r", "fe", "CLIENT", 10, 90),
             mk("s", "c", "cart", "SERVER", 20, 80)]
    assert found(spans, {"r": 20, "c": 20, "s": 60}) == []
