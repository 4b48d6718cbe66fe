"""narrate(): built from hand-made reports; the expected phrases follow from the numbers given."""

import re

from graphtrace.analysis.narrative import narrate
from graphtrace.analysis.report import Anomaly, Bottleneck, SpanReport, TraceReport

MS = 1_000_000


def span(sid, service, name, duration, self_time=0, status="UNSET", parent=None):
    return SpanReport(span_id=sid, parent_span_id=parent, service=service, name=name, kind="CLIENT",
                      start_ns=0, end_ns=duration, duration_ns=duration, self_time_ns=self_time,
                      critical_path_ns=0, depth=0, status=status)


def report(spans, bottlenecks=(), anomalies=(), roots=None, services=None, duration=1_080_960_237):
    return TraceReport(trace_id="t", root_span_ids=roots or [spans[0].span_id], start_ns=0, end_ns=duration,
                       duration_ns=duration, span_count=len(spans),
                       services=services or sorted({s.service for s in spans}), spans=spans,
                       critical_path=[], bottlenecks=list(bottlenecks), anomalies=list(anomalies), narrative="")


def sentences(text):
    return re.findall(r".+?[.!?](?=\s|$)", text)


def seed_like():
    """The seed's numbers: AddItem 1,066,789,345 ns vs server 382,800 ns, gap 1,066,406,545,
    ratio 2,786.8; set-up union 1,778,763; AddItem self time 1,064,627,782 and critical-path
    time 1,065,627,782 = 98.58 % of 1,080,960,237."""
    spans = [span("root", "load-generator", "user_add_to_cart", 1_080_960_237),
             span("add", "frontend", "grpc.oteldemo.CartService/AddItem", 1_066_789_345, 1_064_627_782),
             span("srv", "cart", "POST /oteldemo.CartService/AddItem", 382_800)]
    gap = Anomaly(type="client_server_gap", span_ids=["add", "srv"], message="...", metrics={
        "caller": "frontend", "callee": "cart", "operation": "POST /oteldemo.CartService/AddItem",
        "client_ns": 1_066_789_345, "server_ns": 382_800, "gap_ns": 1_066_406_545,
        "before_ns": 1_066_304_000, "after_ns": 102_545, "ratio": 1_066_789_345 / 382_800})
    cold = Anomaly(type="cold_connection", span_ids=["add", "dns", "tcp"], message="...",
                   metrics={"setup_ns": 1_778_763, "steps": ["dns.lookup", "tcp.connect"]})
    top = Bottleneck(span_id="add", service="frontend", name="grpc.oteldemo.CartService/AddItem",
                     self_time_ns=1_064_627_782, critical_path_ns=1_065_627_782,
                     share=1_065_627_782 / 1_080_960_237)
    return report(spans, [top], [gap, cold],
                  services=["load-generator", "frontend-proxy", "frontend", "product-catalog", "cart"])


def test_seed_narrative_states_the_measured_facts():
    text = narrate(seed_like())
    assert text.startswith("load-generator's user_add_to_cart took 1,080.96 ms over 3 spans in 5 services")
    assert "Most of the time went to frontend's grpc.oteldemo.CartService/AddItem" in text
    assert "owns 1,065.63 ms of the critical path (98.6% of the trace)" in text
    # the gap's client is the top bottleneck, so it is not named twice
    assert ("(98.6% of the trace). That call waited 1,066.79 ms for cart's POST /oteldemo.CartService/AddItem, "
            "which took 0.38 ms (2,787x as long)") in text
    assert "1,066.41 ms passed outside the server" in text
    assert "new connection (dns.lookup, tcp.connect)" in text and "cover only 1.78 ms" in text
    assert "1,064.63 ms of the call is covered by no child span" in text
    assert "No span reported an error." in text
    assert text.endswith("With no errors, this is a latency problem, not a functional failure.")
    assert 3 <= len(sentences(text)) <= 6


def test_gap_client_named_when_not_the_top_bottleneck():
    rep = seed_like()
    rep.bottlenecks[0] = rep.bottlenecks[0].model_copy(update={"span_id": "root"})
    assert "frontend's grpc.oteldemo.CartService/AddItem waited 1,066.79 ms" in narrate(rep)


def test_no_speculation_and_deterministic():
    text = narrate(seed_like())
    for guess in ("HTTP/2", "TLS", "cold-start", "likely", "probably", "would resolve"):
        assert guess not in text
    assert narrate(seed_like()) == text


def test_errors_make_a_functional_failure():
    spans = [span("a", "frontend", "POST /api/checkout", 50 * MS, status="ERROR"),
             span("b", "payment", "Charge", 10 * MS, status="ERROR", parent="a"),
             span("c", "payment", "Charge retry", 10 * MS, status="ERROR", parent="a")]
    origins = [Anomaly(type="error_origin", span_ids=["b", "a"], message="...", metrics={}),
               Anomaly(type="error_origin", span_ids=["c", "a"], message="...", metrics={})]
    text = narrate(report(spans, anomalies=origins, duration=50 * MS))
    assert "3 spans failed; the first error originated in payment's Charge (and 1 other origin)." in text
    assert text.endswith("Spans failed, so this is a functional failure, not only a latency matter.")
    assert "No span reported an error" not in text
    assert 3 <= len(sentences(text)) <= 6


def test_minimal_trace_without_bottlenecks_or_anomalies():
    text = narrate(report([span("a", "shop", "checkout", 2 * MS)], duration=2 * MS))
    assert text == ("shop's checkout took 2.00 ms over 1 span in 1 service (shop). No span reported an error. "
                    "With no errors and no latency anomaly, nothing here points to a problem.")


def test_other_anomalies_counted_and_small_share_wording():
    spans = [span("a", "fe", "GET /", 10 * MS), span("b", "fe", "x", 1 * MS), span("o", "fe", "y", 1 * MS)]
    extra = [Anomaly(type="serial_calls", span_ids=["b"], message="..."),
             Anomaly(type="clock_skew", span_ids=["b", "a"], message="..."),
             Anomaly(type="orphan_span", span_ids=["o"], message="...")]
    top = Bottleneck(span_id="a", service="fe", name="GET /", self_time_ns=4 * MS, critical_path_ns=4 * MS,
                     share=0.4)
    text = narrate(report(spans, [top], extra, roots=["a", "o"], duration=10 * MS))
    assert "with 2 roots" in text
    assert "The largest share of the critical path went to fe's GET /, which owns 4.00 ms" in text
    assert "(40.0% of the trace)" in text
    assert ("Also found: 1 run(s) of serial calls, 1 span(s) outside their parent on another host or service, "
            "1 orphan span(s).") in text
    assert text.endswith("With no errors, this is a latency problem, not a functional failure.")
    assert 3 <= len(sentences(text)) <= 6
