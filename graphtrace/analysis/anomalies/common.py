"""Helpers shared by the anomaly detectors: ms text, who a call goes to, what counts as a call.

>>> ms(1_066_789_345), ms(382_800), ms(-600_000)
('1,066.79 ms', '0.38 ms', '-0.60 ms')
"""

from __future__ import annotations

from graphtrace.analysis.tree import TraceTree
from graphtrace.model import Span, SpanKind

# Attributes naming the remote side of a CLIENT span that has no SERVER child in the trace,
# most specific first (OTel semantic conventions, old and new).
PEER_KEYS = ("peer.service", "server.address", "net.peer.name", "db.system", "rpc.service")


def ms(ns: int) -> str:
    """Nanoseconds as milliseconds with 2 decimals and thousands separators."""
    return f"{ns / 1_000_000:,.2f} ms"


def label(span: Span) -> str:
    """``service's name``, the way messages name a span.

    >>> label(Span(trace_id="t", span_id="a", service="cart", name="HGET", start_ns=0, end_ns=1))
    "cart's HGET"
    """
    return f"{span.service}'s {span.name}"


def target_service(tree: TraceTree, span_id: str) -> str | None:
    """The service a call goes to: its SERVER/CONSUMER child's service, else a peer attribute
    (``peer.service``, ``server.address``, ``net.peer.name``, ``db.system``, ``rpc.service``),
    else -- for a non-CLIENT span of another service than its parent -- its own service.
    ``None`` when nothing says.

    >>> from graphtrace.model import Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> mk = lambda i, p, svc, kind, **a: Span(trace_id="t", span_id=i, parent_span_id=p, service=svc,
    ...                                         kind=kind, start_ns=0, end_ns=1, attributes=a)
    >>> tree = build_tree(Trace(trace_id="t", spans=[
    ...     mk("p", None, "fe", "SERVER"), mk("c", "p", "fe", "CLIENT"), mk("s", "c", "cart", "SERVER"),
    ...     mk("r", "p", "fe", "CLIENT", **{"db.system": "redis"}), mk("x", "p", "fe", "CLIENT")]))
    >>> target_service(tree, "c"), target_service(tree, "r"), target_service(tree, "x")
    ('cart', 'redis', None)
    """
    span = tree.span(span_id)
    for child_id in tree.children(span_id):
        child = tree.span(child_id)
        if child.kind in (SpanKind.SERVER, SpanKind.CONSUMER):
            return child.service
    for key in PEER_KEYS:
        value = span.attributes.get(key)
        if value not in (None, ""):
            return str(value)
    parent_id = tree.parent(span_id)
    if span.kind != SpanKind.CLIENT and parent_id is not None:
        if tree.span(parent_id).service != span.service:
            return span.service
    return None


def is_call(parent: Span, child: Span) -> bool:
    """A child is a *call* when it is a CLIENT span or belongs to another service than its parent.

    >>> p = Span(trace_id="t", span_id="p", service="fe", start_ns=0, end_ns=9)
    >>> is_call(p, p.model_copy(update={"span_id": "c", "kind": SpanKind.CLIENT})), is_call(p, p)
    (True, False)
    """
    return child.kind == SpanKind.CLIENT or child.service != parent.service


def union_ns(intervals: list[tuple[int, int]]) -> int:
    """Length of the union of ``[start, end]`` intervals.

    >>> union_ns([(0, 10), (5, 12), (20, 25)])
    17
    """
    total, cur_start, cur_end = 0, None, None
    for start, end in sorted(intervals):
        if cur_end is None or start > cur_end:
            if cur_end is not None:
                total += cur_end - cur_start
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_end is not None:
        total += cur_end - cur_start
    return total
