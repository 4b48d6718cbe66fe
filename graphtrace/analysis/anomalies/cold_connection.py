"""``cold_connection``: a client call whose own children set up a connection.

A CLIENT span (not itself a set-up span) with children whose lower-cased name fully
matches ``options.connection_pattern`` (``dns.lookup``, ``tcp.connect``, ``tls.connect``,
``tls.handshake``, ``connect``, ``http.connect``, ``db.connect``, any ``*.connect``...): no
pooled connection was reused.  ``setup_ns`` is the union of those children's intervals,
each clipped to the call.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.analysis.tree import build_tree
>>> mk = lambda i, p, name, kind, s, e: Span(trace_id="t", span_id=i, parent_span_id=p,
...     service="fe", name=name, kind=kind, start_ns=s, end_ns=e)
>>> tree = build_tree(Trace(trace_id="t", spans=[mk("c", None, "GET", "CLIENT", 0, 10_000_000),
...     mk("d", "c", "dns.lookup", "CLIENT", 0, 2_000_000), mk("k", "c", "TCP.connect", "INTERNAL", 1_000_000, 3_000_000)]))
>>> [a] = detect(tree, {}, AnomalyOptions())
>>> a.span_ids, a.metrics["setup_ns"], a.metrics["steps"]
(['c', 'd', 'k'], 3000000, ['dns.lookup', 'TCP.connect'])
"""

from __future__ import annotations

from graphtrace.analysis.anomalies.common import label, ms, union_ns
from graphtrace.analysis.anomalies.options import AnomalyOptions
from graphtrace.analysis.report import Anomaly, build
from graphtrace.analysis.tree import TraceTree
from graphtrace.model import SpanKind, is_connection_setup

_CLIENT = SpanKind.CLIENT


def detect(tree: TraceTree, cp_times: dict[str, int], options: AnomalyOptions) -> list[Anomaly]:
    """One anomaly per CLIENT span with set-up children."""
    out = []
    spans, pattern = tree.spans, options.connection_pattern
    for sid, kids in tree._parents:
        if spans[sid].kind is not _CLIENT:
            continue
        steps = [c for c in kids if is_connection_setup(spans[c].name, pattern)]
        if steps and not is_connection_setup(spans[sid].name, pattern):
            out.append(_anomaly(tree, sid, steps, cp_times))
    return out


def _anomaly(tree: TraceTree, sid: str, steps: list[str], cp_times: dict[str, int]) -> Anomaly:
    call, spans = tree.spans[sid], tree.spans
    clipped = [(max(spans[c].start_ns, call.start_ns), min(spans[c].end_ns, call.end_ns)) for c in steps]
    setup_ns = union_ns([(s, e) for s, e in clipped if e > s])
    names = [spans[c].name for c in steps]
    metrics = {
        "setup_ns": setup_ns, "steps": names, "setup_span_ids": steps, "client_ns": call.duration_ns,
        "setup_critical_path_ns": sum(cp_times.get(c, 0) for c in steps),
    }
    message = (f"{label(call)} opened a new connection ({', '.join(names)}: {ms(setup_ns)} of set-up "
               f"in a {ms(call.duration_ns)} call); no pooled connection was reused")
    return build(Anomaly, {"type": "cold_connection", "span_ids": [sid, *steps], "metrics": metrics,
                           "message": message})
