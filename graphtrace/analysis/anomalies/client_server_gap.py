"""``client_server_gap``: a client that waited far longer than its server worked.

Reported when ``gap = client - server >= min_gap_ms`` AND ``client / server >= min_ratio``
(a 0 ns server counts as an infinite ratio; ``ratio`` is then ``None``).  The calls come
from :func:`graphtrace.analysis.gaps.call_spans`: CLIENT->SERVER pairs, and inferred calls
(kind-less spans in different services) whose gap is known; ``metrics["inferred"]`` says which.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.analysis.tree import build_tree
>>> c = Span(trace_id="t", span_id="c", service="frontend", kind="CLIENT", start_ns=0, end_ns=60_000_000)
>>> s = Span(trace_id="t", span_id="s", parent_span_id="c", service="cart", name="AddItem",
...          kind="SERVER", start_ns=50_000_000, end_ns=52_000_000)
>>> [a] = detect(build_tree(Trace(trace_id="t", spans=[c, s])), {}, AnomalyOptions())
>>> a.message
"frontend waited 60.00 ms for cart's 2.00 ms AddItem (30x); 58.00 ms spent outside the server (50.00 ms before it started, 8.00 ms after it ended)"
"""

from __future__ import annotations

from graphtrace.analysis.anomalies.common import ms
from graphtrace.analysis.anomalies.options import AnomalyOptions
from graphtrace.analysis.gaps import RemoteCall, call_spans, remote_call
from graphtrace.analysis.report import Anomaly, build
from graphtrace.analysis.tree import TraceTree


def _message(call: RemoteCall) -> str:
    ratio = "server took 0 ns" if call.ratio is None else f"{call.ratio:,.0f}x"
    inferred = " (a call inferred from spans without client/server kinds)" if call.inferred else ""
    return (
        f"{call.caller} waited {ms(call.client_ns)} for {call.callee}'s {ms(call.server_ns)} "
        f"{call.operation} ({ratio}); {ms(call.gap_ns)} spent outside the server "
        f"({ms(call.before_ns)} before it started, {ms(call.after_ns)} after it ended){inferred}"
    )


def detect(tree: TraceTree, cp_times: dict[str, int], options: AnomalyOptions) -> list[Anomaly]:
    """One anomaly per remote call over both thresholds (``cp_times`` is not used)."""
    out = []
    min_gap, min_ratio = options.min_gap_ns, options.min_ratio
    for client, server, inferred, known in call_spans(tree):
        if not known:  # an inferred call whose parent has other children: the gap is unknown
            continue
        c_ns, s_ns = client.end_ns - client.start_ns, server.end_ns - server.start_ns
        # the thresholds on plain ints first; a RemoteCall only for the calls reported
        if c_ns - s_ns < min_gap or (s_ns > 0 and c_ns / s_ns < min_ratio):
            continue
        call = remote_call(client, server, inferred=inferred)
        metrics = {
            "caller": call.caller, "callee": call.callee, "operation": call.operation,
            "client_ns": call.client_ns, "server_ns": call.server_ns, "gap_ns": call.gap_ns,
            "before_ns": call.before_ns, "after_ns": call.after_ns, "ratio": call.ratio, "inferred": call.inferred,
        }
        out.append(build(Anomaly, {"type": "client_server_gap",
                                   "span_ids": [call.client_span_id, call.server_span_id],
                                   "metrics": metrics, "message": _message(call)}))
    return out
