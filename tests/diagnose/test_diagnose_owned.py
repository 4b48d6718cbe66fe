"""Owned latency and the diagnose ranking on hand-built traces, every expected value derived by hand."""

from __future__ import annotations

import math

import pytest

from graphtrace.analysis.owned import trace_parts, window_rows
from graphtrace.analysis.owned_rank import diagnose_rows
from graphtrace.analysis.tree import build_tree
from graphtrace.model import Span, Trace

MS = 1_000_000


def _chain(tid: str, t0: int, times: dict[str, tuple[float, float]], *, kinds: bool = True,
           errors: frozenset[str] = frozenset()) -> Trace:
    """A -> B -> C: span ids a (A SERVER), ca (A CLIENT), b (B SERVER), cb (B CLIENT), c (C SERVER);
    ``times`` in ms from ``t0`` (ns)."""
    shape = {"a": (None, "A", "GET /", "SERVER"), "ca": ("a", "A", "call B", "CLIENT"),
             "b": ("ca", "B", "B.op", "SERVER"), "cb": ("b", "B", "call C", "CLIENT"),
             "c": ("cb", "C", "C.op", "SERVER")}
    spans = [Span(trace_id=tid, span_id=sid, parent_span_id=p, service=svc, name=name,
                  kind=kind if kinds else "UNSPECIFIED", start_ns=t0 + int(times[sid][0] * MS),
                  end_ns=t0 + int(times[sid][1] * MS), status_code="ERROR" if sid in errors else "UNSET")
             for sid, (p, svc, name, kind) in shape.items()]
    return Trace(trace_id=tid, spans=spans)


# Baseline shape (ms): a [0,20], ca [2,18], b [3,17], cb [5,15], c [6,14].  Critical path, walking back
# from a's end: a 18-20 and 0-2 (4), ca 17-18 and 2-3 (2), b 15-17 and 3-5 (4), cb 14-15 and 5-6 (2),
# c 6-14 (8).  Processing A 4, B 4, C 8; wire A->B 2, B->C 2; duration 20.
BASE = {"a": (0, 20), "ca": (2, 18), "b": (3, 17), "cb": (5, 15), "c": (6, 14)}


def _slow_c(extra: float) -> dict[str, tuple[float, float]]:
    """C's own work longer by ``extra`` ms; every span above it ends ``extra`` later."""
    return {"a": (0, 20 + extra), "ca": (2, 18 + extra), "b": (3, 17 + extra), "cb": (5, 15 + extra),
            "c": (6, 14 + extra)}


def test_parts_of_one_trace():
    parts = trace_parts(build_tree(_chain("t", 0, BASE)))
    assert parts.processing == {("A", "GET /"): 4 * MS, ("B", "B.op"): 4 * MS, ("C", "C.op"): 8 * MS}
    assert parts.wire == {("A", "B", "B.op"): 2 * MS, ("B", "C", "C.op"): 2 * MS}
    assert parts.duration_ns == 20 * MS and parts.errors == {}


def test_kindless_calls_are_inferred_and_own_the_same_wire():
    # Same spans without kinds: ca has one child b in another service (an inferred call with a known
    # gap), so its critical-path time is still the A->B wire; likewise cb.  a's only child ca is in A.
    parts = trace_parts(build_tree(_chain("t", 0, BASE, kinds=False)))
    assert parts.wire == {("A", "B", "B.op"): 2 * MS, ("B", "C", "C.op"): 2 * MS}
    assert parts.processing == {("A", "GET /"): 4 * MS, ("B", "B.op"): 4 * MS, ("C", "C.op"): 8 * MS}


def test_error_origin_is_the_deepest_failing_span():
    # c, cb, b, ca, a all fail: only c has no failing child, so C.op is the one origin.
    parts = trace_parts(build_tree(_chain("t", 0, BASE, errors=frozenset(BASE))))
    assert parts.errors == {("C", "C.op"): 1}


def _rows(baseline: list[Trace], incident: list[Trace]) -> list[dict]:
    # baseline traces start before 1 s, incident traces at or after it
    return window_rows([*baseline, *incident], {"baseline": (None, 1_000 * MS), "incident": (1_000 * MS, None)})


def test_cpu_on_the_leaf_ranks_it_first_with_high_confidence():
    rows = _rows([_chain("b1", 0, BASE), _chain("b2", 100 * MS, BASE)],
                 [_chain("i1", 1_000 * MS, _slow_c(10)), _chain("i2", 1_100 * MS, _slow_c(10))])
    d = diagnose_rows(rows)
    # No edge's wire changed, so no edge grew and each splits 50/50.  Latency per request:
    # A 4 + 2/2 = 5 -> 5; B 4 + 2/2 + 2/2 = 6 -> 6; C 8 + 2/2 = 9 -> 18 + 1 = 19.
    # Common factor: processing ratios A 4/4, B 4/4, C 18/8 -> low median 1.
    # Scores: C 19 - 9 = 10, A 0, B 0 (ties by name).  Variances are 0 (identical traces): z is None.
    assert [(r.service, r.score) for r in d.ranking] == [("C", pytest.approx(10)), ("A", pytest.approx(0)),
                                                         ("B", pytest.approx(0))]
    assert d.common_factor == 1.0 and d.ranking[0].z is None
    # high: score 10 >= 3% of a 20 ms request (0.6) and >= 1.5 x the second (0)
    assert (d.culprit, d.confidence) == ("C", "high")
    assert d.ranking[0].evidence[0].operation == "C.op" and d.ranking[0].evidence[0].delta_ms == pytest.approx(10)


def test_noisy_cpu_on_the_leaf_is_only_medium():
    rows = _rows([_chain("b1", 0, BASE), _chain("b2", 100 * MS, BASE)],
                 [_chain("i1", 1_000 * MS, _slow_c(6)), _chain("i2", 1_100 * MS, _slow_c(14))])
    d = diagnose_rows(rows)
    # C processing per trace 14 and 22 ms: mean 18, variance (14^2 + 22^2)/2 - 18^2 = 340 - 324 = 16;
    # baseline variance 0.  Score 10, standard error sqrt(16/2) = 2.828..., z = 3.5355...
    top = d.ranking[0]
    assert top.service == "C" and top.score == pytest.approx(10)
    assert top.z == pytest.approx(10 / math.sqrt(8))
    # z < 5: not high; z >= 3 and 10 >= 1% of 20 ms: medium
    assert (top.confidence, d.culprit) == ("medium", "C")


def test_network_delay_into_the_leaf_blames_the_leaf():
    # cb [5,21] around c [8,16]: C works 8 ms as before, the B->C wire is 3 + 5 = 8 ms (was 2);
    # b [3,23], ca [2,24], a [0,26]: processing A 4, B 2 + 2 = 4, C 8, wire A->B 2.
    delayed = {"a": (0, 26), "ca": (2, 24), "b": (3, 23), "cb": (5, 21), "c": (8, 16)}
    rows = _rows([_chain("b1", 0, BASE), _chain("b2", 100 * MS, BASE)],
                 [_chain("i1", 1_000 * MS, delayed), _chain("i2", 1_100 * MS, delayed)])
    d = diagnose_rows(rows)
    # B->C grew (6 ms > 0.05, se 0), A->B did not.  Involvement: A 0/1, B 1/2, C 1/1.
    # Shares: A->B all to B (0 vs 0.5); B->C 0.5/1.5 = 1/3 to B, 2/3 to C.
    # Baseline: A 4; B 4 + 2 + 2/3 = 6.667; C 8 + 4/3 = 9.333.  Incident: A 4; B 4 + 2 + 8/3 = 8.667;
    # C 8 + 16/3 = 13.333.  g = 1 (processing unchanged).  Scores: C 4, B 2, A 0.
    assert [(r.service, r.score) for r in d.ranking] == [("C", pytest.approx(4)), ("B", pytest.approx(2)),
                                                         ("A", pytest.approx(0))]
    # 4 >= 1.5 x 2 and >= 0.6: high
    assert (d.culprit, d.confidence) == ("C", "high")
    wire = [e for e in d.ranking[0].evidence if e.kind == "wire"]
    assert [(e.caller, e.callee, e.share) for e in wire] == [("B", "C", pytest.approx(2 / 3))]


def test_no_change_names_no_culprit():
    rows = _rows([_chain("b1", 0, BASE), _chain("b2", 100 * MS, _slow_c(2))],
                 [_chain("i1", 1_000 * MS, _slow_c(2)), _chain("i2", 1_100 * MS, BASE)])
    d = diagnose_rows(rows)
    # The same two traces in each window: every owner has the same sums, every score is 0.
    assert all(r.score == pytest.approx(0) for r in d.ranking)
    assert (d.culprit, d.confidence) == (None, "low")


def test_errors_starting_in_the_leaf_count_a_request_each():
    failing = frozenset(BASE)
    rows = _rows([_chain("b1", 0, BASE), _chain("b2", 100 * MS, BASE)],
                 [_chain("i1", 1_000 * MS, BASE, errors=failing), _chain("i2", 1_100 * MS, BASE)])
    d = diagnose_rows(rows)
    # One of two incident requests has its error origin in C: 0.5 origins per request x 20 ms baseline
    # request = 10 ms; latency unchanged.  Per-trace error counts 1, 0: variance 0.25, x 20^2 = 100,
    # over 2 traces: se = sqrt(50) = 7.07, z = 1.414: low.
    top = d.ranking[0]
    assert (top.service, top.score, top.owned["errors"].incident) == ("C", pytest.approx(10), pytest.approx(10))
    assert top.z == pytest.approx(10 / math.sqrt(50)) and d.confidence == "low"
