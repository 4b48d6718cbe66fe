"""One stored trace against the in-memory engine: the per-trace recipes' rows (``call-tree``,
``self-time``, ``critical-path``, ``bottlenecks``), the ``annotate`` properties and the
``REMOTE_CALL`` relationships, each compared with what :mod:`graphtrace.analysis` computes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphtrace.analysis.bottlenecks import bottlenecks
from graphtrace.analysis.critical_path import critical_path, critical_path_times, on_path
from graphtrace.analysis.gaps import client_server_pairs
from graphtrace.analysis.self_time import self_times
from graphtrace.analysis.tree import TraceTree, build_tree
from graphtrace.jobs.check_report import Checker, Disagreement
from graphtrace.model import Trace

_GAP_FIELDS = ("caller", "callee", "operation", "gap_ns", "before_ns", "after_ns", "ratio", "inferred")


def _check_call_tree(chk: Checker, tree: TraceTree, rows: list[dict[str, Any]],
                     mem: dict[str, dict[str, Any]]) -> None:
    chk.same("call-tree pre-order", [r["span_id"] for r in rows], tree.preorder())
    for key in ("depth", "self_ns", "cp_ns", "on_cp"):
        chk.per_span(f"call-tree {key}", {r["span_id"]: r[key] for r in rows}, mem[key])


def _check_annotations(chk: Checker, annotated: dict[str, Any] | None, mem: dict[str, dict[str, Any]]) -> None:
    if annotated is None:
        chk.same("annotated trace", None, True)
        return
    chk.same("Trace.annotated", annotated["annotated"], True)
    spans = annotated["spans"]
    for key in ("depth", "self_ns", "cp_ns", "on_cp"):
        chk.per_span(f"Span.{key} (annotate)", {s["span_id"]: s[key] for s in spans}, mem[key])


def _check_sections(chk: Checker, rows: list[dict[str, Any]], sections: Sequence[Any]) -> None:
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


def _check_bottlenecks(chk: Checker, rows: list[dict[str, Any]], ranked: Sequence[Any]) -> None:
    chk.same("bottlenecks ranking", [r["span_id"] for r in rows], [b.span_id for b in ranked])
    mem = {b.span_id: b for b in ranked}
    for r in rows:
        b = mem.get(r["span_id"])
        if b is not None:
            chk.same("bottleneck cp_ns", r["cp_ns"], b.critical_path_ns, r["span_id"])
            chk.same("bottleneck self_ns", r["self_ns"], b.self_time_ns, r["span_id"])
            chk.same("bottleneck share", r["share"], b.share, r["span_id"])


def _check_self_time(chk: Checker, rows: list[dict[str, Any]], tree: TraceTree, selfs: dict[str, int]) -> None:
    chk.per_span("self-time self_ns", {r["span_id"]: r["self_ns"] for r in rows}, selfs)
    durations = {sid: tree.span(sid).duration_ns for sid in tree.spans}
    chk.per_span("self-time children_ns", {r["span_id"]: r["children_ns"] for r in rows},
                 {sid: durations[sid] - selfs[sid] for sid in selfs})


def _check_gaps(chk: Checker, rows: list[dict[str, Any]], tree: TraceTree) -> None:
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
    chk = Checker(trace.trace_id, out)
    tree = build_tree(trace)
    mem = _memory(tree)
    _check_call_tree(chk, tree, rows["analyze_trace"], mem["per_span"])
    _check_self_time(chk, rows["self_times"], tree, mem["self"])
    _check_sections(chk, rows["critical_path"], mem["sections"])
    _check_bottlenecks(chk, rows["bottlenecks"], mem["bottlenecks"])
    _check_annotations(chk, annotated, mem["per_span"])
    _check_gaps(chk, remote_calls, tree)
    return tree
