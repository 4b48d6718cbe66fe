"""Compare Neo4j's answers with the in-memory (networkx) engine, trace by trace.

For each trace, the spans are read back from Neo4j (:mod:`graphtrace.store.read`),
analysed in memory (:mod:`graphtrace.analysis`), and compared with

* the per-trace Cypher recipes whose ``agrees-with`` header names an in-memory twin
  (:func:`declared_twins`): today ``call-tree`` (pre-order, depth, self time,
  critical-path time, on-path flag), ``self-time``, ``critical-path`` (sections)
  and ``bottlenecks``;
* the properties written by the ``annotate`` maintenance recipe
  (``Span.self_ns``, ``cp_ns``, ``on_cp``, ``depth``, ``Trace.annotated``);
* the ``REMOTE_CALL`` relationships written at ingest (vs ``client_server_pairs``);
* the ``PARENT_OF`` edges (one per span whose parent is stored: :mod:`graphtrace.jobs.check_store`);
* across traces, the ``slow-edges`` recipe vs ``analysis.edges.EdgeCollector`` (what ``edge_stats`` uses),
  fed one trace at a time so memory follows the calls, not the spans.

Traces are handled in chunks of ``_CHUNK``: one query per chunk reads the
spans, one the annotations, one the remote calls, and one per per-trace recipe
(:class:`graphtrace.recipes.batch.BatchedRecipe`: the built-in body, its
``$trace_id`` bound per trace inside ``CALL``, its query type checked once).
The next chunk is read on ``_WORKERS`` threads while this one is compared, so
at most two chunks are in memory.

Every difference becomes a :class:`Disagreement`; nothing is printed here.  The parts, one concept
each: :mod:`~graphtrace.jobs.check_report` (the report and the comparison of one quantity),
:mod:`~graphtrace.jobs.check_trace` (one trace against the engine), :mod:`~graphtrace.jobs.check_recipes`
(the recipes compared, and the edge statistics), :mod:`~graphtrace.jobs.check_store` (the graph's
structure) and :mod:`~graphtrace.jobs.check_diagnose`; this module reads the chunks and runs them.

>>> CheckReport(traces_checked=1).ok
True
>>> Disagreement(trace_id="t", span_id="a", quantity="self_ns", neo4j=3, networkx=4).text
't: span a: self_ns: neo4j 3, networkx 4'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, NamedTuple

import neo4j

from graphtrace.analysis.edges import EdgeCollector
from graphtrace.errors import InputError
from graphtrace.jobs.check_recipes import PER_TRACE, CheckRecipes, check_edges, declared_twins, recipe_params
from graphtrace.jobs.check_report import CheckReport, Disagreement
from graphtrace.jobs.check_store import missing_traces, parent_edge_problems, read_rows
from graphtrace.jobs.check_trace import check_trace
from graphtrace.model import Trace
from graphtrace.store.queries import ANNOTATIONS, PARENT_EDGE_ANOMALIES, REMOTE_CALLS
from graphtrace.store.read import iter_traces, list_trace_ids

__all__ = ["CheckReport", "Disagreement", "check", "check_trace", "check_traces", "declared_twins"]

_CHUNK = 200  # traces per query; two chunks at most are held at a time
_WORKERS = 3  # concurrent reads of one chunk (the server runs them in parallel)
PHASE = "checking traces"
Progress = Callable[[str, int, "int | None"], None]
"""``progress(phase, done, total)``: the progress convention."""


class _Chunk(NamedTuple):
    """Everything Neo4j says about one chunk of traces."""

    trace_ids: list[str]
    traces: list[Trace]
    annotated: dict[str, dict[str, Any]]
    calls: dict[str, list[dict[str, Any]]]
    rows: dict[str, dict[str, list[dict[str, Any]]]]  # recipe -> trace id -> rows
    parents: dict[str, list[dict[str, Any]]]  # trace id -> spans whose PARENT_OF edges look wrong


def _by_trace(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["trace_id"], []).append(row)
    return out


def _submit(pool: ThreadPoolExecutor, recipes: CheckRecipes, ids: list[str]) -> dict[str, Future]:
    """Start every read of one chunk; the server runs them side by side."""
    driver, db, t = recipes.driver, recipes.database, recipes.timeout_s
    jobs = {name: pool.submit(rec.rows, ids, **recipe_params(name)) for name, rec in recipes.per_trace.items()}
    jobs["traces"] = pool.submit(lambda: list(iter_traces(driver, database=db, trace_ids=ids, batch=len(ids),
                                                          timeout_s=t)))
    jobs["annotated"] = pool.submit(lambda: {r["trace_id"]: r for r in read_rows(driver, ANNOTATIONS, db, t,
                                                                                 trace_ids=ids)})
    jobs["calls"] = pool.submit(lambda: _by_trace(read_rows(driver, REMOTE_CALLS, db, t, trace_ids=ids)))
    jobs["parents"] = pool.submit(lambda: _by_trace(read_rows(driver, PARENT_EDGE_ANOMALIES, db, t, trace_ids=ids)))
    return jobs


def _collect(ids: list[str], jobs: dict[str, Future]) -> _Chunk:
    got = {key: job.result() for key, job in jobs.items()}
    return _Chunk(ids, got["traces"], got["annotated"], got["calls"], {name: got[name] for name in PER_TRACE},
                  got["parents"])


def _chunks(recipes: CheckRecipes, ids: list[str]) -> Iterable[_Chunk]:
    """The chunks in order, the next one read while the caller checks the current one."""
    if not ids:
        return
    starts = range(0, len(ids), _CHUNK)
    with ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="graphtrace-check") as pool:
        pending = _submit(pool, recipes, ids[:_CHUNK])
        for start in starts:
            chunk_ids, jobs = ids[start:start + _CHUNK], pending
            after = ids[start + _CHUNK:start + 2 * _CHUNK]
            ready = _collect(chunk_ids, jobs)
            pending = _submit(pool, recipes, after) if after else {}
            yield ready


def _check_chunk(chunk: _Chunk, report: CheckReport, edges: EdgeCollector, progress: Progress | None,
                 total: int) -> None:
    found = set()
    for trace in chunk.traces:
        tid = trace.trace_id
        found.add(tid)
        rows = {name: chunk.rows[name].get(tid, []) for name in PER_TRACE}
        edges.add(check_trace(trace, rows, chunk.annotated.get(tid), chunk.calls.get(tid, []),
                              report.disagreements))
        for bad in parent_edge_problems(chunk.parents.get(tid, []), {tid: {s.span_id for s in trace.spans}}):
            report.disagreements.append(Disagreement(quantity="PARENT_OF edges from", **bad))
        report.traces_checked += 1
        report.spans_checked += len(trace.spans)
        if progress is not None:
            progress(PHASE, report.traces_checked, total)
    for missing in [t for t in chunk.trace_ids if t not in found]:
        report.disagreements.append(Disagreement(trace_id=missing, quantity="trace exists",
                                                 neo4j=False, networkx=None))


def _refuse_missing(missing: list[str], database: str) -> None:
    """``InputError`` naming the traces asked for that are not stored (the first five).

    >>> _refuse_missing([], "neo4j")
    >>> _refuse_missing([f"t{i}" for i in range(7)], "neo4j")
    Traceback (most recent call last):
    ...
    graphtrace.errors.InputError: database neo4j: trace t0, t1, t2, t3, t4 (and 2 more) not found
    """
    if missing:
        more = f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""
        raise InputError(f"trace {', '.join(missing[:5])}{more} not found", record=f"database {database}")


def check_traces(
    driver: neo4j.Driver,
    *,
    database: str,
    trace_ids: Iterable[str] | None = None,
    edge_window: tuple[int | None, int | None] | None = None,
    timeout_s: float | None = 120,
    progress: Progress | None = None,
) -> CheckReport:
    """Check ``trace_ids`` (default: every stored trace) and return the :class:`CheckReport`.

    The edge check compares whole-database statistics, so it runs when every
    trace is checked (``trace_ids=None``), or when ``edge_window=(since_ns,
    until_ns)`` is given: then the caller promises that the checked traces
    are the only ones with client spans in that window.  Traces are read and
    the per-trace recipes run ``_CHUNK`` traces per query (``timeout_s`` is per
    query, server-side), the next chunk while this one is compared.  A span whose
    ``PARENT_OF`` edges are not the one edge from its parent is a disagreement
    (:mod:`graphtrace.jobs.check_store`); a trace in ``trace_ids`` that is not stored
    raises ``InputError`` ("not found").  ``progress(PHASE, traces checked, traces to check)``
    follows the traces (the progress convention).
    Example (needs a server)::

        report = check_traces(driver, database="neo4j", trace_ids=["971a6595..."])
    """
    ids = list_trace_ids(driver, database=database) if trace_ids is None else list(dict.fromkeys(trace_ids))
    if trace_ids is not None:
        _refuse_missing(missing_traces(driver, ids, database=database, timeout_s=timeout_s), database)
    report = CheckReport()
    recipes = CheckRecipes(driver, database, timeout_s)
    if ids:
        report.notes.extend(recipes.prepare(ids[0]))
    since, until = edge_window or (None, None)
    edges = EdgeCollector(since, until)  # per-call figures only: memory does not grow with the spans
    for chunk in _chunks(recipes, ids):
        _check_chunk(chunk, report, edges, progress, len(ids))
    if trace_ids is None or edge_window is not None:
        report.edges_checked = check_edges(recipes, edges, report.disagreements)
    else:
        report.notes.append("edge statistics not compared: they cover the whole database (use --all)")
    if trace_ids is None:  # diagnose-owned vs graphtrace.analysis.owned, over every stored trace
        from graphtrace.jobs.check_diagnose import check_diagnose
        report.disagreements.extend(Disagreement(trace_id=None, **d)
                                    for d in check_diagnose(driver, database=database, timeout_s=timeout_s))
        from graphtrace.jobs.check_rollups import rollup_disagreements  # rollup recipes vs exact (docs/rollups.md)
        found, note = rollup_disagreements(driver, database=database)
        report.disagreements.extend(Disagreement(trace_id=None, **d) for d in found)
        report.notes.extend([note] if note else [])
    return report


def check(trace_ids: Iterable[str] | None = None, settings: Any = None, *,
          timeout_s: float | None = 120) -> CheckReport:
    """``graphtrace check`` for a Python caller: :func:`check_traces` on the database of ``settings``
    (default: as the CLI resolves them); every stored trace when ``trace_ids`` is None."""
    from graphtrace.jobs.settings import resolve_settings
    from graphtrace.store.connection import connect

    settings = settings or resolve_settings()
    with connect(settings) as driver:
        return check_traces(driver, database=settings.database, trace_ids=trace_ids, timeout_s=timeout_s)
