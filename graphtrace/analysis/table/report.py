"""The report of one trace from the columnar engine: :class:`TableReport`, the twin of ``TraceReport``.

:func:`table_report` assembles what the kernels computed (self time and critical-path time by row,
the critical path's sections, the bottlenecks, the anomalies) into a :class:`TableReport`: every field
of :class:`~graphtrace.analysis.report.TraceReport`, but the span rows and the critical path's sections
kept as columns (lists of ``str``, numpy arrays of ints, in tree pre-order), not one object per span.
``TableReport.model_dump(mode="json")`` equals ``analyze_trace(trace).model_dump(mode="json")``
(same keys, same order, same types); :meth:`TableReport.head` and :meth:`TableReport.tables` give the
JSON writer (``graphtrace.render.json.report_body_columns``) the same document a few thousand rows at a
time.  The narrative is :func:`~graphtrace.analysis.narrative.narrate`'s, given only the spans it reads.

>>> import numpy as np
>>> from graphtrace.model import Span, Trace
>>> from graphtrace.spantable import from_trace
>>> from graphtrace.analysis.table.tree import table_tree
>>> mk = lambda i, p, s, e: Span(trace_id="ab", span_id=i, parent_span_id=p, service="shop",
...                              name=i, start_ns=s, end_ns=e)
>>> tree = table_tree(from_trace(Trace(trace_id="ab", spans=[mk("a", None, 0, 100), mk("b", "a", 10, 70)])))
>>> ns = np.array([40, 60])
>>> sections = (np.array([0, 1, 0]), np.array([0, 10, 70]), np.array([10, 70, 100]))
>>> r = table_report(tree, ns, ns, sections, [], [])
>>> r.duration_ns, [(s["span_id"], s["depth"], s["self_time_ns"]) for s in r.model_dump()["spans"]]
(100, [('a', 0, 40), ('b', 1, 60)])
>>> r.narrative
"shop's a took 0.00 ms over 2 spans in 1 service (shop). No span reported an error. With no errors and no latency anomaly, nothing here points to a problem."
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, NamedTuple

import numpy as np

from graphtrace.analysis.narrative import narrate
from graphtrace.analysis.report import Anomaly, Bottleneck, SpanReport, build
from graphtrace.analysis.table.bottlenecks import trace_bounds
from graphtrace.analysis.table.tree import TableTree
from graphtrace.spantable import ERROR, KINDS, STATUSES

CHUNK = 4096
"""Rows per chunk handed to the JSON writer (a few thousand dicts alive at once, never a whole trace)."""
SPAN_FIELDS: tuple[str, ...] = tuple(SpanReport.model_fields)
SECTION_FIELDS = ("span_id", "start_ns", "end_ns")


def _rows(chunk: dict[str, list[Any]]) -> Iterator[dict[str, Any]]:
    keys = tuple(chunk)
    for values in zip(*chunk.values()):
        yield dict(zip(keys, values))


@dataclass(eq=False)
class SpanColumns:
    """The 12 fields of ``SpanReport`` for every span, in tree pre-order (entry ``k`` = ``k``-th span).

    ``service`` and ``kind``/``status`` are codes (into ``services`` and
    :data:`~graphtrace.spantable.KINDS`/:data:`~graphtrace.spantable.STATUSES`); the int columns are
    int64 arrays; ``duration_ns`` is ``end_ns - start_ns``.
    """

    span_id: list[str]
    parent_span_id: list[str | None]
    service: np.ndarray
    services: list[str]
    name: list[str]
    kind: np.ndarray
    start_ns: np.ndarray
    end_ns: np.ndarray
    self_time_ns: np.ndarray
    critical_path_ns: np.ndarray
    depth: np.ndarray
    status: np.ndarray

    def __len__(self) -> int:
        return len(self.span_id)

    def chunks(self, size: int = CHUNK, start: int = 0, stop: int | None = None
               ) -> Iterator[dict[str, list[Any]]]:
        """Plain columns (``SpanReport``'s field order, Python ints and strs) of ``size`` rows at a time,
        from the ``start``-th span to before the ``stop``-th (the end by default)."""
        services, kinds, statuses = self.services.__getitem__, KINDS.__getitem__, STATUSES.__getitem__
        stop = len(self) if stop is None else stop
        for a in range(start, stop, size):
            b = min(a + size, stop)
            start_ns, end_ns = self.start_ns[a:b], self.end_ns[a:b]
            yield {
                "span_id": self.span_id[a:b], "parent_span_id": self.parent_span_id[a:b],
                "service": list(map(services, self.service[a:b].tolist())), "name": self.name[a:b],
                "kind": list(map(kinds, self.kind[a:b].tolist())),
                "start_ns": start_ns.tolist(), "end_ns": end_ns.tolist(),
                "duration_ns": (end_ns - start_ns).tolist(), "self_time_ns": self.self_time_ns[a:b].tolist(),
                "critical_path_ns": self.critical_path_ns[a:b].tolist(), "depth": self.depth[a:b].tolist(),
                "status": list(map(statuses, self.status[a:b].tolist())),
            }

    def report(self, k: int) -> SpanReport:
        """The ``SpanReport`` of the ``k``-th span (pre-order)."""
        return build(SpanReport, next(_rows(next(self.chunks(1, k, k + 1)))))


@dataclass(eq=False)
class SectionColumns:
    """The critical path's sections (``Section``: span id, start, end), in path order."""

    span_id: list[str]
    start_ns: np.ndarray
    end_ns: np.ndarray

    def __len__(self) -> int:
        return len(self.span_id)

    def chunks(self, size: int = CHUNK) -> Iterator[dict[str, list[Any]]]:
        """Plain columns (``Section``'s field order) of ``size`` sections at a time."""
        for a in range(0, len(self), size):
            b = a + size
            yield {"span_id": self.span_id[a:b], "start_ns": self.start_ns[a:b].tolist(),
                   "end_ns": self.end_ns[a:b].tolist()}


@dataclass(eq=False)
class TableReport:
    """One trace's report: ``TraceReport``'s fields in its order, ``spans`` and ``critical_path`` as columns."""

    trace_id: str
    root_span_ids: list[str]
    start_ns: int
    end_ns: int
    duration_ns: int
    span_count: int
    services: list[str]
    spans: SpanColumns
    critical_path: SectionColumns
    bottlenecks: list[Bottleneck]
    anomalies: list[Anomaly]
    narrative: str

    def head(self) -> dict[str, Any]:
        """``model_dump(mode="json")`` with ``spans``, ``critical_path`` and ``anomalies`` empty
        (:meth:`tables` fills them)."""
        return {
            "trace_id": self.trace_id, "root_span_ids": list(self.root_span_ids), "start_ns": self.start_ns,
            "end_ns": self.end_ns, "duration_ns": self.duration_ns, "span_count": self.span_count,
            "services": list(self.services), "spans": [], "critical_path": [],
            "bottlenecks": [b.model_dump(mode="json") for b in self.bottlenecks],
            "anomalies": [], "narrative": self.narrative,
        }

    def tables(self, size: int = CHUNK) -> dict[str, Iterator[dict[str, list[Any]]]]:
        """The chunks of the list fields that can be long (one entry per span or more), as columns,
        by field name in the report's order: the span rows, the sections, the anomalies (a chain of
        10^6 spans can have 333,333 clock-skew anomalies: dumped a chunk at a time too)."""
        return {"spans": self.spans.chunks(size), "critical_path": self.critical_path.chunks(size),
                "anomalies": _anomaly_chunks(self.anomalies, size)}

    def model_dump(self, mode: str = "json") -> dict[str, Any]:
        """The report as ``TraceReport.model_dump(mode="json")`` gives it (one dict per span: for
        text, Markdown and tests; the JSON writer uses :meth:`head` and :meth:`tables`)."""
        out = self.head()
        for field, chunks in self.tables().items():
            out[field] = [row for chunk in chunks for row in _rows(chunk)]
        return out


def _anomaly_chunks(anomalies: Sequence[Anomaly], size: int) -> Iterator[dict[str, list[Any]]]:
    """``Anomaly.model_dump(mode="json")`` of ``size`` anomalies at a time, as columns."""
    fields = tuple(Anomaly.model_fields)
    for a in range(0, len(anomalies), size):
        dumps = [x.model_dump(mode="json") for x in anomalies[a:a + size]]
        yield {f: [d[f] for d in dumps] for f in fields}


class _Stub(NamedTuple):
    span_id: object
    status: str


_HIDDEN = object()  # the span id of a failed span narrate only counts: equal to no real id
_LOOKED_UP = ("client_server_gap", "error_origin")  # the anomalies whose first span narrate labels


class _NarratedSpans:
    """What :func:`narrate` reads of ``report.spans``, iterable as often as it likes: the full
    ``SpanReport`` of the spans it labels, the id and status of the other roots (it counts them), and
    one id-less ERROR stub per other failed span (it counts those too)."""

    def __init__(self, full: list[SpanReport], roots: list[_Stub], hidden_errors: int) -> None:
        self.full, self.roots, self.hidden_errors = full, roots, hidden_errors

    def __iter__(self) -> Iterator[Any]:
        yield from self.full
        yield from self.roots
        stub = _Stub(_HIDDEN, STATUSES[ERROR])
        for _ in range(self.hidden_errors):
            yield stub


def _narrative(tree: TableTree, spans: SpanColumns, fields: dict[str, Any]) -> str:
    """:func:`narrate` of the report, given only the spans it looks up (see :class:`_NarratedSpans`)."""
    table = tree.table
    wanted = {a.span_ids[0] for a in fields["anomalies"] if a.type in _LOOKED_UP and a.span_ids}
    rank_pre = np.empty(table.n, dtype=np.int64)  # row -> place in pre-order
    rank_pre[tree.preorder] = np.arange(table.n, dtype=np.int64)
    full_rows = {int(tree.roots[0])} if len(tree.roots) else set()
    if wanted:
        full_rows.update(i for i, sid in enumerate(table.span_id) if sid in wanted)
    full = [spans.report(int(rank_pre[r])) for r in sorted(full_rows)]
    ids, status = table.span_id, table.status
    roots = [_Stub(ids[r], STATUSES[status[r]]) for r in tree.roots.tolist() if r not in full_rows]
    failed = np.zeros(table.n, dtype=bool)
    failed[status == ERROR] = True
    failed[list(full_rows)] = False
    failed[tree.roots] = False
    stand_in = SimpleNamespace(**fields, spans=_NarratedSpans(full, roots, int(failed.sum())))
    return narrate(stand_in)  # type: ignore[arg-type]


def _span_columns(tree: TableTree, self_ns: np.ndarray, cp_ns: np.ndarray) -> SpanColumns:
    table, pre = tree.table, tree.preorder
    take = pre.tolist()
    ids, parents, names = table.span_id, table.parent_span_id, table.name
    return SpanColumns(
        span_id=[ids[i] for i in take], parent_span_id=[parents[i] for i in take],
        service=table.service[pre], services=table.services, name=[names[i] for i in take],
        kind=table.kind[pre], start_ns=table.start_ns[pre], end_ns=table.end_ns[pre],
        self_time_ns=np.asarray(self_ns, dtype=np.int64)[pre], critical_path_ns=np.asarray(cp_ns, dtype=np.int64)[pre],
        depth=tree.depth[pre], status=table.status[pre])


def table_report(tree: TableTree, self_ns: np.ndarray, cp_ns: np.ndarray,
                 sections: tuple[np.ndarray, np.ndarray, np.ndarray], bottlenecks: Sequence[Bottleneck],
                 anomalies: Sequence[Anomaly]) -> TableReport:
    """The :class:`TableReport` of ``tree`` from the kernels' results: ``self_ns``/``cp_ns`` by row,
    ``sections`` as ``(row, start_ns, end_ns)`` arrays in path order (see the module docstring)."""
    table = tree.table
    start, end = trace_bounds(tree)
    rows, s_start, s_end = sections
    ids = table.span_id
    fields: dict[str, Any] = {
        "trace_id": table.trace_id, "root_span_ids": [ids[r] for r in tree.roots.tolist()],
        "start_ns": start, "end_ns": end, "duration_ns": end - start, "span_count": table.n,
        "services": sorted({table.services[c] for c in np.unique(table.service).tolist()}),
        "bottlenecks": list(bottlenecks), "anomalies": list(anomalies),
    }
    spans = _span_columns(tree, self_ns, cp_ns)
    narrative = _narrative(tree, spans, fields)
    path = SectionColumns([ids[r] for r in np.asarray(rows).tolist()], np.asarray(s_start, dtype=np.int64),
                          np.asarray(s_end, dtype=np.int64))
    return TableReport(trace_id=fields["trace_id"], root_span_ids=fields["root_span_ids"], start_ns=start,
                       end_ns=end, duration_ns=end - start, span_count=table.n, services=fields["services"],
                       spans=spans, critical_path=path, bottlenecks=fields["bottlenecks"],
                       anomalies=fields["anomalies"], narrative=narrative)
