"""Remote calls: a CLIENT span paired with each of its SERVER children, and the calls
inferred from spans without kinds.

The rule (docs/architecture.md, "Remote calls"): ``caller`` is the client's
service, ``callee`` the server's, ``operation`` the SERVER span's name;
``gap = C.duration - S.duration``, ``before = S.start - C.start``,
``after = C.end - S.end``, ``ratio = C.duration / S.duration`` (``None`` when
the server lasted 0 ns).  ``before``/``after`` go negative under clock skew;
they are reported as they are.

**Inferred calls** (docs/schema.md, "Inferred remote calls"): a parent->child
pair whose two kinds are both UNSPECIFIED or INTERNAL, in different services, is a
call from the parent's service to the child's (:func:`graphtrace.model.call_type`);
``inferred`` is True, the parent plays the client and the child the server (its name
is the ``operation``).  Its gap, before, after and ratio are known only when the child
is the parent's only child; otherwise they are ``None`` (unknown, never guessed).

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.analysis.tree import build_tree
>>> c = Span(trace_id="t", span_id="c", service="frontend", name="grpc.Cart/Get",
...          kind="CLIENT", start_ns=0, end_ns=100)
>>> s = Span(trace_id="t", span_id="s", parent_span_id="c", service="cart",
...          name="Cart/Get", kind="SERVER", start_ns=30, end_ns=80)
>>> [call] = client_server_pairs(build_tree(Trace(trace_id="t", spans=[c, s])))
>>> call.caller, call.callee, call.operation, call.gap_ns, call.before_ns, call.after_ns, call.ratio
('frontend', 'cart', 'Cart/Get', 50, 30, 20, 2.0)
>>> call.inferred
False
"""

from __future__ import annotations

from pydantic import BaseModel

from graphtrace.analysis.report import build
from graphtrace.analysis.tree import TraceTree
from graphtrace.model import KINDLESS, Span, SpanKind

_CLIENT, _SERVER = SpanKind.CLIENT, SpanKind.SERVER
_KINDLESS = frozenset(SpanKind(k) for k in KINDLESS)


class RemoteCall(BaseModel):
    """One client->server call with its timing split (all times integer ns).

    For an inferred call (``inferred``) the client is the parent span and the server the
    child; ``gap_ns``, ``before_ns``, ``after_ns`` and ``ratio`` are ``None`` when the
    parent has other children too (unknown).
    """

    client_span_id: str
    server_span_id: str
    caller: str
    callee: str
    operation: str
    client_ns: int
    server_ns: int
    gap_ns: int | None
    before_ns: int | None
    after_ns: int | None
    ratio: float | None
    inferred: bool = False


def remote_call(client: Span, server: Span, *, inferred: bool = False, known: bool = True) -> RemoteCall:
    """The :class:`RemoteCall` of one CLIENT span and one SERVER child (or, with
    ``inferred``, of a kind-less parent and child; ``known=False`` leaves the timing split unknown).

    Skewed clocks give negative ``before_ns``/``after_ns``, kept as they are:

    >>> c = Span(trace_id="t", span_id="c", service="a", kind="CLIENT", start_ns=10, end_ns=20)
    >>> s = Span(trace_id="t", span_id="s", service="b", name="op", kind="SERVER", start_ns=5, end_ns=15)
    >>> rc = remote_call(c, s)
    >>> rc.before_ns, rc.after_ns, rc.gap_ns, rc.ratio
    (-5, 5, 0, 1.0)
    >>> remote_call(c, s.model_copy(update={"end_ns": 5})).ratio is None
    True
    >>> u = remote_call(c, s, inferred=True, known=False)
    >>> u.inferred, u.client_ns, u.server_ns, u.gap_ns, u.before_ns, u.after_ns, u.ratio
    (True, 10, 10, None, None, None, None)
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
        "gap_ns": c_ns - s_ns if known else None,
        "before_ns": server.start_ns - client.start_ns if known else None,
        "after_ns": client.end_ns - server.end_ns if known else None,
        "ratio": (c_ns / s_ns) if known and s_ns > 0 else None,
        "inferred": inferred,
    })


def span_pairs(tree: TraceTree) -> list[tuple[Span, Span]]:
    """The ``(CLIENT span, SERVER child)`` pairs of the tree (no inferred calls), as spans,
    in pre-order of the client, children in start order.

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


def call_spans(tree: TraceTree) -> list[tuple[Span, Span, bool, bool]]:
    """Every remote call as ``(client, server, inferred, known)``: the CLIENT->SERVER pairs
    (``known`` always) and the inferred calls (``known`` when the child is the parent's only
    child), in pre-order of the parent, children in start order.

    >>> from graphtrace.model import Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> mk = lambda i, p, svc: Span(trace_id="t", span_id=i, parent_span_id=p, service=svc, start_ns=0, end_ns=9)
    >>> t = build_tree(Trace(trace_id="t", spans=[mk("a", None, "web"), mk("b", "a", "db"), mk("c", "a", "web")]))
    >>> [(p.span_id, c.span_id, inferred, known) for p, c, inferred, known in call_spans(t)]
    [('a', 'b', True, False)]
    """
    spans = tree.spans
    out: list[tuple[Span, Span, bool, bool]] = []
    for sid, kids in tree._parents:
        parent = spans[sid]
        kind = parent.kind
        if kind is _CLIENT:
            out.extend((parent, spans[c], False, True) for c in kids if spans[c].kind is _SERVER)
        elif kind in _KINDLESS:
            service, sole = parent.service, len(kids) == 1
            for child_id in kids:
                child = spans[child_id]
                if child.kind in _KINDLESS and child.service != service:
                    out.append((parent, child, True, sole))
    return out


def client_server_pairs(tree: TraceTree) -> list[RemoteCall]:
    """Every remote call of the tree: each (CLIENT span, SERVER child) pair and each inferred
    call (kind-less parent and child in different services), in pre-order of the parent,
    children in start order.  A CLIENT with several SERVER children gives one call each.

    >>> from graphtrace.model import Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> c = Span(trace_id="t", span_id="c", kind="CLIENT", start_ns=0, end_ns=9)
    >>> client_server_pairs(build_tree(Trace(trace_id="t", spans=[c])))
    []
    """
    return [remote_call(c, s, inferred=inferred, known=known) for c, s, inferred, known in call_spans(tree)]
