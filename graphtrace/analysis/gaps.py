"""Remote calls: a CLIENT span paired with each of its SERVER children.

The rule (docs/architecture.md, "Remote calls"): ``caller`` is the client's
service, ``callee`` the server's, ``operation`` the SERVER span's name;
``gap = C.duration - S.duration``, ``before = S.start - C.start``,
``after = C.end - S.end``, ``ratio = C.duration / S.duration`` (``None`` when
the server lasted 0 ns).  ``before``/``after`` go negative under clock skew;
they are reported as they are.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.analysis.tree import build_tree
>>> c = Span(trace_id="t", span_id="c", service="frontend", name="grpc.Cart/Get",
...          kind="CLIENT", start_ns=0, end_ns=100)
>>> s = Span(trace_id="t", span_id="s", parent_span_id="c", service="cart",
...          name="Cart/Get", kind="SERVER", start_ns=30, end_ns=80)
>>> [call] = client_server_pairs(build_tree(Trace(trace_id="t", spans=[c, s])))
>>> call.caller, call.callee, call.operation, call.gap_ns, call.before_ns, call.after_ns, call.ratio
('frontend', 'cart', 'Cart/Get', 50, 30, 20, 2.0)
"""

from __future__ import annotations

from pydantic import BaseModel

from graphtrace.analysis.report import build
from graphtrace.analysis.tree import TraceTree
from graphtrace.model import Span, SpanKind

_CLIENT, _SERVER = SpanKind.CLIENT, SpanKind.SERVER


class RemoteCall(BaseModel):
    """One client->server call with its timing split (all times integer ns)."""

    client_span_id: str
    server_span_id: str
    caller: str
    callee: str
    operation: str
    client_ns: int
    server_ns: int
    gap_ns: int
    before_ns: int
    after_ns: int
    ratio: float | None


def remote_call(client: Span, server: Span) -> RemoteCall:
    """The :class:`RemoteCall` of one CLIENT span and one SERVER child.

    Skewed clocks give negative ``before_ns``/``after_ns``, kept as they are:

    >>> c = Span(trace_id="t", span_id="c", service="a", kind="CLIENT", start_ns=10, end_ns=20)
    >>> s = Span(trace_id="t", span_id="s", service="b", name="op", kind="SERVER", start_ns=5, end_ns=15)
    >>> rc = remote_call(c, s)
    >>> rc.before_ns, rc.after_ns, rc.gap_ns, rc.ratio
    (-5, 5, 0, 1.0)
    >>> remote_call(c, s.model_copy(update={"end_ns": 5})).ratio is None
    True
    """
    c_ns, s_ns = client.end_ns - client.start_ns, server.end_ns - server.start_ns
    return build(RemoteCall, {
        "client_span_id": client.span_id,
        "server_span_id": server.span_id,
        "caller": client.service,
        "callee": server.service,
        "operation": server.name,
        "client_ns": c_ns,
        "server_ns": s_ns,
        "gap_ns": c_ns - s_ns,
        "before_ns": server.start_ns - client.start_ns,
        "after_ns": client.end_ns - server.end_ns,
        "ratio": (c_ns / s_ns) if s_ns > 0 else None,
    })


def span_pairs(tree: TraceTree) -> list[tuple[Span, Span]]:
    """The ``(CLIENT span, SERVER child)`` pairs of :func:`client_server_pairs`, as spans, same order.

    >>> from graphtrace.model import Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> c = Span(trace_id="t", span_id="c", kind="CLIENT", start_ns=0, end_ns=9)
    >>> s = Span(trace_id="t", span_id="s", parent_span_id="c", kind="SERVER", start_ns=1, end_ns=5)
    >>> [(a.span_id, b.span_id) for a, b in span_pairs(build_tree(Trace(trace_id="t", spans=[c, s])))]
    [('c', 's')]
    """
    spans = tree.spans
    pairs: list[tuple[Span, Span]] = []
    for sid, kids in tree._parents:
        client = spans[sid]
        if client.kind is not _CLIENT:
            continue
        for child_id in kids:
            child = spans[child_id]
            if child.kind is _SERVER:
                pairs.append((client, child))
    return pairs


def client_server_pairs(tree: TraceTree) -> list[RemoteCall]:
    """Every (CLIENT span, SERVER child) pair of the tree, in pre-order of the client,
    children in start order.  A CLIENT with several SERVER children gives one call each.

    >>> from graphtrace.model import Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> c = Span(trace_id="t", span_id="c", kind="CLIENT", start_ns=0, end_ns=9)
    >>> client_server_pairs(build_tree(Trace(trace_id="t", spans=[c])))
    []
    """
    return [remote_call(client, server) for client, server in span_pairs(tree)]
