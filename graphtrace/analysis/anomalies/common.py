"""Helpers shared by the anomaly detectors: ms text, who a call goes to, what counts as a call,
and the per-trace indexes every detector reuses (:func:`calls_of`, :func:`call_groups_of`,
computed once per tree through ``TraceTree.memo``).

>>> ms(1_066_789_345), ms(382_800), ms(-600_000)
('1,066.79 ms', '0.38 ms', '-0.60 ms')
"""

from __future__ import annotations


from graphtrace.analysis.tree import TraceTree
from graphtrace.model import PEER_KEYS, Span, SpanKind, operation_key

_CLIENT, _SERVER, _CONSUMER = SpanKind.CLIENT, SpanKind.SERVER, SpanKind.CONSUMER

# Attributes naming the remote side of a CLIENT span that has no SERVER child in the trace,
# most specific first (OTel semantic conventions, old and new).


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
    spans = tree.spans
    span = spans[span_id]
    for child_id in tree._children.get(span_id, ()):
        child = spans[child_id]
        if child.kind is _SERVER or child.kind is _CONSUMER:
            return child.service
    attributes = span.attributes
    if attributes:
        for key in PEER_KEYS:
            value = attributes.get(key)
            if value not in (None, ""):
                return str(value)
    parent_id = tree._parent[span_id]
    if span.kind is not _CLIENT and parent_id is not None:
        if spans[parent_id].service != span.service:
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


def _calls(tree: TraceTree) -> dict[str, list[str]]:
    spans = tree.spans
    out: dict[str, list[str]] = {}
    for pid, kids in tree._parents:
        service = spans[pid].service
        mine = [c for c in kids if (s := spans[c]).kind is _CLIENT or s.service != service]
        if mine:
            out[pid] = mine
    return out


def calls_of(tree: TraceTree) -> dict[str, list[str]]:
    """Per parent id (in tree pre-order), its children that are calls (:func:`is_call`), in
    start order; parents without calls are absent.  Computed once per tree.

    >>> from graphtrace.model import Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> mk = lambda i, p, svc, kind: Span(trace_id="t", span_id=i, parent_span_id=p, service=svc,
    ...                                   kind=kind, start_ns=0, end_ns=1)
    >>> calls_of(build_tree(Trace(trace_id="t", spans=[mk("p", None, "fe", "SERVER"),
    ...     mk("a", "p", "fe", "CLIENT"), mk("b", "p", "fe", "INTERNAL"), mk("c", "p", "db", "INTERNAL")])))
    {'p': ['a', 'c']}
    """
    return tree.memo("calls_of", _calls)


def _group(spans: dict[str, Span], calls: list[str]) -> dict[tuple[str, str], list[str]]:
    groups: dict[tuple[str, str], list[str]] = {}
    for cid in calls:
        child = spans[cid]
        key = (child.service, operation_key(child))
        group = groups.get(key)
        if group is None:
            groups[key] = [cid]
        else:
            group.append(cid)
    return groups


def call_groups_of(tree: TraceTree, parent_id: str) -> dict[tuple[str, str], list[str]]:
    """The calls of ``parent_id`` grouped by ``(service, operation_key)``, each group in start
    order.  Computed once per parent and tree (``repeated_calls`` and ``retry`` share it), and
    only for the parents a detector asks about; do not modify the result.

    >>> from graphtrace.model import Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> mk = lambda i, p, kind: Span(trace_id="t", span_id=i, parent_span_id=p, service="fe",
    ...                              name="GET", kind=kind, start_ns=0, end_ns=1)
    >>> call_groups_of(build_tree(Trace(trace_id="t", spans=[mk("p", None, "SERVER"),
    ...     mk("a", "p", "CLIENT"), mk("b", "p", "CLIENT")])), "p")
    {('fe', 'GET'): ['a', 'b']}
    """
    cache: dict[str, dict[tuple[str, str], list[str]]] = tree.memo("call_groups_of", lambda _: {})
    groups = cache.get(parent_id)
    if groups is None:
        groups = cache[parent_id] = _group(tree.spans, calls_of(tree).get(parent_id, []))
    return groups
