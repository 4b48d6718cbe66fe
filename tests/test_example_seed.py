"""End to end on examples/: readers + analyze_trace on the seed trace in every format.

Every expected number is derived by hand in examples/README.md ("Numbers derived by hand",
"The µs formats", "The rows format"); the derivations are repeated briefly here.
"""

from pathlib import Path

import pytest

from graphtrace.analysis.analyze import analyze_trace
from graphtrace.readers import read_traces

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TRACE_ID = "971a659583cb354ebf2a7babf50db2f8"

ROOT, GET, POST = "5ecdd5c42a31c2e5", "5cc7defd8ac01b04", "88dd4ed0cfa16aaf"
ADD, ADD_SERVER, DNS, TCP = "0ebfca528fb2a3c7", "940f2b8ead0ffb3d", "20477715a96a4d58", "c4e8b74e72625cd3"
GET_CART, GET_CART_SERVER = "06be3d91dbd37f1d", "52291a864040f3d6"
GET_BRANCH = ["5cc7defd8ac01b04", "673bcdce936c36fd", "22048ba783f25d7f", "40eedf31d5f77aa0",
              "6317d5ec880c2a7d", "dd16246c312a3ac8", "c3f8f25fbccb589c", "634c1ace3f902dc0"]

# Exact (OTLP JSON) critical-path time of every span: each on-path span's duration minus its
# on-path children's durations (its children run one after another); dns.lookup is off the path
# because it ends (10,961,055) after tcp.connect starts (10,600,000).
EXACT_CP = {
    ROOT: 1_080_960_237 - 6_005_672 - 1_074_400_892,   # 553,673
    GET: 6_005_672 - 4_248_000,                         # 1,757,672
    "673bcdce936c36fd": 4_248_000 - 4_175_000,          # 73,000
    "22048ba783f25d7f": 4_175_000 - 2_694_720,          # 1,480,280
    "40eedf31d5f77aa0": 2_694_720 - 2_559_550,          # 135,170
    "6317d5ec880c2a7d": 2_559_550 - 2_226_089,          # 333,461
    "dd16246c312a3ac8": 2_226_089 - 2_076_177,          # 149,912
    "c3f8f25fbccb589c": 2_076_177 - 154_881,            # 1,921,296
    "634c1ace3f902dc0": 154_881,
    POST: 1_074_400_892 - 1_069_754_000,                # 4,646,892
    "36dde1a91ce7e0ba": 1_069_754_000 - 1_069_682_000,  # 72,000
    "66a43a0d5d10cc66": 1_069_682_000 - 1_069_494_306,  # 187,694
    "e1554eb4fe796276": 1_069_494_306 - 1_069_375_205,  # 119,101
    "1ac5140b5da23d72": 1_069_375_205 - 1_069_144_803,  # 230,402
    "450b340462c0a8f4": 1_069_144_803 - 1_066_789_345 - 2_156_688,  # 198,770
    ADD: 1_066_789_345 - 382_800 - 778_763,             # 1,065,627,782
    DNS: 0,
    TCP: 778_763,
    ADD_SERVER: 382_800 - 215_900 - 68_300 - 58_200,    # 40,400
    "43f98c9155372669": 215_900, "9a0ee73806625703": 68_300, "e575504609c9c07c": 58_200,
    GET_CART: 2_156_688 - 1_327_300,                    # 829,388
    GET_CART_SERVER: 1_327_300 - 80_000,                # 1,247,300
    "cc90d8ba05ba9432": 80_000,
}

# per file: AddItem self time, AddItem critical-path time, root critical-path time, ratio bounds
CASES = {
    # exact: self = 1,066,789,345 - (11,378,763 - 9,600,000) - 382,800; ratio 1,066,789,345 / 382,800
    "otel-demo-add-to-cart.json": (1_064_627_782, 1_065_627_782, 553_673, (2786.8, 2786.9)),
    # µs: durations rounded (AddItem 1,066,789 µs, server 383, tcp 779, dns 1,361; GET 6,006,
    # POST 1,074,401, root 1,080,960): self = 1,066,789,000 - 1,779,000 - 383,000;
    # cp = 1,066,789,000 - 383,000 - 779,000; root = 1,080,960,000 - 6,006,000 - 1,074,401,000;
    # ratio 1,066,789 / 383 = 2,785.35
    "otel-demo-add-to-cart.jaeger.json": (1_064_627_000, 1_065_627_000, 553_000, (2785.3, 2785.4)),
    "otel-demo-add-to-cart.zipkin.json": (1_064_627_000, 1_065_627_000, 553_000, (2785.3, 2785.4)),
    # float epochs: tcp.connect starts 64 ns early (T0 + 10,599,936), so dns ∪ tcp = 1,778,699 and
    # self = 1,066,789,345 - 1,778,699 - 382,800; cp and ratio unchanged
    "otel-demo-add-to-cart.rows.json": (1_064_627_846, 1_065_627_782, 553_673, (2786.8, 2786.9)),
}


def analyse(name):
    stream = read_traces([EXAMPLES / name])
    traces = list(stream)
    assert stream.skipped == []
    assert len(traces) == 1 and traces[0].trace_id == TRACE_ID
    return analyze_trace(traces[0])


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    return request.param, analyse(request.param), CASES[request.param]


def test_counts_and_roots(case):
    _, rep, _ = case
    assert rep.span_count == 25 and len(rep.spans) == 25
    assert rep.root_span_ids == [ROOT]
    assert sorted(rep.services) == ["cart", "frontend", "frontend-proxy", "load-generator", "product-catalog"]


def test_add_item_self_time_and_critical_path(case):
    _, rep, (self_ns, add_cp, root_cp, _) = case
    spans = {s.span_id: s for s in rep.spans}
    assert spans[ADD].self_time_ns == self_ns
    assert spans[ADD].critical_path_ns == add_cp
    assert spans[ROOT].critical_path_ns == root_cp       # not the seed's 6.56 ms
    assert spans[ROOT].critical_path_ns != 6_560_000
    assert spans[DNS].critical_path_ns == 0               # dns.lookup is off the path
    for sid in [*GET_BRANCH, GET_CART, GET_CART_SERVER, TCP]:
        assert spans[sid].critical_path_ns > 0, sid      # GET branch and GetCart are serial: on the path
    assert rep.bottlenecks[0].span_id == ADD
    # share = 1,065,627,782 / 1,080,960,237 = 0.98582 (µs files: 1,065,627,000 / 1,080,960,000)
    assert rep.bottlenecks[0].share == pytest.approx(0.98582, abs=1e-5)


def test_every_critical_path_time_exact_for_otlp():
    rep = analyse("otel-demo-add-to-cart.json")
    assert {s.span_id: s.critical_path_ns for s in rep.spans} == EXACT_CP
    assert sum(EXACT_CP.values()) == 1_080_960_237


def test_sections_tile_the_root(case):
    _, rep, _ = case
    sections = rep.critical_path
    assert sections[0].start_ns == rep.start_ns and sections[-1].end_ns == rep.end_ns
    for a, b in zip(sections, sections[1:]):
        assert a.end_ns == b.start_ns
    assert sum(s.duration_ns for s in sections) == rep.duration_ns


def test_anomalies_gap_and_cold_connection_only(case):
    _, rep, (_, _, _, (lo, hi)) = case
    assert [a.type for a in rep.anomalies] == ["client_server_gap", "cold_connection"]
    gap, cold = rep.anomalies
    assert gap.span_ids == [ADD, ADD_SERVER]
    assert lo < gap.metrics["ratio"] < hi
    assert cold.span_ids == [ADD, DNS, TCP] and cold.metrics["steps"] == ["dns.lookup", "tcp.connect"]


def test_narrative(case):
    _, rep, _ = case
    text = rep.narrative
    assert "CartService/AddItem" in text and "cart's" in text
    assert "1,066.79 ms" in text                           # AddItem's duration, every format
    assert "No span reported an error." in text
    assert "failed" not in text and "functional failure." in text and "latency problem" in text
