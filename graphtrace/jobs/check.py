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

Every difference becomes a :class:`Disagreement`; nothing is printed here.

>>> CheckReport(traces_checked=1).ok
True
>>> Disagreement(trace_id="t", span_id="a", quantity="self_ns", neo4j=3, networkx=4).text
't: span a: self_ns: neo4j 3, networkx 4'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import neo4j
from pydantic import BaseModel, Field

from graphtrace.analysis.bottlenecks import bottlenecks
from graphtrace.analysis.critical_path import critical_path, critical_path_times, on_path
from graphtrace.analysis.edges import EdgeCollector
from graphtrace.analysis.gaps import client_server_pairs
from graphtrace.analysis.self_time import self_times
from graphtrace.analysis.tree import TraceTree, build_tree
from graphtrace.model import Trace
from graphtrace.recipes.batch import BatchedRecipe
from graphtrace.recipes.catalog import builtin_dir, load_recipe
from graphtrace.recipes.header import Recipe
from graphtrace.recipes.run import run_recipe
from graphtrace.errors import InputError, RecipeError
from graphtrace.store.queries import ANNOTATIONS, PARENT_EDGE_ANOMALIES, REMOTE_CALLS
from graphtrace.store.read import iter_traces, list_trace_ids
from graphtrace.jobs.check_store import missing_traces, parent_edge_problems, read_rows

_GAP_FIELDS = ("caller", "callee", "operation", "gap_ns", "before_ns", "after_ns", "ratio", "inferred")
_EDGE_FIELDS = ("calls", "traces", "p50_ns", "p95_ns", "p99_ns", "gap_p50_ns", "gap_p95_ns", "gap_p99_ns",
                "errors", "error_rate", "cp_traces", "cp_share", "inferred_calls", "unknown_gaps")
_ALL_ROWS = 1_000_000_000
# The in-memory twins compared per trace, by the name a recipe declares in its ``agrees-with``
# header, and the columns each comparison reads (the rest are display columns).
_PER_TRACE = {
    "analyze_trace": ("span_id", "depth", "self_ns", "cp_ns", "on_cp"),
    "self_times": ("span_id", "self_ns", "children_ns"),
    "critical_path": ("span_id", "start_ns", "end_ns", "duration_ns"),
    "bottlenecks": ("span_id", "cp_ns", "self_ns", "share"),
}
_EDGES = "edge_stats"  # the cross-trace twin: compared over the whole database


def declared_twins(directory: Path | None = None) -> dict[str, Recipe]:
    """Twin name -> the built-in read recipe whose ``agrees-with`` header names it (the recipes this
    check runs); a twin that no recipe, or more than one, declares is a ``RecipeError``.

    >>> {twin: r.name for twin, r in declared_twins().items()}  # doctest: +NORMALIZE_WHITESPACE
    {'analyze_trace': 'call-tree', 'bottlenecks': 'bottlenecks', 'critical_path': 'critical-path',
     'edge_stats': 'slow-edges', 'self_times': 'self-time'}
    """
    found: dict[str, list[Recipe]] = {}
    for path in sorted((directory or builtin_dir()).glob("*.cypher")):
        recipe = load_recipe(path)
        if recipe.mode == "read" and recipe.agrees_with in (*_PER_TRACE, _EDGES):
            found.setdefault(recipe.agrees_with, []).append(recipe)
    for twin in (*_PER_TRACE, _EDGES):
        if len(found.get(twin, [])) != 1:
            names = [r.name for r in found.get(twin, [])]
            raise RecipeError(f"`graphtrace check` needs one read recipe with 'agrees-with: {twin}', found {names}",
                              field="agrees-with")
    return {twin: recipes[0] for twin, recipes in sorted(found.items())}
_CHUNK = 200  # traces per query; two chunks at most are held at a time
_WORKERS = 3  # concurrent reads of one chunk (the server runs them in parallel)


class Disagreement(BaseModel):
    """One quantity on which Neo4j and the in-memory engine differ."""

    trace_id: str | None
    span_id: str | None = None
    quantity: str
    neo4j: Any = None
    networkx: Any = None

    @property
    def text(self) -> str:
        where = [p for p in (self.trace_id, f"span {self.span_id}" if self.span_id else None) if p]
        return ": ".join([*where, self.quantity, f"neo4j {self.neo4j!r}, networkx {self.networkx!r}"])


class CheckReport(BaseModel):
    """What ``graphtrace check`` found; ``ok`` when there is no disagreement."""

    traces_checked: int = 0
    spans_checked: int = 0
    edges_checked: int | None = Field(default=None, description="None when the edge check did not run")
    disagreements: list[Disagreement] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.disagreements


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is None and b is None
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


class _Checker:
    """Collects disagreements for one trace."""

    def __init__(self, trace_id: str | None, out: list[Disagreement]) -> None:
        self.trace_id, self.out = trace_id, out

    def same(self, quantity: str, neo: Any, mem: Any, span_id: str | None = None) -> None:
        if not _same(neo, mem):
            self.out.append(Disagreement(trace_id=self.trace_id, span_id=span_id, quantity=quantity,
                                         neo4j=neo, networkx=mem))

    def per_span(self, quantity: str, neo: dict[str, Any], mem: dict[str, Any]) -> None:
        for sid in sorted(set(neo) | set(mem)):
            self.same(quantity, neo.get(sid), mem.get(sid), sid)


class _Recipes:
    """The built-in recipes the check runs (user overrides never replace what is being checked).

    The per-trace ones run many traces per query (:class:`BatchedRecipe`: the unchanged body
    with ``$trace_id`` bound per trace), their query type established once, before any thread
    uses them.
    """

    def __init__(self, driver: neo4j.Driver, database: str, timeout_s: float | None) -> None:
        self.driver, self.database, self.timeout_s = driver, database, timeout_s
        self.twins = declared_twins()
        self.per_trace = {twin: BatchedRecipe(driver, self.twins[twin], "trace_id",
                                              database=database, timeout_s=timeout_s, columns=columns)
                          for twin, columns in _PER_TRACE.items()}

    def prepare(self, trace_id: str) -> list[str]:
        """EXPLAIN each per-trace recipe once (read only? batchable?); return notes on unbatched ones."""
        for name, rec in self.per_trace.items():
            rec.prepare(trace_id, **_params(name))
        return [rec.note for rec in self.per_trace.values() if rec.note]

    def rows(self, twin: str, **params: Any) -> list[dict[str, Any]]:
        return run_recipe(self.driver, self.twins[twin], params, database=self.database,
                          timeout_s=self.timeout_s)[1]


def _params(name: str) -> dict[str, Any]:
    # bottlenecks: every row (at most one per span, like the engine's limit=len(spans))
    return {"limit": _ALL_ROWS} if name == "bottlenecks" else {}


def _check_call_tree(chk: _Checker, tree: TraceTree, rows: list[dict[str, Any]],
                     mem: dict[str, dict[str, Any]]) -> None:
    chk.same("call-tree pre-order", [r["span_id"] for r in rows], tree.preorder())
    for key in ("depth", "self_ns", "cp_ns", "on_cp"):
        chk.per_span(f"call-tree {key}", {r["span_id"]: r[key] for r in rows}, mem[key])


def _check_annotations(chk: _Checker, annotated: dict[str, Any] | None, mem: dict[str, dict[str, Any]]) -> None:
    if annotated is None:
        chk.same("annotated trace", None, True)
        return
    chk.same("Trace.annotated", annotated["annotated"], True)
    spans = annotated["spans"]
    for key in ("depth", "self_ns", "cp_ns", "on_cp"):
        chk.per_span(f"Span.{key} (annotate)", {s["span_id"]: s[key] for s in spans}, mem[key])


def _check_sections(chk: _Checker, rows: list[dict[str, Any]], sections: Sequence[Any]) -> None:
    neo = sorted((r["start_ns"], r["end_ns"], r["span_id"]) for r in rows)
    mem = sorted((s.start_ns, s.end_ns, s.span_id) for s in sections)
    for sec in sorted(set(neo) ^ set(mem)):
        chk.same("critical-path section [start_ns, end_ns]", [sec[0], sec[1]] if sec in neo else None,
                 [sec[0], sec[1]] if sec in mem else None, sec[2])
    if len(neo) != len(mem):
        chk.same("critical-path section count", len(neo), len(mem))
    bad = [r for r in rows if r["duration_ns"] != r["end_ns"] - r["start_ns"]]
    for r in bad:
        chk.same("critical-path duration_ns", r["duration_ns"], r["end_ns"] - r["start_ns"], r["span_id"])


def _check_bottlenecks(chk: _Checker, rows: list[dict[str, Any]], ranked: Sequence[Any]) -> None:
    chk.same("bottlenecks ranking", [r["span_id"] for r in rows], [b.span_id for b in ranked])
    mem = {b.span_id: b for b in ranked}
    for r in rows:
        b = mem.get(r["span_id"])
        if b is not None:
            chk.same("bottleneck cp_ns", r["cp_ns"], b.critical_path_ns, r["span_id"])
            chk.same("bottleneck self_ns", r["self_ns"], b.self_time_ns, r["span_id"])
            chk.same("bottleneck share", r["share"], b.share, r["span_id"])


def _check_self_time(chk: _Checker, rows: list[dict[str, Any]], tree: TraceTree, selfs: dict[str, int]) -> None:
    chk.per_span("self-time self_ns", {r["span_id"]: r["self_ns"] for r in rows}, selfs)
    durations = {sid: tree.span(sid).duration_ns for sid in tree.spans}
    chk.per_span("self-time children_ns", {r["span_id"]: r["children_ns"] for r in rows},
                 {sid: durations[sid] - selfs[sid] for sid in selfs})


def _check_gaps(chk: _Checker, rows: list[dict[str, Any]], tree: TraceTree) -> None:
    neo = {(r["client_span_id"], r["server_span_id"]): r for r in rows}
    mem = {(c.client_span_id, c.server_span_id): c.model_dump() for c in client_server_pairs(tree)}
    for key in sorted(set(neo) | set(mem)):
        n, m = neo.get(key), mem.get(key)
        label = f"{key[0]}->{key[1]}"
        if n is None or m is None:
            chk.same("REMOTE_CALL exists", n is not None, m is not None, label)
            continue
        for field in _GAP_FIELDS:
            chk.same(f"REMOTE_CALL {field}", n[field], m[field], label)


def _memory(tree: TraceTree) -> dict[str, Any]:
    selfs = self_times(tree)
    sections = critical_path(tree)
    cp = critical_path_times(sections)
    reached = on_path(tree)
    per_span = {
        "depth": {sid: tree.depth(sid) for sid in tree.spans},
        "self_ns": selfs,
        "cp_ns": {sid: cp.get(sid, 0) for sid in tree.spans},
        "on_cp": {sid: sid in reached for sid in tree.spans},
    }
    ranked = bottlenecks(tree, selfs, cp, limit=len(tree.spans))
    return {"per_span": per_span, "sections": sections, "bottlenecks": ranked, "self": selfs}


def check_trace(trace: Trace, rows: Mapping[str, list[dict[str, Any]]], annotated: dict[str, Any] | None,
                remote_calls: list[dict[str, Any]], out: list[Disagreement]) -> TraceTree:
    """Compare one stored trace's recipe answers (``rows`` by recipe name), annotations and
    remote calls with the engine (``rows`` by twin: the ``agrees-with`` name); return the trace's tree (the caller's edge statistics reuse it)."""
    chk = _Checker(trace.trace_id, out)
    tree = build_tree(trace)
    mem = _memory(tree)
    _check_call_tree(chk, tree, rows["analyze_trace"], mem["per_span"])
    _check_self_time(chk, rows["self_times"], tree, mem["self"])
    _check_sections(chk, rows["critical_path"], mem["sections"])
    _check_bottlenecks(chk, rows["bottlenecks"], mem["bottlenecks"])
    _check_annotations(chk, annotated, mem["per_span"])
    _check_gaps(chk, remote_calls, tree)
    return tree


def check_edges(recipes: _Recipes, collected: EdgeCollector, out: list[Disagreement]) -> int:
    """Compare ``slow-edges`` (all edges, same window) with the collected edge statistics;
    return the number of edges."""
    params = {"since_ns": collected.since_ns, "until_ns": collected.until_ns, "limit": _ALL_ROWS, "min_calls": 1}
    neo = {(r["caller"], r["callee"], r["operation"]): r for r in recipes.rows(_EDGES, **params)}
    mem = {(e.caller, e.callee, e.operation): e.model_dump() for e in collected.stats()}
    chk = _Checker(None, out)
    for key in sorted(set(neo) | set(mem)):
        label = " -> ".join(key[:2]) + f" {key[2]}"
        n, m = neo.get(key), mem.get(key)
        if n is None or m is None:
            chk.same(f"edge {label} exists", n is not None, m is not None)
            continue
        for field in _EDGE_FIELDS:
            chk.same(f"edge {label} {field}", n[field], m[field])
    return len(set(neo) | set(mem))


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


def _submit(pool: ThreadPoolExecutor, recipes: _Recipes, ids: list[str]) -> dict[str, Future]:
    """Start every read of one chunk; the server runs them side by side."""
    driver, db, t = recipes.driver, recipes.database, recipes.timeout_s
    jobs = {name: pool.submit(rec.rows, ids, **_params(name)) for name, rec in recipes.per_trace.items()}
    jobs["traces"] = pool.submit(lambda: list(iter_traces(driver, database=db, trace_ids=ids, batch=len(ids),
                                                          timeout_s=t)))
    jobs["annotated"] = pool.submit(lambda: {r["trace_id"]: r for r in read_rows(driver, ANNOTATIONS, db, t,
                                                                                 trace_ids=ids)})
    jobs["calls"] = pool.submit(lambda: _by_trace(read_rows(driver, REMOTE_CALLS, db, t, trace_ids=ids)))
    jobs["parents"] = pool.submit(lambda: _by_trace(read_rows(driver, PARENT_EDGE_ANOMALIES, db, t, trace_ids=ids)))
    return jobs


def _collect(ids: list[str], jobs: dict[str, Future]) -> _Chunk:
    got = {key: job.result() for key, job in jobs.items()}
    return _Chunk(ids, got["traces"], got["annotated"], got["calls"], {name: got[name] for name in _PER_TRACE},
                  got["parents"])


def _chunks(recipes: _Recipes, ids: list[str]) -> Iterable[_Chunk]:
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


def _check_chunk(chunk: _Chunk, report: CheckReport, edges: EdgeCollector,
                 on_progress: Callable[[int], None] | None) -> None:
    found = set()
    for trace in chunk.traces:
        tid = trace.trace_id
        found.add(tid)
        rows = {name: chunk.rows[name].get(tid, []) for name in _PER_TRACE}
        edges.add(check_trace(trace, rows, chunk.annotated.get(tid), chunk.calls.get(tid, []),
                              report.disagreements))
        for bad in parent_edge_problems(chunk.parents.get(tid, []), {tid: {s.span_id for s in trace.spans}}):
            report.disagreements.append(Disagreement(quantity="PARENT_OF edges from", **bad))
        report.traces_checked += 1
        report.spans_checked += len(trace.spans)
        if on_progress is not None:
            on_progress(report.traces_checked)
    for missing in [t for t in chunk.trace_ids if t not in found]:
        report.disagreements.append(Disagreement(trace_id=missing, quantity="trace exists",
                                                 neo4j=False, networkx=None))


def check_traces(
    driver: neo4j.Driver,
    *,
    database: str,
    trace_ids: Iterable[str] | None = None,
    edge_window: tuple[int | None, int | None] | None = None,
    timeout_s: float | None = 120,
    on_progress: Callable[[int], None] | None = None,
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
    raises ``InputError`` ("not found").
    Example (needs a server)::

        report = check_traces(driver, database="neo4j", trace_ids=["971a6595..."])
    """
    ids = list_trace_ids(driver, database=database) if trace_ids is None else list(dict.fromkeys(trace_ids))
    missing = missing_traces(driver, ids, database=database, timeout_s=timeout_s) if trace_ids is not None else []
    if missing:
        more = f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""
        raise InputError(f"trace {', '.join(missing[:5])}{more} not found", record=f"database {database}")
    report = CheckReport()
    recipes = _Recipes(driver, database, timeout_s)
    if ids:
        report.notes.extend(recipes.prepare(ids[0]))
    since, until = edge_window or (None, None)
    edges = EdgeCollector(since, until)  # per-call figures only: memory does not grow with the spans
    for chunk in _chunks(recipes, ids):
        _check_chunk(chunk, report, edges, on_progress)
    if trace_ids is None or edge_window is not None:
        report.edges_checked = check_edges(recipes, edges, report.disagreements)
    else:
        report.notes.append("edge statistics not compared: they cover the whole database (use --all)")
    if trace_ids is None:  # diagnose-owned vs graphtrace.analysis.owned, over every stored trace
        from graphtrace.jobs.check_diagnose import check_diagnose
        report.disagreements.extend(Disagreement(trace_id=None, **d)
                                    for d in check_diagnose(driver, database=database, timeout_s=timeout_s))
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
