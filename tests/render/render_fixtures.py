"""A small hand-built trace report shared by the render tests (the fixture is in conftest.py).

The 4-span "checkout" trace (times in ms from T0; 1 ms = 1_000_000 ns):

    r  [web]     GET /checkout (SERVER)  0..10
    a  [web]     auth (INTERNAL)          1..3    child of r
    b  [web]     charge (CLIENT)          2..9    child of r
    c  [payment] Charge (SERVER)          5..8    child of b, status ERROR

Self time (duration minus the union of the children's intervals):
    r = 10 - |[1,3] u [2,9]| = 10 - 8 = 2;  a = 2;  b = 7 - 3 = 4;  c = 3.
Critical path (walk back from r.end = 10):
    r, t=10: last-finishing child is b (ends 9)      -> r [9,10]
    b, t=9:  c ends 8 <= 9                             -> b [8,9]
    c:       no children                               -> c [5,8]
    b, t=5:  no child ends before 5                    -> b [2,5]
    r, t=2:  a ends at 3, not before 2                 -> r [0,2]
    cp time: r = 2 + 1 = 3, b = 3 + 1 = 4, c = 3, a = 0 (sum 10 = the trace).
"""

from __future__ import annotations

from graphtrace.analysis.report import Anomaly, Bottleneck, Section, SpanReport, TraceReport

MS = 1_000_000
T0 = 1_700_000_000_000_000_000


def _span(sid, parent, service, name, kind, start, end, self_ms, cp_ms, depth, status="UNSET"):
    return SpanReport(
        span_id=sid, parent_span_id=parent, service=service, name=name, kind=kind,
        start_ns=T0 + start * MS, end_ns=T0 + end * MS, duration_ns=(end - start) * MS,
        self_time_ns=self_ms * MS, critical_path_ns=cp_ms * MS, depth=depth, status=status,
    )


def checkout_report() -> TraceReport:
    spans = [
        _span("r", None, "web", "GET /checkout", "SERVER", 0, 10, 2, 3, 0),
        _span("a", "r", "web", "auth", "INTERNAL", 1, 3, 2, 0, 1),
        _span("b", "r", "web", "charge", "CLIENT", 2, 9, 4, 4, 1),
        _span("c", "b", "payment", "Charge", "SERVER", 5, 8, 3, 3, 2, status="ERROR"),
    ]
    sections = [("r", 0, 2), ("b", 2, 5), ("c", 5, 8), ("b", 8, 9), ("r", 9, 10)]
    return TraceReport(
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736", root_span_ids=["r"],
        start_ns=T0, end_ns=T0 + 10 * MS, duration_ns=10 * MS, span_count=4,
        services=["payment", "web"], spans=spans,
        critical_path=[Section(span_id=s, start_ns=T0 + a * MS, end_ns=T0 + e * MS) for s, a, e in sections],
        bottlenecks=[
            Bottleneck(span_id="b", service="web", name="charge", self_time_ns=4 * MS,
                       critical_path_ns=4 * MS, share=0.4),
            Bottleneck(span_id="r", service="web", name="GET /checkout", self_time_ns=2 * MS,
                       critical_path_ns=3 * MS, share=0.3),
        ],
        anomalies=[
            Anomaly(type="error_origin", span_ids=["c"], metrics={}, message="payment Charge failed first"),
            Anomaly(type="client_server_gap", span_ids=["b", "c"], metrics={"gap_ns": 4 * MS},
                    message="charge waited 4.00 ms longer than Charge ran"),
        ],
        narrative="The checkout took 10 ms.\n\nMost of it was the payment call.",
    )

