"""``check`` for the per-minute rollups: the rollup recipes against the exact in-memory figures.

The traces are read back from Neo4j (or given) and summed in memory exactly: every remote call per
edge (:class:`graphtrace.analysis.edges.EdgeCollector`, what ``slow-edges`` must agree with), every span
per operation and every entry span per service (``compare-windows``), and the critical-path time per
service (``critical-path-hotspots``, by the walk ``annotate`` uses).  The rollup recipes are run without
a window, where their counts are exact: counts must be equal, and each percentile (and ``max_cp_ns``)
within the sketch's stated error, ``ALPHA`` relative plus 0.5 ns of rounding, of the exact
percentileDisc.  A store that the rollups do not cover (a trace without ``Trace.rollup``) is one
disagreement: the recipes then answer exactly anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import neo4j

from graphtrace.analysis.critical_path import critical_path_times, walk
from graphtrace.analysis.edges import EdgeCollector, percentile_disc
from graphtrace.analysis.rollup import is_entry
from graphtrace.analysis.sketch import ALPHA
from graphtrace.analysis.tree import build_tree
from graphtrace.model import Trace
from graphtrace.recipes.catalog import get_recipe
from graphtrace.recipes.run import run_recipe
from graphtrace.store.read import iter_traces
from graphtrace.store.rollups import traces_not_rolled_up

BIG = 1_000_000


@dataclass
class Exact:
    """The exact in-memory figures the rollups are compared with."""

    edges: EdgeCollector = field(default_factory=EdgeCollector)
    ops: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    entries: dict[str, list[int]] = field(default_factory=dict)
    cp: dict[str, list[int]] = field(default_factory=dict)      # service -> cp_ns of spans with cp > 0
    cp_traces: dict[str, int] = field(default_factory=dict)

    def add(self, trace: Trace) -> None:
        tree = build_tree(trace)
        self.edges.add(tree)
        service_of = {s.span_id: s.service for s in trace.spans}
        for s in trace.spans:
            d = s.end_ns - s.start_ns
            self.ops.setdefault((s.service, s.name), []).append(d)
            parent = service_of.get(s.parent_span_id) if s.parent_span_id else None
            if is_entry(s.kind, s.service, parent):
                self.entries.setdefault(s.service, []).append(d)
        times = critical_path_times(walk(tree)[0])
        owners = set()
        for s in trace.spans:
            if times.get(s.span_id, 0) > 0:
                self.cp.setdefault(s.service, []).append(times[s.span_id])
                owners.add(s.service)
        for service in owners:
            self.cp_traces[service] = self.cp_traces.get(service, 0) + 1


@dataclass
class RollupCheck:
    """What was compared and every disagreement (one sentence each)."""

    rows: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)  # {quantity, neo4j (rollups), networkx (exact)}

    def same(self, what: str, got: Any, want: Any) -> None:
        self.rows += 1
        if got != want:
            self.problems.append({"quantity": f"rollups: {what}", "neo4j": got, "networkx": want})

    def near(self, what: str, got: int | None, want: int | None) -> None:
        self.rows += 1
        ok = got == want if got is None or want is None else abs(got - want) <= ALPHA * abs(want) + 0.5
        if not ok:
            self.problems.append({"quantity": f"rollups: {what} (within {ALPHA:.0%})", "neo4j": got, "networkx": want})


def _rows(driver: neo4j.Driver, name: str, database: str, **params: Any) -> list[dict[str, Any]]:
    return run_recipe(driver, get_recipe(name), params, database=database, timeout_s=None)[1]


def check_rollups(driver: neo4j.Driver, *, database: str, traces: Iterable[Trace] | None = None) -> RollupCheck:
    """Compare the rollup recipes with the exact figures of ``traces`` (default: every stored trace)."""
    out = RollupCheck()
    missing = traces_not_rolled_up(driver, database=database)
    if missing:
        out.problems.append({"quantity": "rollups: stored traces not in them", "neo4j": missing, "networkx": 0})
    exact = Exact()
    for trace in iter_traces(driver, database=database) if traces is None else traces:
        exact.add(trace)
    _edges(driver, database, exact, out)
    _windows(driver, database, exact, out)
    _hotspots(driver, database, exact, out)
    return out


def _edges(driver: neo4j.Driver, database: str, exact: Exact, out: RollupCheck) -> None:
    want = {(e.caller, e.callee, e.operation): e for e in exact.edges.stats()}
    got = {(r["caller"], r["callee"], r["operation"]): r for r in _rows(driver, "slow-edges-rollup", database,
                                                                      limit=BIG)}
    out.same("slow-edges edges", sorted(got), sorted(want))
    for key in set(got) & set(want):
        r, e, name = got[key], want[key], "slow-edges " + " -> ".join(key)
        for col in ("calls", "traces", "errors", "cp_traces", "inferred_calls", "unknown_gaps"):
            out.same(f"{name}: {col}", r[col], getattr(e, col))
        for col in ("p50_ns", "p95_ns", "p99_ns", "gap_p50_ns", "gap_p95_ns", "gap_p99_ns"):
            out.near(f"{name}: {col}", r[col], getattr(e, col))


def _windows(driver: neo4j.Driver, database: str, exact: Exact, out: RollupCheck) -> None:
    for kind, groups in (("operation", exact.ops), ("service", {(k, None): v for k, v in exact.entries.items()})):
        got = {(r["service"], r["operation"]): r for r in _rows(
            driver, "compare-windows-rollup", database, kind=kind, min_calls=1, limit=BIG)}
        out.same(f"compare-windows {kind} groups", sorted(got, key=str), sorted(groups, key=str))
        for key in set(got) & set(groups):
            r, values, name = got[key], groups[key], f"compare-windows {kind} {key[0]} {key[1] or ''}".rstrip()
            out.same(f"{name}: a_calls", r["a_calls"], len(values))
            out.near(f"{name}: a_p50_ns", r["a_p50_ns"], percentile_disc(values, 0.5))
            out.near(f"{name}: a_p95_ns", r["a_p95_ns"], percentile_disc(values, 0.95))


def _hotspots(driver: neo4j.Driver, database: str, exact: Exact, out: RollupCheck) -> None:
    got = {r["service"]: r for r in _rows(driver, "critical-path-hotspots-rollup", database, group_by="service",
                                          limit=BIG)}
    out.same("critical-path-hotspots services", sorted(got), sorted(exact.cp))
    for service in set(got) & set(exact.cp):
        r, values, name = got[service], exact.cp[service], f"critical-path-hotspots {service}"
        out.same(f"{name}: cp_ns", r["cp_ns"], sum(values))
        out.same(f"{name}: spans", r["spans"], len(values))
        out.same(f"{name}: traces", r["traces"], exact.cp_traces[service])
        out.near(f"{name}: max_cp_ns", r["max_cp_ns"], max(values))


def rollup_disagreements(driver: neo4j.Driver, *, database: str) -> tuple[list[dict[str, Any]], str | None]:
    """For ``graphtrace check --all``: the differences of :func:`check_rollups` when the rollups cover the
    store; when some stored trace is not in them (the recipes then scan the spans), none and a note."""
    missing = traces_not_rolled_up(driver, database=database)
    if missing:
        return [], f"rollups not compared: {missing} stored traces are not in them (recipes answer from the spans)"
    return check_rollups(driver, database=database).problems, None
