"""Rank services by the change of the latency they own between a baseline and an incident window.

Input: the rows of :mod:`graphtrace.analysis.owned` (in-memory) or of the ``diagnose-owned`` recipe
(Neo4j); both give the same rows.  All figures are **ms per request** (a window's sum divided by
its traces), so a change weighs by how much request time it moves: a rare operation going from
0.5 to 5 ms adds little per request, a busy edge adds its delay on every call on the critical path.

For each service ``x`` and window:

* ``processing``: its critical-path time that is not a call to another service;
* ``wire``: its share of the client/server gap of the edges that touch it.  An edge's wire time is
  split between caller and callee by how *involved* each is: the fraction of the edges touching the
  service whose wire grew clearly (more than 3 standard errors and 0.05 ms per request).  A delayed
  service has every edge grown (involvement 1); its neighbours only the one they share with it;
* ``errors``: error origins per request times the baseline's mean request duration (a failed
  request costs a request).

``delta`` is the incident total minus the baseline total.  A load change slows every service's
processing by about the same factor, so the **score** removes that common factor ``g`` (the low
median, over the services processing at least 1% of a request, of incident/baseline processing):
``score = total_incident - (g * processing_baseline + wire_baseline + errors_baseline)``.  ``z`` is
the score over its standard error (per-trace variances of the parts, covariances ignored).

**Confidence** of the first service: ``high`` when z >= 5, the score is at least 3% of a baseline
request and at least 1.5 times the second service's score; ``medium`` when z >= 3 and the score is at
least 1% of a request; otherwise ``low`` (no service stands out).  Other services are at most
``medium``.  Thresholds are measured in ``bench/diagnose_eval.py`` (docs/diagnose.md).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field

from graphtrace.analysis.owned import MS

GROWN_SE, GROWN_MS = 3.0, 0.05
HIGH_Z, HIGH_SHARE, HIGH_MARGIN = 5.0, 0.03, 1.5
MEDIUM_Z, MEDIUM_SHARE = 3.0, 0.01
COMMON_MIN_SHARE = 0.01
EVIDENCE = 5


class Part(BaseModel):
    """A quantity in both windows (ms per request unless named otherwise) and its change."""

    baseline: float
    incident: float
    delta: float


class Evidence(BaseModel):
    """One operation, edge or error origin behind a service's score (ms per request)."""

    kind: str = Field(description="'processing', 'wire' or 'errors'")
    service: str
    operation: str | None = None
    caller: str | None = None
    callee: str | None = None
    baseline_ms: float
    incident_ms: float
    delta_ms: float
    share: float = Field(1.0, description="the service's share of an edge's wire time")
    baseline_count: float | None = Field(None, description="errors: origins per request")
    incident_count: float | None = None


class Ranked(BaseModel):
    service: str
    score: float = Field(description="ms per request the service owns more in the incident, load change removed")
    z: float | None = Field(description="score / its standard error (None when the error is 0)")
    confidence: str
    owned: dict[str, Part]
    evidence: list[Evidence]


class Diagnosis(BaseModel):
    baseline_traces: int
    incident_traces: int
    baseline_request_ms: float
    incident_request_ms: float
    common_factor: float
    culprit: str | None = Field(description="the first service, unless its confidence is low")
    confidence: str
    ranking: list[Ranked]


class _Win:
    """One window's rows, indexed."""

    def __init__(self, rows: Iterable[dict[str, Any]]) -> None:
        self.n, self.duration = 0, 0
        self.svc: dict[tuple[str, str], tuple[int, float]] = {}   # (part, service) -> total, sumsq
        self.ops: dict[tuple[str, str, str], int] = {}           # (part, service, op) -> total
        self.wire: dict[tuple[str, str, str], tuple[int, float]] = {}
        for r in rows:
            part = r["part"]
            if part == "requests":
                self.n, self.duration = r["traces"], r["total"]
            elif part == "wire":
                self.wire[(r["service"], r["callee"], r["operation"])] = (r["total"], r["sumsq"])
            elif r["operation"] is None:
                self.svc[(part, r["service"])] = (r["total"], r["sumsq"])
            else:
                self.ops[(part, r["service"], r["operation"])] = r["total"]

    def mean(self, total: float, scale: float = MS) -> float:
        return total / scale / self.n if self.n else 0.0

    def var(self, total: float, sumsq: float, scale: float = MS) -> float:
        if not self.n:
            return 0.0
        m = total / scale / self.n
        return max(sumsq / self.n - m * m, 0.0)


def _edge_changes(b: _Win, i: _Win) -> dict[tuple[str, str, str], tuple[float, float, float, float]]:
    """Per edge: baseline mean, incident mean, baseline var, incident var (ms per request)."""
    out = {}
    for e in sorted(set(b.wire) | set(i.wire)):
        tb, sb = b.wire.get(e, (0, 0.0))
        ti, si = i.wire.get(e, (0, 0.0))
        out[e] = (b.mean(tb), i.mean(ti), b.var(tb, sb), i.var(ti, si))
    return out


def _grown(c: tuple[float, float, float, float], nb: int, ni: int) -> bool:
    mb, mi, vb, vi = c
    se = math.sqrt((vb / nb if nb else 0.0) + (vi / ni if ni else 0.0))
    return mi - mb > max(GROWN_SE * se, GROWN_MS)


def wire_shares(changes: dict[tuple[str, str, str], tuple[float, float, float, float]], nb: int, ni: int
                ) -> dict[tuple[str, str, str], dict[str, float]]:
    """Each edge's split of its wire time between caller and callee (see the module docstring).

    >>> ch = {("gw", "api", "op"): (1.0, 5.0, 0.0, 0.0), ("api", "db", "q"): (1.0, 5.0, 0.0, 0.0),
    ...       ("gw", "auth", "x"): (1.0, 1.0, 0.0, 0.0)}
    >>> wire_shares(ch, 10, 10)[("gw", "api", "op")]   # api: 2 of 2 edges grew, gw: 1 of 2
    {'gw': 0.3333333333333333, 'api': 0.6666666666666666}
    """
    touching: dict[str, list[bool]] = {}
    for (a, b, _), c in changes.items():
        g = _grown(c, nb, ni)
        for s in {a, b}:
            touching.setdefault(s, []).append(g)
    inv = {s: sum(v) / len(v) for s, v in touching.items()}
    shares = {}
    for e in changes:
        a, b = e[0], e[1]
        if a == b:
            shares[e] = {a: 1.0}
        elif inv[a] + inv[b] > 0:
            shares[e] = {a: inv[a] / (inv[a] + inv[b]), b: inv[b] / (inv[a] + inv[b])}
        else:
            shares[e] = {a: 0.5, b: 0.5}
    return shares


class _Service:
    """One service's owned parts in both windows (ms per request) and their variances."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.mean = {"processing": [0.0, 0.0], "wire": [0.0, 0.0], "errors": [0.0, 0.0]}
        self.var = [0.0, 0.0]
        self.evidence: list[Evidence] = []

    def latency(self, w: int) -> float:
        return self.mean["processing"][w] + self.mean["wire"][w]


def _services(b: _Win, i: _Win) -> dict[str, _Service]:
    names = {k[1] for w in (b, i) for k in w.svc} | {s for w in (b, i) for e in w.wire for s in e[:2]}
    return {n: _Service(n) for n in sorted(names)}


def _add_own(svcs: dict[str, _Service], wins: tuple[_Win, _Win], request_ms: float) -> None:
    for s in svcs.values():
        for w, win in enumerate(wins):
            for part, cost in (("processing", 1.0), ("errors", request_ms)):
                total, sumsq = win.svc.get((part, s.name), (0, 0.0))
                scale = MS if part == "processing" else 1
                s.mean[part][w] = win.mean(total, scale) * cost
                s.var[w] += win.var(total, sumsq, scale) * cost * cost


def _add_wire(svcs: dict[str, _Service], wins: tuple[_Win, _Win]) -> None:
    b, i = wins
    changes = _edge_changes(b, i)
    for e, split in wire_shares(changes, b.n, i.n).items():
        mb, mi, vb, vi = changes[e]
        for name, share in split.items():
            s = svcs[name]
            s.mean["wire"][0] += share * mb
            s.mean["wire"][1] += share * mi
            s.var[0] += share * share * vb
            s.var[1] += share * share * vi
            s.evidence.append(Evidence(kind="wire", service=name, operation=e[2], caller=e[0], callee=e[1],
                                       baseline_ms=share * mb, incident_ms=share * mi,
                                       delta_ms=share * (mi - mb), share=share))


def _add_ops(svcs: dict[str, _Service], wins: tuple[_Win, _Win], request_ms: float) -> None:
    b, i = wins
    for key in sorted(set(b.ops) | set(i.ops)):
        part, service, op = key
        ob, oi = b.ops.get(key, 0), i.ops.get(key, 0)
        if part == "processing":
            mb, mi = b.mean(ob), i.mean(oi)
            svcs[service].evidence.append(Evidence(kind=part, service=service, operation=op, baseline_ms=mb,
                                                   incident_ms=mi, delta_ms=mi - mb))
        else:
            cb, ci = b.mean(ob, 1), i.mean(oi, 1)
            svcs[service].evidence.append(Evidence(
                kind=part, service=service, operation=op, baseline_ms=cb * request_ms,
                incident_ms=ci * request_ms, delta_ms=(ci - cb) * request_ms, baseline_count=cb,
                incident_count=ci))


def common_factor(latencies: Iterable[tuple[float, float]], request_ms: float) -> float:
    """The load change every service shares: the low median of incident/baseline processing over the
    services processing at least 1% of a baseline request (1.0 when there is none).

    >>> common_factor([(10.0, 11.0), (5.0, 50.0), (2.0, 2.2), (0.001, 9.0)], 20.0)
    1.1
    """
    ratios = [inc / base for base, inc in latencies if base > 0 and base >= COMMON_MIN_SHARE * request_ms]
    return round(statistics.median_low(ratios), 12) if ratios else 1.0


def _confidence(score: float, z: float | None, request_ms: float, margin_ok: bool) -> str:
    strong = z is None or z >= HIGH_Z
    if score > 0 and strong and score >= HIGH_SHARE * request_ms and margin_ok:
        return "high"
    if score > 0 and (z is None or z >= MEDIUM_Z) and score >= MEDIUM_SHARE * request_ms:
        return "medium"
    return "low"


def _ranked(s: _Service, g: float, nb: int, ni: int) -> tuple[float, float | None]:
    m = s.mean
    score = s.latency(1) + m["errors"][1] - (g * m["processing"][0] + m["wire"][0] + m["errors"][0])
    se = math.sqrt((s.var[1] / ni if ni else 0.0) + g * g * (s.var[0] / nb if nb else 0.0))
    return score, (score / se if se > 0 else None)


def _evidence(items: list[Evidence]) -> list[Evidence]:
    ordered = sorted(items, key=lambda e: (-e.delta_ms, e.kind, e.operation or "", e.caller or "", e.callee or ""))
    grown = [e for e in ordered if e.delta_ms > 0]
    return (grown or ordered)[:EVIDENCE]


def diagnose_rows(rows: Iterable[dict[str, Any]]) -> Diagnosis:
    """Rank the services of ``diagnose-owned`` rows (both windows) by the owned latency they gained."""
    rows = list(rows)
    b = _Win(r for r in rows if r["window"] == "baseline")
    i = _Win(r for r in rows if r["window"] == "incident")
    request_ms = b.mean(b.duration)
    svcs = _services(b, i)
    _add_own(svcs, (b, i), request_ms)
    _add_wire(svcs, (b, i))
    _add_ops(svcs, (b, i), request_ms)
    g = common_factor([tuple(s.mean["processing"]) for s in svcs.values()], request_ms)
    scored = sorted(((*_ranked(s, g, b.n, i.n), s) for s in svcs.values()), key=lambda t: (-t[0], t[2].name))
    ranking = []
    for k, (score, z, s) in enumerate(scored):
        second = scored[1][0] if len(scored) > 1 else 0.0
        conf = _confidence(score, z, request_ms, k == 0 and score >= HIGH_MARGIN * max(second, 0.0))
        owned = {part: Part(baseline=v[0], incident=v[1], delta=v[1] - v[0]) for part, v in s.mean.items()}
        owned["total"] = Part(baseline=s.latency(0) + s.mean["errors"][0], incident=s.latency(1) + s.mean["errors"][1],
                              delta=s.latency(1) + s.mean["errors"][1] - s.latency(0) - s.mean["errors"][0])
        ranking.append(Ranked(service=s.name, score=score, z=z, confidence=conf, owned=owned,
                              evidence=_evidence(s.evidence)))
    top = ranking[0] if ranking else None
    confidence = top.confidence if top else "low"
    return Diagnosis(baseline_traces=b.n, incident_traces=i.n, baseline_request_ms=request_ms,
                     incident_request_ms=i.mean(i.duration), common_factor=g,
                     culprit=top.service if top and confidence != "low" else None,
                     confidence=confidence, ranking=ranking)
