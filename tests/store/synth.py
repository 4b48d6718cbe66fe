"""Deterministic synthetic traces for the store tests and the ingest benchmark.

Each trace has ``1 + 7 * 4 + 1 = 30`` spans: a SERVER root in ``frontend``,
seven CLIENT calls from the root each with a SERVER child in another service,
each server with two INTERNAL children, and one INTERNAL span under the root.
So per trace: 30 spans, 29 parent edges, 7 remote calls.

>>> t = make_trace("ab", seed=1)
>>> t.span_count, sum(s.parent_span_id is not None for s in t.spans)
(30, 29)
"""

from __future__ import annotations

import random

from graphtrace.model import Span, Trace

SERVICES = ["cart", "catalog", "checkout", "currency", "payment", "shipping", "email"]
BASE_NS = 1_700_000_000_000_000_000


def make_trace(trace_id: str, seed: int = 0, calls: int = 7) -> Trace:
    """A 1 + 4*calls + 1 span trace with CLIENT/SERVER pairs, attributes and events."""
    rng = random.Random(seed)
    t0 = BASE_NS + seed * 1_000_000_000
    spans = [Span(trace_id=trace_id, span_id=f"{trace_id}-root", service="frontend", name="GET /home",
                  kind="SERVER", start_ns=t0, end_ns=t0 + 100_000_000,
                  attributes={"http.method": "GET", "http.status_code": 200, "http.route": "/home"},
                  resource={"service.name": "frontend", "host.name": "fe-1"})]
    for i in range(calls):
        svc = SERVICES[i % len(SERVICES)]
        cs = t0 + 1_000_000 + i * 12_000_000 + rng.randint(0, 1000)
        ce = cs + 10_000_000
        cid, sid = f"{trace_id}-c{i}", f"{trace_id}-s{i}"
        spans.append(Span(trace_id=trace_id, span_id=cid, parent_span_id=f"{trace_id}-root",
                          service="frontend", name=f"{svc}.Call", kind="CLIENT", start_ns=cs, end_ns=ce,
                          attributes={"rpc.method": f"Get/{rng.randint(1, 99999)}", "peer": svc}))
        spans.append(Span(trace_id=trace_id, span_id=sid, parent_span_id=cid, service=svc,
                          name=f"{svc}.Call", kind="SERVER", start_ns=cs + 500_000, end_ns=ce - 400_000,
                          attributes={"tags": ["a", "b"], "retry": False, "load": rng.random()},
                          events=[{"name": "received", "time_ns": cs + 600_000, "attributes": {"size": 12}}]))
        for j in range(2):
            ds = cs + 1_000_000 + j * 4_000_000
            spans.append(Span(trace_id=trace_id, span_id=f"{trace_id}-s{i}-d{j}", parent_span_id=sid,
                              service=svc, name="SELECT", kind="INTERNAL", start_ns=ds, end_ns=ds + 3_000_000,
                              attributes={"db.statement": f"SELECT * FROM t WHERE id = {rng.randint(1, 9999)}"},
                              status_code="ERROR" if rng.random() < 0.05 else "UNSET"))
    spans.append(Span(trace_id=trace_id, span_id=f"{trace_id}-render", parent_span_id=f"{trace_id}-root",
                      service="frontend", name="render", kind="INTERNAL",
                      start_ns=t0 + 90_000_000, end_ns=t0 + 99_000_000))
    return Trace(trace_id=trace_id, spans=spans)


def make_traces(prefix: str, count: int, calls: int = 7) -> list[Trace]:
    """``count`` traces with ids ``f"{prefix}{i:06d}"``.

    >>> [t.trace_id for t in make_traces("x-", 2, calls=1)]
    ['x-000000', 'x-000001']
    """
    return [make_trace(f"{prefix}{i:06d}", seed=i, calls=calls) for i in range(count)]
