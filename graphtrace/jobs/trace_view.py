"""The trace view of the web UI and of ``analyze --format html``: one plain dict per trace.

:func:`trace_view` analyses a trace (``analyze_tree``) and adds what the waterfall needs per
span beyond ``analyze --format json``: its critical-path sections, its anomalies (indexes into
the trace's list), its attributes, events and links, and its client/server pairs (indexes into
the trace's ``calls``, whose ``client``/``server`` are span indexes).  Keys with nothing to say
are left out of a span (``status`` when UNSET, empty ``sections``, ``anomalies``, ``calls``,
``attributes``, ``events``, ``links``, ``status_message``): the UI fills them in.  Times of
spans, sections and events are ns *from the trace start* (the view's ``start_ns`` is absolute),
so the browser never handles 19-digit epochs (a JavaScript number is exact only to 2^53).

Spans come in tree pre-order (each subtree is one contiguous run, which the UI uses to
collapse a subtree without walking it); ``parent`` is the parent's index, -1 for a root.
Every loop is iterative: a 10^4-deep trace is fine.

>>> from graphtrace.model import Span, Trace
>>> mk = lambda i, p, s, e, kind="INTERNAL": Span(trace_id="ab", span_id=i, parent_span_id=p, service="shop",
...                                                name=i, kind=kind, start_ns=s, end_ns=e)
>>> v = trace_view(Trace(trace_id="ab", spans=[mk("a", None, 100, 200), mk("b", "a", 110, 170)]))
>>> [(s["id"], s["parent"], s["start"], s["end"], s["self"], s["cp"], s["sections"]) for s in v["spans"]]
[('a', -1, 0, 100, 40, 40, [[0, 10], [70, 100]]), ('b', 0, 10, 70, 60, 60, [[10, 70]])]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from graphtrace.model import Diagnostic, Span, Trace


def _calls(tree: Any, index: dict[str, int]) -> tuple[list[dict[str, Any]], dict[str, list[int]]]:
    """The trace's remote calls (client and server as span indexes) and span id -> its calls' indexes."""
    from graphtrace.analysis.gaps import client_server_pairs

    calls: list[dict[str, Any]] = []
    of_span: dict[str, list[int]] = {}
    for call in client_server_pairs(tree):
        of_span.setdefault(call.client_span_id, []).append(len(calls))
        of_span.setdefault(call.server_span_id, []).append(len(calls))
        calls.append({"client": index[call.client_span_id], "server": index[call.server_span_id],
                      "operation": call.operation, "gap_ns": call.gap_ns, "before_ns": call.before_ns,
                      "after_ns": call.after_ns, "ratio": call.ratio, "inferred": call.inferred})
    return calls, of_span


def _span_extras(span: Span, t0: int) -> dict[str, Any]:
    """What only the details panel shows; empty values are left out (a 50,000-span view stays small)."""
    out: dict[str, Any] = {}
    if span.status_message:
        out["status_message"] = span.status_message
    if span.attributes:
        out["attributes"] = span.attributes
    if span.events:
        out["events"] = [{"name": e.name, "time": e.time_ns - t0, "attributes": e.attributes} for e in span.events]
    if span.links:
        out["links"] = [{"trace_id": k.trace_id, "span_id": k.span_id,
                         "ref_type": k.ref_type.value if k.ref_type else None, "attributes": k.attributes}
                        for k in span.links]
    return out


def trace_view(trace: Trace) -> dict[str, Any]:
    """The view document of one trace (see the module docstring); ``InputError`` on a bad tree.

    Built with CPython's cyclic GC paused throughout: the document's ~10 dicts and lists per span
    are no garbage, and rescanning them as they pile up was a third of a 50,000-span view's CPU.
    """
    from graphtrace.gcpause import gc_paused

    with gc_paused():
        return _view(trace)


def _view(trace: Trace) -> dict[str, Any]:
    from graphtrace.analysis.analyze import analyze_tree
    from graphtrace.analysis.tree import build_tree

    tree = build_tree(trace)
    report = analyze_tree(tree)
    t0 = report.start_ns
    index = {s.span_id: i for i, s in enumerate(report.spans)}
    calls, span_calls = _calls(tree, index)
    sections: dict[str, list[list[int]]] = {}
    for sec in report.critical_path:
        sections.setdefault(sec.span_id, []).append([sec.start_ns - t0, sec.end_ns - t0])
    marks: dict[str, list[int]] = {}
    for n, anomaly in enumerate(report.anomalies):
        for sid in anomaly.span_ids:
            marks.setdefault(sid, []).append(n)
    spans = []
    for r in report.spans:
        sid = r.span_id
        row = {"id": sid, "parent": index.get(r.parent_span_id, -1) if r.parent_span_id else -1,
               "service": r.service, "name": r.name, "kind": r.kind, "start": r.start_ns - t0, "end": r.end_ns - t0,
               "self": r.self_time_ns, "cp": r.critical_path_ns, "depth": r.depth}
        if r.status != "UNSET":
            row["status"] = r.status
        for key, table in (("sections", sections), ("anomalies", marks), ("calls", span_calls)):
            if sid in table:
                row[key] = table[sid]
        row.update(_span_extras(tree.spans[sid], t0))
        spans.append(row)
    return {
        "trace_id": report.trace_id, "start_ns": t0, "end_ns": report.end_ns, "duration_ns": report.duration_ns,
        "span_count": report.span_count, "services": report.services, "root_span_ids": report.root_span_ids,
        "narrative": report.narrative,
        "bottlenecks": [b.model_dump(mode="json") for b in report.bottlenecks],
        "anomalies": [a.model_dump(mode="json") for a in report.anomalies],
        "calls": calls, "spans": spans,
    }


def stored_trace_view(driver: Any, trace_id: str, *, database: str) -> dict[str, Any]:
    """:func:`trace_view` of one stored trace."""
    from graphtrace.jobs.serve_api import normalize_trace_id
    from graphtrace.store.read import load_trace

    return trace_view(load_trace(driver, normalize_trace_id(trace_id), database=database))


def stored_view_body(driver: Any, trace_id: str, *, database: str, cache: Any = None) -> tuple[bytes, bool]:
    """The JSON of :func:`stored_trace_view` (``GET /api/traces/{id}/view``) and whether it is gzipped.

    With a :class:`~graphtrace.jobs.view_cache.ViewCache`, a trace of at least ``cache.min_spans``
    spans is answered from the cache when its stored content is the one the cached view was made
    from, and its view is computed and cached (gzipped) otherwise.
    """
    import gzip

    import orjson

    from graphtrace.gcpause import gc_paused
    from graphtrace.jobs.serve_api import normalize_trace_id
    from graphtrace.jobs.view_cache import content_key
    from graphtrace.store.read import load_trace_props, trace_from_props

    tid = normalize_trace_id(trace_id)
    with gc_paused():
        props = load_trace_props(driver, tid, database=database)
    key = content_key(props) if cache is not None and len(props) >= cache.min_spans else None
    if key is not None and (hit := cache.get(tid, key)) is not None:
        return hit, True
    with gc_paused():
        body = orjson.dumps(trace_view(trace_from_props(tid, props)), option=orjson.OPT_NON_STR_KEYS)
    if key is None:
        return body, False
    packed = gzip.compress(body, compresslevel=1)
    cache.put(tid, key, packed)
    return packed, True


def html_report(files: Sequence[str | Path], *, read_options: dict[str, Any], trace_id: str | None,
                limit: int | None, strict: bool,
                progress: Callable[[str, int, int | None], None] | None = None) -> str:
    """``analyze FILE --format html``: one self-contained HTML page with the waterfall of each trace."""
    from graphtrace.jobs.analyze import analysed_reports, check_outcome
    from graphtrace.readers import read_traces
    from graphtrace.render.html import render_html

    stream = read_traces(list(files), strict=strict, **read_options)
    failed: list[Diagnostic] = []
    views: list[dict[str, Any]] = []
    for view in analysed_reports(iter(stream), trace_view, trace_id=trace_id, limit=limit, strict=strict,
                                 skipped=failed):
        views.append(view)
        if progress is not None:
            progress("analyse", len(views), None)
    skipped = [*stream.skipped, *failed]
    check_outcome([str(f) for f in files], len(views), trace_id, strict, skipped, failed)
    return render_html(views, title=_title(files), notes=_notes(stream.warnings, skipped))


def _title(files: Iterable[str | Path]) -> str:
    names = [Path(str(f)).name for f in files]
    return "graphtrace report: " + ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")


def _notes(warnings: Iterable[Diagnostic], skipped: Iterable[Diagnostic]) -> list[str]:
    return [f"warning: {d.text}" for d in warnings] + [f"skipped: {d.text}" for d in skipped]
