"""The span tree of one trace, as a networkx DiGraph (parent -> child).

A span whose parent is absent from the trace is an extra *root* and is
reported as an *orphan*.  A cycle in parent links is an input error for that
trace: it raises :class:`~graphtrace.errors.InputError`, it never hangs.

The networkx graph is the in-memory engine the Neo4j answers are checked
against; it is built on first use of :attr:`TraceTree.graph`.  The analyses'
hot loops read the plain indexes built once here instead (children lists
already in start order, parent and depth maps, the pre-order), plus whatever
per-trace index a detector stores with :meth:`TraceTree.memo`.

>>> from graphtrace.model import Span, Trace
>>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
>>> tree = build_tree(Trace(trace_id="t", spans=[mk("a", None, 0, 10), mk("b", "a", 1, 4),
...                                              mk("c", "a", 5, 9), mk("d", "zz", 2, 3)]))
>>> tree.roots, tree.orphans, tree.children("a"), tree.depth("c")
(['a', 'd'], ['d'], ['b', 'c'], 1)
>>> sorted(tree.graph.edges)
[('a', 'b'), ('a', 'c')]
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # networkx is imported on first use of TraceTree.graph: the analyses never need it
    import networkx as nx

from graphtrace.errors import InputError
from graphtrace.model import Span, Trace

T = TypeVar("T")
_EMPTY: list[str] = []
_ORDER = attrgetter("start_ns", "end_ns", "span_id")


class TraceTree:
    """A trace's spans arranged as a forest.

    ``graph`` has one node per span id (attribute ``span``) and one edge per
    parent link (attribute ``ref_type``).  ``roots`` are ordered by start time;
    ``orphans`` are the roots that name a parent the trace does not contain.
    """

    def __init__(self, trace: Trace, spans: dict[str, Span], roots: list[str], orphans: list[str],
                 children: dict[str, list[str]], parent: dict[str, str | None], depth: dict[str, int],
                 preorder: list[str], parents: list[tuple[str, list[str]]]) -> None:
        self.trace, self.spans, self.roots, self.orphans = trace, spans, roots, orphans
        self._children, self._parent, self._depth, self._preorder = children, parent, depth, preorder
        self._parents = parents  # (span id, its children) for every span with children, in pre-order
        self._graph: nx.DiGraph | None = None
        self._memo: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"TraceTree(trace_id={self.trace.trace_id!r}, spans={len(self.spans)}, roots={self.roots!r})"

    @property
    def graph(self) -> nx.DiGraph:
        """The networkx DiGraph of the tree (built once, on first use)."""
        if self._graph is None:
            import networkx as nx

            graph = nx.DiGraph()
            graph.add_nodes_from((sid, {"span": span}) for sid, span in self.spans.items())
            spans = self.spans
            graph.add_edges_from((p, c, {"ref_type": spans[c].ref_type})
                                 for p, kids in self._children.items() for c in kids)
            self._graph = graph
        return self._graph

    def span(self, span_id: str) -> Span:
        return self.spans[span_id]

    def children(self, span_id: str) -> list[str]:
        """Child span ids ordered by (start, end, id)."""
        return self._children.get(span_id, _EMPTY)

    def parent(self, span_id: str) -> str | None:
        return self._parent[span_id]

    def depth(self, span_id: str) -> int:
        """0 for a root, 1 for its children, and so on."""
        return self._depth[span_id]

    def preorder(self) -> list[str]:
        """Every span id, depth first, roots and children in start order."""
        return list(self._preorder)

    def memo(self, key: str, compute: Callable[["TraceTree"], T]) -> T:
        """``compute(self)``, computed once per tree and kept under ``key`` (a per-trace index).

        >>> from graphtrace.model import Span, Trace
        >>> t = build_tree(Trace(trace_id="t", spans=[Span(trace_id="t", span_id="a", start_ns=0, end_ns=1)]))
        >>> t.memo("n", lambda tr: len(tr.spans)), t.memo("n", lambda tr: 99)
        (1, 1)
        """
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute(self)
            return value


def _unique(trace: Trace) -> dict[str, Span]:
    """Spans by id; ``InputError`` on a repeated id."""
    spans = {span.span_id: span for span in trace.spans}
    if len(spans) != len(trace.spans):
        seen: set[str] = set()
        for span in trace.spans:
            if span.span_id in seen:
                raise InputError(
                    "duplicate span id in one trace", record=f"trace {trace.trace_id} span {span.span_id}",
                    field="span_id",
                )
            seen.add(span.span_id)
    return spans


def _walk(roots: list[str], children: dict[str, list[str]], parent_of: dict[str, str | None]
          ) -> tuple[list[str], dict[str, int], list[tuple[str, list[str]]]]:
    """Pre-order and depth of every span reachable from ``roots``, and ``(span id, children)``
    of each span with children, in pre-order."""
    order: list[str] = []
    depth: dict[str, int] = {None: -1}  # type: ignore[dict-item]  # a root's "parent"
    parents: list[tuple[str, list[str]]] = []
    stack = roots[::-1]
    get = children.get
    while stack:
        sid = stack.pop()
        order.append(sid)
        depth[sid] = depth[parent_of[sid]] + 1
        kids = get(sid)
        if kids:
            parents.append((sid, kids))
            stack.extend(reversed(kids))
    del depth[None]  # type: ignore[arg-type]
    return order, depth, parents


def build_tree(trace: Trace) -> TraceTree:
    """Build the :class:`TraceTree` of ``trace``; raise ``InputError`` on a parent cycle."""
    spans = _unique(trace)
    children: dict[str, list[str]] = {}
    parent_of: dict[str, str | None] = {}
    roots: list[str] = []
    orphans: list[str] = []
    # one sort by (start, end, id): every children list, the roots and orphans come out in that order
    for span in sorted(trace.spans, key=_ORDER):
        sid, parent = span.span_id, span.parent_span_id
        if parent is not None and parent in spans:
            parent_of[sid] = parent
            kids = children.get(parent)
            if kids is None:
                children[parent] = [sid]
            else:
                kids.append(sid)
        else:
            parent_of[sid] = None
            roots.append(sid)
            if parent is not None:
                orphans.append(sid)
    order, depth, parents = _walk(roots, children, parent_of)
    if len(order) != len(spans):
        stuck = sorted(set(spans) - set(depth))
        raise InputError(
            f"parent links form a cycle through spans {', '.join(stuck[:6])}",
            record=f"trace {trace.trace_id}", field="parent_span_id",
        )
    return TraceTree(trace, spans, roots, orphans, children, parent_of, depth, order, parents)
