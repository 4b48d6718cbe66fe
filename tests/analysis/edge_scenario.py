"""Five hand-built traces shared by the in-memory edge tests and the slow-edges recipe tests."""

from __future__ import annotations

from graphtrace.model import Span, Trace


def span(tid, sid, parent, service, name, kind, start, end, error=False):
    return Span(trace_id=tid, span_id=sid, parent_span_id=parent, service=service, name=name, kind=kind,
                start_ns=start, end_ns=end, status_code="ERROR" if error else "UNSET")


def scenario() -> list[Trace]:
    """Five traces; the comments give each call's client duration, gap and critical-path status.

    Critical path (docs/architecture.md): at the root, t = end; first step takes a child ending <= t,
    later steps a child ending strictly < t.
    """
    t1 = [span("t1", "r", None, "web", "GET /", "SERVER", 0, 1000),
          # c1: 500 ns, server 400 -> gap 100.  Not on the path: after c2 (end 900) t = 600 and c1 ends at 600.
          span("t1", "c1", "r", "web", "GetCart", "CLIENT", 100, 600),
          span("t1", "s1", "c1", "cart", "Cart/Get", "SERVER", 150, 550),
          # c2: 300 ns, server 280 -> gap 20; the server failed.  On the path (last child, ends 900 <= 1000).
          span("t1", "c2", "r", "web", "GetCart", "CLIENT", 600, 900),
          span("t1", "s2", "c2", "cart", "Cart/Get", "SERVER", 610, 890, error=True)]
    # t2: c 400 ns, server 100 -> gap 300; only child of the root -> on the path.
    t2 = [span("t2", "r", None, "web", "GET /", "SERVER", 0, 500),
          span("t2", "c", "r", "web", "GetCart", "CLIENT", 50, 450),
          span("t2", "s", "c", "cart", "Cart/Get", "SERVER", 60, 160)]
    # t3: payment edge, c 280 ns (client failed), server 260 -> gap 20; on the path.
    t3 = [span("t3", "r", None, "web", "POST /pay", "SERVER", 0, 300),
          span("t3", "c", "r", "web", "Charge", "CLIENT", 10, 290, error=True),
          span("t3", "s", "c", "payment", "Pay/Charge", "SERVER", 20, 280)]
    # t4: c 200 ns, server 180 -> gap 20.  Not on the path: x (ends 1000) is taken first, then t = 200
    # and c ends at 500, not before 200.
    t4 = [span("t4", "r", None, "web", "GET /", "SERVER", 0, 1000),
          span("t4", "x", "r", "web", "render", "INTERNAL", 200, 1000),
          span("t4", "c", "r", "web", "GetCart", "CLIENT", 300, 500),
          span("t4", "s", "c", "cart", "Cart/Get", "SERVER", 310, 490)]
    # t5 (late): c 800 ns, server 100 -> gap 700; only child -> on the path.
    t5 = [span("t5", "r", None, "web", "GET /", "SERVER", 5000, 6000),
          span("t5", "c", "r", "web", "GetCart", "CLIENT", 5100, 5900),
          span("t5", "s", "c", "cart", "Cart/Get", "SERVER", 5200, 5300)]
    return [Trace(trace_id=f"t{i}", spans=spans) for i, spans in enumerate((t1, t2, t3, t4, t5), start=1)]
