"""analyze_trace end to end on hand-made traces: every TraceReport field, derived by hand."""

from __future__ import annotations

import orjson
import pytest

from graphtrace.analysis.analyze import analyze_trace, analyze_traces
from graphtrace.analysis.narrative import narrate
from graphtrace.analysis.report import AnalysisOutput
from graphtrace.errors import InputError
from graphtrace.model import Span, Trace
from tests.analysis.strategies import chain_trace


def mk(sid: str, parent: str | None, start: int, end: int, service: str = "frontend", **kw) -> Span:
    kw.setdefault("name", f"op-{sid}")
    return Span(trace_id="a11a", span_id=sid, parent_span_id=parent, start_ns=start, end_ns=end,
                service=service, **kw)


# r SERVER [0,100] OK; c CLIENT [10,60] -> s SERVER cart [20,50] ERROR; d INTERNAL [70,90];
# orphan o [95,120] (parent "zz" absent), service batch.
SPANS = [
    mk("d", "r", 70, 90, kind="INTERNAL"),
    mk("s", "c", 20, 50, service="cart", kind="SERVER", status_code="ERROR"),
    mk("o", "zz", 95, 120, service="batch"),
    mk("r", None, 0, 100, kind="SERVER", status_code="OK"),
    mk("c", "r", 10, 60, kind="CLIENT"),
]


def test_every_field_of_the_report() -> None:
    report = analyze_trace(Trace(trace_id="a11a", spans=SPANS))
    assert report.trace_id == "a11a"
    assert report.root_span_ids == ["r", "o"]                 # roots by start: r 0, o 95
    assert (report.start_ns, report.end_ns, report.duration_ns) == (0, 120, 120)
    assert report.span_count == 5
    assert report.services == ["batch", "cart", "frontend"]
    # Pre-order: r, c, s, d, then o.  Self: r 100-(50+20) = 30, c 50-30 = 20, s 30, d 20, o 25.
    # Walk of r: LFC d -> r [90,100]; d [70,90]; t=70: c ends 60 -> r [60,70]; c: LFC s -> c [50,60];
    # s [20,50]; t=20 -> c [10,20]; back in r, t=10 -> r [0,10].  cp r 30, c 20, s 30, d 20; o 25.
    rows = [(s.span_id, s.parent_span_id, s.service, s.kind, s.depth, s.status, s.start_ns, s.end_ns,
             s.duration_ns, s.self_time_ns, s.critical_path_ns) for s in report.spans]
    assert rows == [
        ("r", None, "frontend", "SERVER", 0, "OK", 0, 100, 100, 30, 30),
        ("c", "r", "frontend", "CLIENT", 1, "UNSET", 10, 60, 50, 20, 20),
        ("s", "c", "cart", "SERVER", 2, "ERROR", 20, 50, 30, 30, 30),
        ("d", "r", "frontend", "INTERNAL", 1, "UNSET", 70, 90, 20, 20, 20),
        ("o", "zz", "batch", "UNSPECIFIED", 0, "UNSET", 95, 120, 25, 25, 25),
    ]
    assert [(x.span_id, x.start_ns, x.end_ns) for x in report.critical_path] == [
        ("r", 0, 10), ("c", 10, 20), ("s", 20, 50), ("c", 50, 60), ("r", 60, 70), ("d", 70, 90),
        ("r", 90, 100), ("o", 95, 120),
    ]
    # Bottlenecks: r 30 and s 30 (tie -> "r" < "s"), o 25, c 20 and d 20 (tie -> c, d); / 120 ns.
    assert [(b.span_id, b.critical_path_ns, b.share) for b in report.bottlenecks] == [
        ("r", 30, 30 / 120), ("s", 30, 30 / 120), ("o", 25, 25 / 120), ("c", 20, 20 / 120),
        ("d", 20, 20 / 120),
    ]
    types = {a.type for a in report.anomalies}
    assert {"orphan_span", "error_origin"} <= types
    assert report.narrative and report.narrative == narrate(report)


def test_report_serialises_as_the_json_schema() -> None:
    report = analyze_trace(Trace(trace_id="a11a", spans=SPANS))
    doc = orjson.loads(AnalysisOutput(traces=[report]).model_dump_json())
    assert doc["traces"][0]["critical_path"][0] == {"span_id": "r", "start_ns": 0, "end_ns": 10}
    assert doc["traces"][0]["spans"][2]["status"] == "ERROR"
    assert doc["warnings"] == [] and doc["skipped"] == []


def test_seed_additem_structure() -> None:
    # GUIDE 4 (offsets from t0): AddItem CLIENT [0, 1,066,789,345]; dns.lookup [0, 1,361,055];
    # tcp.connect [1,000,000, 1,778,763]; cart server [1,066,200,000, 1,066,582,800].
    # Self = 1,066,789,345 - (1,778,763 + 382,800) = 1,064,627,782.  Walk: server, then tcp
    # (ends 1,778,763 < 1,066,200,000), then dns ends 1,361,055 >= tcp start 1,000,000 -> skipped.
    # AddItem cp = 206,545 + 1,064,421,237 + 1,000,000 = 1,065,627,782; share of 1,066,789,345.
    t0 = 1_732_000_000_000_000_000
    spans = [
        mk("add", None, t0, t0 + 1_066_789_345, name="grpc.oteldemo.CartService/AddItem", kind="CLIENT"),
        mk("dns", "add", t0, t0 + 1_361_055, name="dns.lookup"),
        mk("tcp", "add", t0 + 1_000_000, t0 + 1_778_763, name="tcp.connect"),
        mk("srv", "add", t0 + 1_066_200_000, t0 + 1_066_582_800, service="cart",
           name="oteldemo.CartService/AddItem", kind="SERVER"),
    ]
    report = analyze_trace(Trace(trace_id="a11a", spans=spans))
    by_id = {s.span_id: s for s in report.spans}
    assert by_id["add"].self_time_ns == 1_064_627_782
    assert by_id["add"].critical_path_ns == 1_065_627_782
    assert by_id["dns"].critical_path_ns == 0 and by_id["tcp"].critical_path_ns == 778_763
    assert report.bottlenecks[0].span_id == "add"
    assert report.bottlenecks[0].share == 1_065_627_782 / 1_066_789_345
    assert any(a.type == "cold_connection" and "add" in a.span_ids for a in report.anomalies)
    assert any(a.type == "client_server_gap" for a in report.anomalies)


def test_deep_chain_through_the_whole_pipeline() -> None:
    # 10^4 nested spans: no RecursionError anywhere; each span owns 2 ns of self and path time
    # (see test_critical_path.test_deep_chain_walk_is_iterative).
    report = analyze_trace(chain_trace(10_000))
    assert report.span_count == 10_000 and report.spans[-1].depth == 9_999
    assert {s.critical_path_ns for s in report.spans} == {2}
    assert {s.self_time_ns for s in report.spans} == {2}


def test_analyze_traces_is_lazy_and_in_order() -> None:
    def stream():
        yield Trace(trace_id="x1", spans=[Span(trace_id="x1", span_id="a", start_ns=0, end_ns=3)])
        raise RuntimeError("the second trace must not be read before the first report is taken")

    reports = analyze_traces(stream())
    assert next(reports).trace_id == "x1"
    with pytest.raises(RuntimeError):
        next(reports)


def test_parent_cycle_is_an_input_error() -> None:
    # a -> b -> a: no root at all; build_tree refuses rather than looping.
    trace = Trace(trace_id="a11a", spans=[mk("a", "b", 0, 5), mk("b", "a", 1, 4)])
    with pytest.raises(InputError):
        analyze_trace(trace)
