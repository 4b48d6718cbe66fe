"""The span tree of one trace, as a networkx DiGraph (parent -> child).

A span whose parent is absent from the trace is an extra *root* and is
reported as an *orphan*.  A cycle in parent links is an input error for that
trace: it raises :class:`~graphtrace.errors.InputError`, it never hangs.

>>> from graphtrace.model import Span, Trace
>>> mk = lambda i, p, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=s, end_ns=e)
>>> tree = build_tree(Trace(trace_id="t", spans=[mk("a", None, 0, 10), mk("b", "a", 1, 4),
...                                              mk("c", "a", 5, 9), mk("d", "zz", 2, 3)]))
>>> tree.roots, tree.orphans, tree.children("a"), tree.depth("c")
(['a', 'd'], ['d'], ['b', 'c'], 1)
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import networkx as nx

from graphtrace.errors import InputError
from graphtrace.model import Span, Trace


@dataclass
class TraceTree:
    """A trace's spans arranged as a forest.

    ``graph`` has one node per span id (attribute ``span``) and one edge per
    parent link (attribute ``ref_type``).  ``roots`` are ordered by start time;
    ``orphans`` are the roots that name a parent the trace does not contain.
    """

    trace: Trace
    graph: nx.DiGraph
    spans: dict[str, Span]
    roots: list[str]
    orphans: list[str]
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _depth: dict[str, int] = field(default_factory=dict, repr=False)

    def span(self, span_id: str) -> Span:
        return self.spans[span_id]

    def children(self, span_id: str) -> list[str]:
        """Child span ids ordered by (start, end, id)."""
        return self._children.get(span_id, [])

    def parent(self, span_id: str) -> str | None:
        preds = list(self.graph.predecessors(span_id))
        return preds[0] if preds else None

    def depth(self, span_id: str) -> int:
        """0 for a root, 1 for its children, and so on."""
        return self._depth[span_id]

    def preorder(self) -> list[str]:
        """Every span id, depth first, roots and children in start order."""
        out: list[str] = []
        stack = list(reversed(self.roots))
        while stack:
            sid = stack.pop()
            out.append(sid)
            stack.extend(reversed(self.children(sid)))
        return out


def _order(spans: dict[str, Span], ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda i: (spans[i].start_ns, spans[i].end_ns, i))


def build_tree(trace: Trace) -> TraceTree:
    """Build the :class:`TraceTree` of ``trace``; raise ``InputError`` on a parent cycle."""
    spans: dict[str, Span] = {}
    for span in trace.spans:
        if span.span_id in spans:
            raise InputError(
                "duplicate span id in one trace", record=f"trace {trace.trace_id} span {span.span_id}",
                field="span_id",
            )
        spans[span.span_id] = span
    graph = nx.DiGraph()
    children: dict[str, list[str]] = {}
    roots: list[str] = []
    orphans: list[str] = []
    for sid, span in spans.items():
        graph.add_node(sid, span=span)
    for sid, span in spans.items():
        parent = span.parent_span_id
        if parent is not None and parent in spans:
            graph.add_edge(parent, sid, ref_type=span.ref_type)
            children.setdefault(parent, []).append(sid)
        else:
            roots.append(sid)
            if parent is not None:
                orphans.append(sid)
    for parent, kids in children.items():
        children[parent] = _order(spans, kids)
    roots = _order(spans, roots)
    depth: dict[str, int] = {}
    queue = deque((r, 0) for r in roots)
    while queue:
        sid, d = queue.popleft()
        depth[sid] = d
        queue.extend((c, d + 1) for c in children.get(sid, ()))
    if len(depth) != len(spans):
        stuck = sorted(set(spans) - set(depth))
        raise InputError(
            f"parent links form a cycle through spans {', '.join(stuck[:6])}",
            record=f"trace {trace.trace_id}", field="parent_span_id",
        )
    return TraceTree(trace, graph, spans, roots, _order(spans, orphans), children, depth)
