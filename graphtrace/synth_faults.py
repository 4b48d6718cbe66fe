"""Scenario traces with injected faults, for measuring ``graphtrace diagnose``.

Two topologies of services calling each other over the network (CLIENT span in the caller, SERVER
child in the callee, sequential calls):

* ``shop``: an OpenTelemetry-demo-like shop, load-generator -> frontend-proxy -> frontend -> cart /
  product-catalog / recommendation (-> product-catalog) / checkout (-> currency, payment, shipping,
  email), with database leaf calls inside cart, product-catalog and checkout;
* ``ticket``: a train-ticket-like booking system, gateway -> preserve -> security (-> order),
  basic-data (-> station), seat (-> order), order.

Latencies are lognormal around each service's median.  From ``from_fraction`` of the traces on
(the *incident* window) the faults apply:

* ``network_delay``: every call to and from the service takes ``amount`` ms more on the wire (half
  on the way in, half on the way out); callers' client spans grow, its own server span only by its
  own slower outgoing calls;
* ``cpu_contention``: the service's own processing is ``amount`` times slower on every operation;
* ``exception``: the service fails on a share ``amount`` of its requests (it stops after its own
  processing, without further calls), and the failure propagates to every caller up to the root;

and ``load`` multiplies every service's processing by the factor times a per-service jitter of
+-5% (a load change with no fault).  ``kindless`` writes every span as UNSPECIFIED (the calls are
then inferred: each client span has its server as its only child).

>>> opts = ScenarioOptions(topology="ticket", traces=4, seed=3)
>>> [t.spans[0].service for t in generate_scenario(opts)][:1]
['gateway']
>>> list(generate_scenario(opts)) == list(generate_scenario(opts))
True
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, Field

from graphtrace.model import Span, StatusCode, Trace

MS = 1_000_000
US = 1_000

# service -> (operation, median own processing ms, downstream services in call order, local db calls)
Topology = dict[str, tuple[str, float, list[str], list[str]]]
TOPOLOGIES: dict[str, tuple[str, Topology]] = {
    "shop": ("load-generator", {
        "load-generator": ("user_checkout", 0.3, ["frontend-proxy"], []),
        "frontend-proxy": ("ingress", 0.2, ["frontend"], []),
        "frontend": ("POST /api/checkout", 1.5, ["cart", "product-catalog", "recommendation", "checkout"], []),
        "cart": ("oteldemo.CartService/GetCart", 1.0, [], ["HGET"]),
        "product-catalog": ("oteldemo.ProductCatalogService/GetProduct", 0.8, [], ["SELECT products"]),
        "recommendation": ("oteldemo.RecommendationService/ListRecommendations", 1.2, ["product-catalog"], []),
        "checkout": ("oteldemo.CheckoutService/PlaceOrder", 2.0,
                     ["currency", "payment", "shipping", "email"], ["INSERT orders"]),
        "currency": ("oteldemo.CurrencyService/Convert", 0.4, [], []),
        "payment": ("oteldemo.PaymentService/Charge", 1.5, [], []),
        "shipping": ("oteldemo.ShippingService/GetQuote", 0.9, [], []),
        "email": ("oteldemo.EmailService/SendOrderConfirmation", 1.1, [], []),
    }),
    "ticket": ("gateway", {
        "gateway": ("POST /api/v1/preserveservice/preserve", 0.8, ["preserve"], []),
        "preserve": ("preserve", 1.5, ["security", "basic-data", "seat", "order"], []),
        "security": ("check", 0.9, ["order"], []),
        "basic-data": ("queryForTravel", 1.2, ["station"], []),
        "station": ("queryByIdBatch", 0.6, [], ["SELECT station"]),
        "seat": ("distributeSeat", 1.4, ["order"], []),
        "order": ("getTicketListByDateAndTripId", 1.0, [], ["SELECT orders"]),
    }),
}
FAULT_TYPES = ("network_delay", "cpu_contention", "exception")


class Fault(BaseModel):
    """A fault on ``service`` from ``from_fraction`` of the traces on."""

    type: Literal["network_delay", "cpu_contention", "exception"]
    service: str
    amount: float = Field(description="network_delay: ms per call; cpu_contention: factor; exception: share")
    from_fraction: float = 0.5


class ScenarioOptions(BaseModel):
    topology: Literal["shop", "ticket"] = "shop"
    traces: int = Field(400, ge=1)
    faults: list[Fault] = Field(default_factory=list)
    load: float = Field(1.0, gt=0, description="processing factor in the incident window (no fault)")
    load_from_fraction: float = 0.5
    kindless: bool = False
    sigma: float = Field(0.35, ge=0, description="lognormal spread of every latency")
    error_fraction: float = Field(0.01, ge=0, le=1, description="background failures, at a random service")
    net_ms: float = Field(0.4, gt=0, description="median network round trip of a call")
    start_ns: int = 1_732_000_000_000_000_000
    spacing_ns: int = 50 * MS
    seed: int = 42


class _Ctx:
    def __init__(self, opts: ScenarioOptions, rng: random.Random, trace_id: str, fraction: float,
                 jitter: dict[str, float]) -> None:
        self.opts, self.rng, self.trace_id, self.spans, self.n = opts, rng, trace_id, [], 0
        self.topo = TOPOLOGIES[opts.topology][1]
        self.faults = {f.type + ":" + f.service: f for f in opts.faults if fraction >= f.from_fraction}
        self.load = opts.load if fraction >= opts.load_from_fraction else 1.0
        self.jitter = jitter if self.load != 1.0 else {}
        self.fail_at = self._background_failure()

    def _background_failure(self) -> str | None:
        if self.rng.random() < self.opts.error_fraction:
            return self.rng.choice(sorted(self.topo))
        return None

    def fault(self, kind: str, service: str) -> Fault | None:
        return self.faults.get(kind + ":" + service)

    def lognormal(self, median_ms: float) -> int:
        return max(1, int(median_ms * MS * math.exp(self.rng.gauss(0.0, self.opts.sigma))))

    def add(self, parent: str | None, service: str, name: str, kind: str, start: int, end: int,
            error: bool = False, **attrs: str) -> Span:
        self.n += 1
        span = Span(trace_id=self.trace_id, span_id=f"{self.rng.getrandbits(48):012x}{self.n:04x}",
                    parent_span_id=parent, service=service, name=name,
                    kind="UNSPECIFIED" if self.opts.kindless else kind, start_ns=start, end_ns=end,
                    status_code="ERROR" if error else "UNSET", attributes=dict(attrs),
                    resource={"service.name": service, "host.name": f"{service}-0"})
        self.spans.append(span)
        return span


def _work(ctx: _Ctx, service: str) -> int:
    """One slice of the service's own processing (its median split over the slices)."""
    op, median, calls, db = ctx.topo[service]
    cpu = ctx.fault("cpu_contention", service)
    factor = (cpu.amount if cpu else 1.0) * ctx.load * ctx.jitter.get(service, 1.0)
    return int(ctx.lognormal(median / (len(calls) + len(db) + 1)) * factor)


def _net(ctx: _Ctx, caller: str, callee: str) -> tuple[int, int]:
    """Wire time before and after the server's work of one call."""
    total = ctx.lognormal(ctx.opts.net_ms)
    for s in {caller, callee}:
        f = ctx.fault("network_delay", s)
        if f:
            total += int(f.amount * MS)
    return total // 2, total - total // 2


def _serve(ctx: _Ctx, parent: str | None, service: str, start: int, kind: str) -> tuple[Span, bool]:
    """The entry span of ``service`` starting at ``start`` and everything under it; returns the
    span and whether it failed."""
    op, _, calls, db = ctx.topo[service]
    exc = ctx.fault("exception", service)
    fails = ctx.fail_at == service or bool(exc and ctx.rng.random() < exc.amount)
    span = ctx.add(parent, service, op, kind, start, start)
    t, failed = start + _work(ctx, service), fails
    for statement in db:
        length = ctx.lognormal(0.3)
        ctx.add(span.span_id, service, statement, "CLIENT", t, t + length, **{"db.system": "sql"})
        t += length + _work(ctx, service)
    for callee in ([] if fails else calls):
        before, after = _net(ctx, service, callee)
        client = ctx.add(span.span_id, service, f"call {ctx.topo[callee][0]}", "CLIENT", t, t)
        server, child_failed = _serve(ctx, client.span_id, callee, t + before, "SERVER")
        end = server.end_ns + after
        _finish(ctx, client, end, child_failed)
        t = end + _work(ctx, service)
        if child_failed:
            failed = True
            break
    _finish(ctx, span, t, failed)
    return ctx.spans[_index(ctx, span)], failed


def _index(ctx: _Ctx, span: Span) -> int:
    for k in range(len(ctx.spans) - 1, -1, -1):
        if ctx.spans[k].span_id == span.span_id:
            return k
    raise KeyError(span.span_id)


def _finish(ctx: _Ctx, span: Span, end: int, error: bool) -> None:
    ctx.spans[_index(ctx, span)] = span.model_copy(update={
        "end_ns": end, "status_code": StatusCode.ERROR if error else span.status_code})


def generate_scenario(opts: ScenarioOptions) -> Iterator[Trace]:
    """Yield ``opts.traces`` traces; the same options always give the same traces."""
    rng = random.Random(opts.seed)
    root, topo = TOPOLOGIES[opts.topology]
    jitter = {s: rng.uniform(0.95, 1.05) for s in sorted(topo)}
    for i in range(opts.traces):
        ctx = _Ctx(opts, rng, f"{rng.getrandbits(128):032x}", i / opts.traces, jitter)
        _serve(ctx, None, root, opts.start_ns + i * opts.spacing_ns, "SERVER")
        yield Trace(trace_id=ctx.trace_id, spans=ctx.spans)
