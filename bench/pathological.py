"""Pathological (but legal) traces against a real Neo4j: deep chains, wide fan-outs, many roots.

Usage (from the repo root; uses NEO4J_URI or the local server of GRAPHTRACE_HOME; WRITES and then
deletes traces whose ids start with ``patho-``, nothing else):

    .venv/bin/python -m bench.pathological chain:1000 chain:4000 chain:20000 fanout:100000 roots:100000

Each shape is one trace: ``chain:N`` is N spans each the only child of the one before (every
third child sticks out of its parent by 1 us, so sanitising clips), ``fanout:N`` one root with
N - 1 children, ``roots:N`` N parentless spans.  For each: ``ingest`` (driver), ``annotate``,
and ``check`` of that trace (every per-trace recipe against networkx) with their wall times,
``check``'s disagreement count, and the peak RSS of the Neo4j process when it is the local
server.  ``--no-check`` skips check; ``--timeout S`` is check's per-query timeout.  Prints one
JSON line per shape.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from graphtrace.errors import GraphtraceError
from graphtrace.model import Span, SpanKind, Trace

SHAPES = ("chain", "fanout", "roots")
US = 1_000


def chain(trace_id: str, n: int) -> Trace:
    """Span i starts 1 us after span i-1 and ends 1 us before it; every third one ends 1 us *after*
    it (clipped by sanitising).  The root lasts long enough for every child to fit."""
    spans, start, end = [], 0, 4 * n * US
    for i in range(n):
        spans.append(Span(trace_id=trace_id, span_id=f"c{i}", parent_span_id=f"c{i - 1}" if i else None,
                          service=f"svc{i % 7}", name=f"op{i % 5}", kind=SpanKind.INTERNAL,
                          start_ns=start, end_ns=end))
        start += US
        end += US if i % 3 == 2 else -US
    return Trace(trace_id=trace_id, spans=spans)


def fanout(trace_id: str, n: int) -> Trace:
    """One SERVER root and n - 1 CLIENT children, staggered, a few sticking out at the end."""
    root = Span(trace_id=trace_id, span_id="r", service="front", name="GET /", kind=SpanKind.SERVER,
                start_ns=0, end_ns=n * US)
    kids = [Span(trace_id=trace_id, span_id=f"k{i}", parent_span_id="r", service="front", name=f"call{i % 9}",
                 kind=SpanKind.CLIENT, start_ns=i * US, end_ns=i * US + 5 * US) for i in range(1, n)]
    return Trace(trace_id=trace_id, spans=[root, *kids])


def roots(trace_id: str, n: int) -> Trace:
    """n parentless spans (e.g. a trace whose parents were never exported)."""
    return Trace(trace_id=trace_id, spans=[
        Span(trace_id=trace_id, span_id=f"o{i}", parent_span_id=f"missing{i}", service=f"svc{i % 11}",
             name="orphan", kind=SpanKind.SERVER, start_ns=i * US, end_ns=i * US + 3 * US) for i in range(n)])


def build(shape: str, n: int) -> Trace:
    """The named shape with ``n`` spans.

    >>> [len(build(s, 5).spans) for s in SHAPES]
    [5, 5, 5]
    """
    return {"chain": chain, "fanout": fanout, "roots": roots}[shape](f"patho-{shape}-{n}", n)


def _timed(fn):
    t0 = time.perf_counter()
    try:
        return fn(), round(time.perf_counter() - t0, 2), None
    except GraphtraceError as exc:
        return None, round(time.perf_counter() - t0, 2), str(exc)[:300]


def run_one(driver, database: str, shape: str, n: int, *, check: bool, timeout_s: float, pid) -> dict:
    """Ingest, annotate and check one pathological trace; delete it afterwards."""
    from bench.neo4j_stages import process_memory_mb
    from graphtrace.jobs.check import check_traces
    from graphtrace.recipes.annotate import annotate_traces
    from graphtrace.store.big_trace import delete_partial
    from graphtrace.store.ingest import ingest

    trace = build(shape, n)
    tid = trace.trace_id
    out: dict = {"shape": shape, "spans": n}
    with driver.session(database=database) as session:  # chunked: a 100,000-span trace in one
        delete_partial(session, tid)                      # transaction exceeds the memory pool
    try:
        summary, out["ingest_s"], out["ingest_error"] = _timed(lambda: ingest(driver, [trace], database=database))
        out["ingest_skipped"] = [d.message[:200] for d in summary.skipped] if summary else None
        done, out["annotate_s"], out["annotate_error"] = _timed(
            lambda: annotate_traces(driver, [tid], database=database))
        out["annotated_spans"] = done["spans"] if done else None
        if check:
            report, out["check_s"], out["check_error"] = _timed(
                lambda: check_traces(driver, database=database, trace_ids=[tid], timeout_s=timeout_s))
            out["check_disagreements"] = len(report.disagreements) if report else None
    finally:
        with driver.session(database=database) as session:
            delete_partial(session, tid)
    out.update(process_memory_mb(pid))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shapes", nargs="+", help="shape:spans, shape in " + ", ".join(SHAPES))
    parser.add_argument("--no-check", action="store_true")
    parser.add_argument("--timeout", type=float, default=600.0, help="check's per-query timeout (s)")
    args = parser.parse_args(argv)
    from bench.neo4j_stages import local_server_pid
    from graphtrace.jobs.settings import resolve_settings
    from graphtrace.store.connection import connect
    from graphtrace.store.schema import init_schema

    settings = resolve_settings()
    driver = connect(settings)
    init_schema(driver, database=settings.database)
    pid = local_server_pid(settings.uri)
    for item in args.shapes:
        shape, _, n = item.partition(":")
        if shape not in SHAPES or not n.isdigit():
            parser.error(f"not shape:spans: {item}")
        print(json.dumps(run_one(driver, settings.database, shape, int(n), check=not args.no_check,
                                 timeout_s=args.timeout, pid=pid)), flush=True)
    driver.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
