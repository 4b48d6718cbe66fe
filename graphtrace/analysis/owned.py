"""Owned latency: the critical-path time each service spends itself, per trace and per window.

A trace's critical-path time (:func:`graphtrace.analysis.critical_path.path_and_times`) splits
its duration among its spans with nothing counted twice.  Each span's share goes to one owner:

* **wire** of the edge ``caller -> callee operation`` when the span is the client side of a known
  remote call: a CLIENT span with a SERVER child, or a kind-less parent whose only child is a
  kind-less span of another service (an inferred call, :func:`graphtrace.model.call_type`).  Its
  critical-path time is the part of the client span not covered by the server: time on the wire
  (and in queues) between the two services.  A CLIENT with several SERVER children counts for
  the first one (earliest start, then span id).
* **processing** of ``service operation`` (the span's own name) otherwise: time inside the
  service that is not spent waiting on another service.  Slower calls further down are the
  callee's processing or the edge's wire, never the caller's.

**Errors** are counted where they start: a span with status ERROR none of whose children failed
(the ``error_origin`` rule).  Time off the critical path (asynchronous work, a parallel call that
finished early) is owned by nobody: it did not make the request slower.

A window is the traces whose first span starts in ``[since_ns, until_ns)``; :class:`WindowCollector`
sums each owner over them, with the per-trace sum of squares that the ranking
(:mod:`graphtrace.analysis.owned_rank`) needs for its noise estimate.  Its :meth:`~WindowCollector.rows`
are the rows the ``diagnose-owned`` recipe returns, so ``graphtrace check`` compares them directly.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.analysis.tree import build_tree
>>> mk = lambda i, p, svc, k, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, service=svc,
...                                      name=i, kind=k, start_ns=s, end_ns=e)
>>> parts = trace_parts(build_tree(Trace(trace_id="t", spans=[
...     mk("a", None, "web", "SERVER", 0, 10), mk("c", "a", "web", "CLIENT", 2, 9),
...     mk("b", "c", "db", "SERVER", 3, 8)])))
>>> parts.processing, parts.wire
({('web', 'a'): 3, ('db', 'b'): 5}, {('web', 'db', 'b'): 2})
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graphtrace.analysis.critical_path import path_and_times
from graphtrace.analysis.tree import TraceTree, build_tree
from graphtrace.model import KINDLESS, Span, Trace, call_type

Key = tuple[str, ...]
MS = 1_000_000
WINDOWS = ("baseline", "incident")
PARTS = ("requests", "processing", "wire", "errors")


@dataclass
class TraceParts:
    """One trace's owners: critical-path ns per processing ``(service, operation)`` and per wire
    ``(caller, callee, operation)``, error origins per ``(service, operation)``."""

    start_ns: int
    duration_ns: int
    processing: dict[Key, int] = field(default_factory=dict)
    wire: dict[Key, int] = field(default_factory=dict)
    errors: dict[Key, int] = field(default_factory=dict)


def wire_edge(tree: TraceTree, span: Span) -> Key | None:
    """The ``(caller, callee, operation)`` whose wire ``span`` is the client side of, or ``None``.

    >>> from graphtrace.model import Trace
    >>> from graphtrace.analysis.tree import build_tree
    >>> mk = lambda i, p, svc: Span(trace_id="t", span_id=i, parent_span_id=p, service=svc, name=i,
    ...                             start_ns=0, end_ns=9)
    >>> t = build_tree(Trace(trace_id="t", spans=[mk("a", None, "web"), mk("b", "a", "db")]))
    >>> wire_edge(t, t.span("a")), wire_edge(t, t.span("b"))
    (('web', 'db', 'b'), None)
    """
    kids = [tree.span(c) for c in tree.children(span.span_id)]
    kind = span.kind.value
    if kind == "CLIENT":
        servers = [k for k in kids if k.kind.value == "SERVER"]
        if not servers:
            return None
        first = min(servers, key=lambda k: (k.start_ns, k.span_id))
        return (span.service, first.service, first.name)
    if kind in KINDLESS and len(kids) == 1:
        child = kids[0]
        if call_type(kind, span.service, child.kind.value, child.service) == "inferred":
            return (span.service, child.service, child.name)
    return None


def _is_error_origin(tree: TraceTree, span: Span) -> bool:
    return span.is_error and not any(tree.span(c).is_error for c in tree.children(span.span_id))


def trace_parts(tree: TraceTree) -> TraceParts:
    """Split one trace's critical-path time among its owners (see the module docstring)."""
    spans = tree.spans.values()
    start = min(s.start_ns for s in spans)
    parts = TraceParts(start_ns=start, duration_ns=max(s.end_ns for s in spans) - start)
    _, cp = path_and_times(tree)
    for span in spans:
        ns = cp.get(span.span_id, 0)
        if ns:
            edge = wire_edge(tree, span)
            bucket, key = (parts.wire, edge) if edge else (parts.processing, (span.service, span.name))
            bucket[key] = bucket.get(key, 0) + ns
        if _is_error_origin(tree, span):
            key = (span.service, span.name)
            parts.errors[key] = parts.errors.get(key, 0) + 1
    return parts


@dataclass
class _Sum:
    traces: int = 0
    total: int = 0
    sumsq: float = 0.0

    def add(self, value: int, scale: float) -> None:
        self.traces += 1
        self.total += value
        self.sumsq += (value / scale) ** 2


class WindowCollector:
    """Sums :class:`TraceParts` over the traces starting in ``[since_ns, until_ns)`` (``None``: no bound).

    >>> from graphtrace.model import Span, Trace
    >>> c = WindowCollector("incident", 0, 100)
    >>> c.add(Trace(trace_id="t", spans=[Span(trace_id="t", span_id="a", service="web", name="GET",
    ...                                        start_ns=5, end_ns=2_000_005)]))
    >>> [(r["part"], r["service"], r["operation"], r["total"], r["sumsq"]) for r in c.rows()]
    [('requests', None, None, 2000000, 4.0), ('processing', 'web', None, 2000000, 4.0), \
('processing', 'web', 'GET', 2000000, 4.0)]
    """

    def __init__(self, window: str, since_ns: int | None, until_ns: int | None) -> None:
        self.window, self.since_ns, self.until_ns = window, since_ns, until_ns
        self.sums: dict[tuple[str, Key], _Sum] = {}

    def _in(self, start: int) -> bool:
        return (self.since_ns is None or start >= self.since_ns) and (self.until_ns is None or start < self.until_ns)

    def _add(self, part: str, key: Key, value: int, scale: float) -> None:
        self.sums.setdefault((part, key), _Sum()).add(value, scale)

    def add(self, item: Trace | TraceTree) -> None:
        """Count one trace when it starts in the window."""
        tree = item if isinstance(item, TraceTree) else build_tree(item)
        if not tree.spans or not self._in(min(s.start_ns for s in tree.spans.values())):
            return
        self.add_parts(trace_parts(tree))

    def add_parts(self, parts: TraceParts) -> None:
        """Count one trace's parts (the caller has checked the window)."""
        self._add("requests", (), parts.duration_ns, MS)
        for part, scale in (("processing", MS), ("errors", 1)):
            per: dict[str, int] = {}
            for (service, op), value in getattr(parts, part).items():
                per[service] = per.get(service, 0) + value
                self._add(part, (service, op), value, scale)
            for service, value in per.items():
                self._add(part, (service,), value, scale)
        for edge, value in parts.wire.items():
            self._add("wire", edge, value, MS)

    def rows(self) -> list[dict[str, Any]]:
        """The sums as ``diagnose-owned`` recipe rows, in its order."""
        return sort_rows([_row(self.window, part, key, acc) for (part, key), acc in self.sums.items()])


def _row(window: str, part: str, key: Key, acc: _Sum) -> dict[str, Any]:
    service = key[0] if key else None
    callee = key[1] if part == "wire" else None
    operation = key[2] if part == "wire" else (key[1] if len(key) > 1 else None)
    return {"window": window, "part": part, "service": service, "callee": callee, "operation": operation,
            "traces": acc.traces, "total": acc.total, "sumsq": acc.sumsq}


def sort_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows in the recipe's order: window, part (as in :data:`PARTS`), service, callee, operation;
    a missing name (a service-level row) first."""
    def key(r: dict[str, Any]) -> tuple:
        return (WINDOWS.index(r["window"]), PARTS.index(r["part"]),
                *[(r[k] is not None, r[k] or "") for k in ("service", "callee", "operation")])
    return sorted(rows, key=key)


def window_rows(trees: Iterable[Trace | TraceTree], windows: dict[str, tuple[int | None, int | None]]
                ) -> list[dict[str, Any]]:
    """The recipe rows of every window in ``windows`` (name -> ``(since_ns, until_ns)``) over ``trees``;
    a trace in two windows counts in both."""
    collectors = [WindowCollector(name, *bounds) for name, bounds in windows.items()]
    for item in trees:
        tree = item if isinstance(item, TraceTree) else build_tree(item)
        if not tree.spans:
            continue
        start = min(s.start_ns for s in tree.spans.values())
        wanted = [c for c in collectors if c._in(start)]
        if wanted:
            parts = trace_parts(tree)
            for c in wanted:
                c.add_parts(parts)
    return sort_rows(r for c in collectors for r in c.rows())
