"""A deterministic generator of realistic OpenTelemetry-demo-shaped traces.

Topology: load-generator -> frontend-proxy -> frontend -> cart / product-catalog /
checkout / currency / payment / shipping / email / recommendation, with redis and
database leaf calls.  Every remote call is a CLIENT span with a SERVER child in the
callee.  Options control trace count, fan-out, async children, errors, clock skew
and *injected slow edges*, so cross-trace recipes have a known right answer.
Scenarios with real fault types (network delay, CPU contention, exceptions), deeper
topologies and traces without span kinds are :mod:`graphtrace.synth_faults`
(``graphtrace generate --topology shop|ticket --fault ...``).

>>> traces = list(generate(GenOptions(traces=3, seed=7)))
>>> len(traces), traces[0].spans[0].service
(3, 'load-generator')
>>> traces == list(generate(GenOptions(traces=3, seed=7)))
True
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from pydantic import BaseModel, Field

from graphtrace.model import Span, Trace

MS = 1_000_000
US = 1_000

# callee service -> (operation, list of (leaf service, leaf operation))
BACKENDS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "cart": ("oteldemo.CartService/AddItem", [("redis", "HGET"), ("redis", "HMSET")]),
    "product-catalog": ("oteldemo.ProductCatalogService/GetProduct", [("postgres", "SELECT products")]),
    "checkout": ("oteldemo.CheckoutService/PlaceOrder", [("postgres", "INSERT orders")]),
    "currency": ("oteldemo.CurrencyService/Convert", []),
    "payment": ("oteldemo.PaymentService/Charge", []),
    "shipping": ("oteldemo.ShippingService/GetQuote", []),
    "email": ("oteldemo.EmailService/SendOrderConfirmation", []),
    "recommendation": ("oteldemo.RecommendationService/ListRecommendations", [("redis", "GET")]),
}


class SlowEdge(BaseModel):
    """Multiply the server time of ``caller -> callee`` by ``factor`` for traces from ``from_fraction`` on."""

    caller: str = "frontend"
    callee: str = "cart"
    factor: float = 20.0
    from_fraction: float = 0.0


class GenOptions(BaseModel):
    traces: int = Field(1000, ge=1)
    fan_out: int = Field(4, ge=1, le=len(BACKENDS), description="backend calls per frontend request")
    async_fraction: float = Field(0.05, ge=0, le=1, description="leaf calls that outlive their parent")
    error_fraction: float = Field(0.02, ge=0, le=1)
    skew_fraction: float = Field(0.05, ge=0, le=1, description="server spans shifted before their client")
    slow_edges: list[SlowEdge] = Field(default_factory=list)
    spans_per_trace: int | None = Field(
        None, ge=6, description="pad each trace to this many spans with more backend calls (repeats, "
        "as in serial calls) and frontend INTERNAL work; a trace whose fan-out already needs more keeps its size")
    start_ns: int = 1_732_000_000_000_000_000
    spacing_ns: int = 50 * MS
    seed: int = 42


class _Builder:
    def __init__(self, rng: random.Random, trace_id: str) -> None:
        self.rng, self.trace_id, self.spans, self.n = rng, trace_id, [], 0

    def span_id(self) -> str:
        self.n += 1
        return f"{self.rng.getrandbits(48):012x}{self.n:04x}"

    def add(self, parent: str | None, service: str, name: str, kind: str, start: int, end: int,
            error: bool = False, **attrs) -> str:
        sid = self.span_id()
        self.spans.append(Span(
            trace_id=self.trace_id, span_id=sid, parent_span_id=parent, service=service, name=name,
            kind=kind, start_ns=start, end_ns=end, status_code="ERROR" if error else "UNSET",
            attributes=attrs, resource={"service.name": service, "host.name": f"{service}-0"},
        ))
        return sid


def _remote_call(b: _Builder, opts: GenOptions, parent: str, caller: str, callee: str,
                 start: int, server_work: int, slow: float) -> int:
    """A CLIENT span in ``caller`` with a SERVER child in ``callee``; returns the client's end."""
    rng = b.rng
    op, leaves = BACKENDS[callee]
    net = rng.randint(200 * US, 900 * US)
    work = int(server_work * slow)
    s_start = start + net // 2
    skew = -rng.randint(100 * US, 700 * US) if rng.random() < opts.skew_fraction else 0
    s_end = s_start + work
    end = s_end + net - net // 2
    error = rng.random() < opts.error_fraction
    client = b.add(parent, caller, f"grpc.{op}", "CLIENT", start, end, error=error, **{"rpc.service": op})
    server = b.add(client, callee, op, "SERVER", s_start + skew, s_end + skew, error=error)
    t = s_start + skew + 20 * US
    for leaf_service, leaf_op in leaves:
        length = rng.randint(50 * US, max(60 * US, work // (len(leaves) + 1)))
        outlive = rng.random() < opts.async_fraction
        leaf_end = t + length + (work if outlive else 0)
        b.add(server, callee, leaf_op, "CLIENT", t, leaf_end,
              **{"db.system": leaf_service, "db.statement": f"{leaf_op} key:{rng.randint(1, 999)}"})
        t += length + 10 * US
    return end


def _call_size(callee: str) -> int:
    """Spans one remote call to ``callee`` adds: client, server and its leaf calls."""
    return 2 + len(BACKENDS[callee][1])


def _plan(opts: GenOptions, rng: random.Random) -> tuple[list[str], int]:
    """Backends to call in order, and the INTERNAL spans that pad the trace to ``spans_per_trace``."""
    backends = rng.sample(sorted(BACKENDS), opts.fan_out)
    if opts.spans_per_trace is None:
        return backends, 0
    size = 4 + sum(_call_size(s) for s in backends)
    while True:
        extra = rng.choice(sorted(BACKENDS))
        if size + _call_size(extra) > opts.spans_per_trace:
            break
        backends.append(extra)
        size += _call_size(extra)
    return backends, max(0, opts.spans_per_trace - size)


def _one_trace(opts: GenOptions, index: int, rng: random.Random) -> Trace:
    trace_id = f"{rng.getrandbits(128):032x}"
    b = _Builder(rng, trace_id)
    t0 = opts.start_ns + index * opts.spacing_ns
    fraction = index / max(1, opts.traces)
    backends, padding = _plan(opts, rng)
    works = [rng.randint(300 * US, 3 * MS) for _ in backends]
    slow = {e.callee: e.factor for e in opts.slow_edges if fraction >= e.from_fraction and e.caller == "frontend"}
    total = (sum(int(w * slow.get(s, 1.0)) for s, w in zip(backends, works)) + len(backends) * 2 * MS
             + 3 * MS + padding * 60 * US)
    root = b.add(None, "load-generator", "user_checkout", "INTERNAL", t0, t0 + total + 2 * MS)
    client = b.add(root, "load-generator", "POST", "CLIENT", t0 + MS // 2, t0 + total + MS, **{"http.method": "POST"})
    proxy = b.add(client, "frontend-proxy", "ingress", "SERVER", t0 + MS // 2 + 100 * US, t0 + total + 900 * US)
    fe = b.add(proxy, "frontend", "POST /api/checkout", "SERVER", t0 + MS, t0 + total + 800 * US,
               **{"http.route": "/api/checkout"})
    t = t0 + MS + 200 * US
    for i in range(padding):
        b.add(fe, "frontend", f"render step {i % 4}", "INTERNAL", t, t + 50 * US)
        t += 60 * US
    for svc, work in zip(backends, works):
        t = _remote_call(b, opts, fe, "frontend", svc, t, work, slow.get(svc, 1.0)) + 100 * US
    return Trace(trace_id=trace_id, spans=b.spans)


def generate(opts: GenOptions) -> Iterator[Trace]:
    """Yield ``opts.traces`` traces; the same options always give the same traces."""
    rng = random.Random(opts.seed)
    for i in range(opts.traces):
        yield _one_trace(opts, i, rng)
