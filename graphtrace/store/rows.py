"""One trace as the rows of the store's statements, built before any transaction.

:func:`prepare` checks a trace (spans, one trace id, unique span ids) and builds
its :class:`Prepared` rows; both loaders use it, so they build the same graph:
the transactional one (:mod:`graphtrace.store.ingest`) and the neo4j-admin CSV
one (:mod:`graphtrace.store.bulk`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from graphtrace.errors import InputError
from graphtrace.model import Trace, call_type
from graphtrace.store.codec import link_rows, span_props


@dataclass
class Prepared:
    """One trace turned into statement rows (built before any transaction)."""

    trace_id: str
    spans: list[dict[str, Any]]
    services: set[str]
    edges: list[list[Any]]
    parents: list[dict[str, Any]]
    links: list[dict[str, Any]]
    props: dict[str, Any]
    file: str | None = None  # the input the trace was read from (for a skip message), when known


def _trace_props(trace: Trace) -> dict[str, Any]:
    """Aggregates of a whole trace; roots are spans whose parent is absent, by (start, end, id)."""
    ids = {s.span_id for s in trace.spans}
    start = min(s.start_ns for s in trace.spans)
    end = max(s.end_ns for s in trace.spans)
    roots = sorted(
        (s for s in trace.spans if s.parent_span_id is None or s.parent_span_id not in ids),
        key=lambda s: (s.start_ns, s.end_ns, s.span_id),
    )
    return {"start_ns": start, "end_ns": end, "duration_ns": end - start,
            "span_count": len(trace.spans), "root_span_ids": [s.span_id for s in roots]}


def prepare(trace: Trace) -> Prepared:
    """Check ``trace`` and build its rows; ``InputError`` when it cannot be stored.

    >>> from graphtrace.model import Span
    >>> p = prepare(Trace(trace_id="t", spans=[
    ...     Span(trace_id="t", span_id="c", kind="CLIENT", start_ns=0, end_ns=9),
    ...     Span(trace_id="t", span_id="s", parent_span_id="c", kind="SERVER", start_ns=2, end_ns=7)]))
    >>> p.props["root_span_ids"], [r["span_id"] for r in p.parents], p.edges
    (['c'], ['s'], [[0, 1, 'CHILD_OF', True, False, True]])
    """
    if not trace.spans:
        raise InputError("trace has no spans", record=f"trace {trace.trace_id}")
    seen: set[str] = set()
    spans, parents, links = [], [], []
    for span in trace.spans:
        where = f"trace {trace.trace_id} span {span.span_id}"
        if span.trace_id != trace.trace_id:
            raise InputError(f"span belongs to trace {span.trace_id}", record=where, field="trace_id")
        if span.span_id in seen:
            raise InputError("duplicate span id in one trace", record=where, field="span_id")
        seen.add(span.span_id)
        spans.append({"trace_id": span.trace_id, "service": span.service, "props": span_props(span)})
        if span.parent_span_id is not None:
            row = {"trace_id": span.trace_id, "span_id": span.span_id,
                   "parent_span_id": span.parent_span_id,
                   "ref_type": span.ref_type.value if span.ref_type else "CHILD_OF"}
            parents.append(row)
        if span.links:
            links.extend(link_rows(span.trace_id, span.span_id, span.links))
    index = {s.span_id: i for i, s in enumerate(trace.spans)}
    pairs = [(index[r["parent_span_id"]], index[r["span_id"]], r["ref_type"])
             for r in parents if r["parent_span_id"] in index]
    children = Counter(p for p, _, _ in pairs)
    edges = []
    for p, c, ref_type in pairs:  # [parent, child, ref_type, remote call?, inferred?, gap known?]
        ps, cs = trace.spans[p], trace.spans[c]
        call = call_type(ps.kind.value, ps.service, cs.kind.value, cs.service)
        edges.append([p, c, ref_type, call is not None, call == "inferred", call != "inferred" or children[p] == 1])
    return Prepared(trace.trace_id, spans, {s.service for s in trace.spans}, edges, parents,
                     links, _trace_props(trace))
