"""One trace's contribution to the per-minute rollups (docs/rollups.md).

A rollup *cell* is keyed by ``(kind, minute, service, callee, operation)`` (``""`` where a part does
not apply; ``minute`` = epoch ns // 60 s) and holds counts, a sum and latency sketches
(:mod:`graphtrace.analysis.sketch`, bucket -> count).  The kinds, and the span each is timed on:

* ``edge`` (caller, callee, operation): each remote call of
  :func:`graphtrace.analysis.gaps.client_server_pairs`, on the client span's start, exactly as
  :class:`graphtrace.analysis.edges.EdgeCollector` counts it (``slow-edges``): ``n`` calls, ``errors``
  (client or server ERROR), ``inferred``, ``unknown`` gaps, sketch ``d`` of the client duration and
  ``g`` of the known gaps; ``traces`` / ``cp_traces`` count the trace once, in the minute of its
  first call on the edge (of its first call on the critical path);
* ``op`` (service, -, name): every span, on its start (``compare-windows`` kind operation);
* ``service`` (service, -, -): the service's entry spans (SERVER, or kind-less with no parent in the
  same service), on their start (``compare-windows`` kind service);
* ``cp_op`` (service, -, name) and ``cp_svc`` (service, -, -): spans owning critical-path time
  (:func:`graphtrace.analysis.critical_path.walk`), in the minute of the *trace's* start as
  ``critical-path-hotspots`` windows on it: ``n`` spans, ``sum_ns`` their time, sketch ``d`` of it
  (its top bucket is ``max_cp_ns``), ``traces`` 1.

>>> from graphtrace.model import Span, Trace
>>> mk = lambda i, p, svc, kind, s, e: Span(trace_id="t", span_id=i, parent_span_id=p,
...     service=svc, name="Get", kind=kind, start_ns=s, end_ns=e)
>>> cells = contribution(Trace(trace_id="t", spans=[mk("r", None, "web", "SERVER", 0, 100),
...     mk("c", "r", "web", "CLIENT", 10, 90), mk("s", "c", "cart", "SERVER", 20, 70)]))
>>> e = cells[("edge", 0, "web", "cart", "Get")]
>>> e.n, e.traces, e.cp_traces, e.sum_ns, e.unknown
(1, 1, 1, 80, 0)
>>> sorted(k[2] for k in cells if k[0] == "service")
['cart', 'web']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphtrace.analysis.critical_path import critical_path_times, walk
from graphtrace.analysis.gaps import client_server_pairs
from graphtrace.analysis.sketch import bucket
from graphtrace.analysis.tree import build_tree
from graphtrace.model import KINDLESS, SpanKind, Trace

MINUTE_NS = 60_000_000_000
Key = tuple[str, int, str, str, str]


@dataclass
class Cell:
    """Counts of one rollup cell (see the module docstring for what each kind counts)."""

    n: int = 0
    errors: int = 0
    inferred: int = 0
    unknown: int = 0
    traces: int = 0
    cp_traces: int = 0
    sum_ns: int = 0
    d: dict[int, int] = field(default_factory=dict)
    g: dict[int, int] = field(default_factory=dict)

    def time(self, x: int) -> None:
        """Count one value of the main sketch (and its sum)."""
        self.n += 1
        self.sum_ns += x
        b = bucket(x)
        self.d[b] = self.d.get(b, 0) + 1


def minute(ns: int) -> int:
    """The epoch minute of ``ns``.

    >>> minute(0), minute(59_999_999_999), minute(60_000_000_000), minute(-1)
    (0, 0, 1, -1)
    """
    return ns // MINUTE_NS


def contribution(trace: Trace) -> dict[Key, Cell]:
    """Every cell this trace adds to (see the module docstring)."""
    cells: dict[Key, Cell] = {}
    tree = build_tree(trace)
    sections, reached = walk(tree)
    _edges(tree, reached, cells)
    _spans(trace, cells)
    _critical(trace, critical_path_times(sections), cells)
    return cells


def _edges(tree, reached: set[str], cells: dict[Key, Cell]) -> None:
    first: dict[tuple[str, str, str], int] = {}
    first_cp: dict[tuple[str, str, str], int] = {}
    for call in client_server_pairs(tree):
        client, server = tree.span(call.client_span_id), tree.span(call.server_span_id)
        edge = (call.caller, call.callee, call.operation)
        m = minute(client.start_ns)
        cell = cells.setdefault(("edge", m, *edge), Cell())
        cell.time(call.client_ns)
        if call.gap_ns is None:
            cell.unknown += 1
        else:
            b = bucket(call.gap_ns)
            cell.g[b] = cell.g.get(b, 0) + 1
        cell.inferred += call.inferred
        cell.errors += client.is_error or server.is_error
        if edge not in first or client.start_ns < first[edge]:
            first[edge] = client.start_ns
        if call.client_span_id in reached and (edge not in first_cp or client.start_ns < first_cp[edge]):
            first_cp[edge] = client.start_ns
    for edge, start in first.items():
        cells[("edge", minute(start), *edge)].traces += 1
    for edge, start in first_cp.items():
        cells[("edge", minute(start), *edge)].cp_traces += 1


def is_entry(kind: SpanKind, service: str, parent_service: str | None) -> bool:
    """A service's entry span: SERVER, or kind-less with no parent in the same service.

    >>> is_entry(SpanKind.SERVER, "a", "a"), is_entry(SpanKind.INTERNAL, "a", None), is_entry(SpanKind.INTERNAL, "a", "a")
    (True, True, False)
    """
    return kind is SpanKind.SERVER or (kind.value in KINDLESS and parent_service != service)


def _spans(trace: Trace, cells: dict[Key, Cell]) -> None:
    service_of = {s.span_id: s.service for s in trace.spans}
    for s in trace.spans:
        m, d = minute(s.start_ns), s.end_ns - s.start_ns
        op = cells.setdefault(("op", m, s.service, "", s.name), Cell())
        op.time(d)
        op.errors += s.is_error
        parent = service_of.get(s.parent_span_id) if s.parent_span_id else None
        if is_entry(s.kind, s.service, parent):
            entry = cells.setdefault(("service", m, s.service, "", ""), Cell())
            entry.time(d)
            entry.errors += s.is_error


def _critical(trace: Trace, times: dict[str, int], cells: dict[Key, Cell]) -> None:
    if not trace.spans:
        return
    m = minute(min(s.start_ns for s in trace.spans))
    seen: set[Key] = set()
    for s in trace.spans:
        cp = times.get(s.span_id, 0)
        if cp <= 0:
            continue
        for key in (("cp_op", m, s.service, "", s.name), ("cp_svc", m, s.service, "", "")):
            cell = cells.setdefault(key, Cell())
            cell.time(cp)
            if key not in seen:
                seen.add(key)
                cell.traces += 1


def add_cells(into: dict[Key, Cell], cells: dict[Key, Cell], sign: int = 1) -> None:
    """Add ``cells`` into ``into`` (``sign=-1``: take them away), key by key.

    >>> a = {("op", 0, "s", "", "x"): Cell(n=1, sum_ns=5, d={82: 1})}
    >>> add_cells(a, {("op", 0, "s", "", "x"): Cell(n=1, sum_ns=5, d={82: 1})}, sign=-1)
    >>> a[("op", 0, "s", "", "x")]
    Cell(n=0, errors=0, inferred=0, unknown=0, traces=0, cp_traces=0, sum_ns=0, d={}, g={})
    """
    for key, c in cells.items():
        t = into.setdefault(key, Cell())
        t.n += sign * c.n
        t.errors += sign * c.errors
        t.inferred += sign * c.inferred
        t.unknown += sign * c.unknown
        t.traces += sign * c.traces
        t.cp_traces += sign * c.cp_traces
        t.sum_ns += sign * c.sum_ns
        for mine, theirs in ((t.d, c.d), (t.g, c.g)):
            for b, k in theirs.items():
                left = mine.get(b, 0) + sign * k
                if left:
                    mine[b] = left
                else:
                    mine.pop(b, None)


def store_rows(cells: dict[Key, Cell]) -> list[dict]:
    """Plain dicts for :func:`graphtrace.store.rollups.apply_rollups`, sorted by key (a fixed lock order).

    >>> store_rows({("op", 3, "s", "", "x"): Cell(n=1, sum_ns=5, d={82: 1})})[0]["keys"]
    [82]
    """
    rows = []
    for key in sorted(cells):
        c = cells[key]
        rows.append({"kind": key[0], "minute": key[1], "service": key[2], "callee": key[3], "operation": key[4],
                     "n": c.n, "errors": c.errors, "inferred": c.inferred, "unknown": c.unknown,
                     "traces": c.traces, "cp_traces": c.cp_traces, "sum_ns": c.sum_ns,
                     "keys": sorted(c.d), "counts": [c.d[b] for b in sorted(c.d)],
                     "gkeys": sorted(c.g), "gcounts": [c.g[b] for b in sorted(c.g)]})
    return rows
