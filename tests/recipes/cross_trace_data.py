"""Test data and helpers for the cross-trace recipe tests (test_cross_trace*.py).

Hand-built traces with hand-derived expectations.  The traces are written with the store's
``ingest``; the critical-path properties that ``annotate`` would write (``Span.cp_ns``,
``Span.on_cp``, ``Trace.annotated``) are set by hand from the derivations in the comments, so these
tests check the recipes alone.  Every trace lives in a time
region of its own far from anyone else's data (``BASE`` plus a random offset), trace ids carry a
random prefix, every recipe call is windowed to that region, and only these traces are deleted at
the end: the tests are safe on a shared server.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

from graphtrace.model import Span, Trace
from graphtrace.recipes.catalog import builtin_dir
from graphtrace.recipes.catalog import load_recipe
from graphtrace.recipes.run import run_recipe
from graphtrace.store.delete import delete_traces
from graphtrace.store.ingest import ingest
from graphtrace.store.schema import init_schema
from tests.analysis.edge_scenario import scenario

BASE = 4_100_000_000_000_000_000 + random.Random().randrange(10**6) * 10**9
PREFIX = f"p6b-{uuid.uuid4().hex[:8]}-"
# Regions (relative ns) of the trace groups, so each recipe's window sees exactly one group.
EDGES, COLD, REPEAT, ERRORS, SKEW, REGION = 0, 100_000, 200_000, 300_000, 400_000, 100_000


def _span(tid, sid, parent, service, name, kind, start, end, *, error=False, message="", **extra):
    return Span(trace_id=PREFIX + tid, span_id=sid, parent_span_id=parent, service=service, name=name,
                kind=kind, start_ns=BASE + start, end_ns=BASE + end, status_code="ERROR" if error else "UNSET",
                status_message=message, **extra)


def edge_traces() -> tuple[list[Trace], dict[tuple[str, str], int]]:
    """t1..t5 of tests/analysis/test_edges.py, and the critical-path time of every span on the path.

    Critical path (docs/architecture.md): at span S, t = S.end; the first step takes the child with the
    greatest end <= t, later steps one ending strictly before t.
    t1: r -> c2 (ends 900): r owns [900,1000] = 100; c2 -> s2: c2 owns [890,900] + [600,610] = 20, s2 280;
        back in r t = 600, c1 ends at 600 (not < 600): r owns [0,600] -> r = 700.  c1, s1 off the path.
    t2: r [450,500] + [0,50] = 100; c [160,450] + [50,60] = 300; s 100.
    t3: r [290,300] + [0,10] = 20; c [280,290] + [10,20] = 20; s 260.
    t4: r takes x (ends 1000 <= 1000): x owns [200,1000] = 800; t = 200, c ends 500: r owns [0,200] = 200.
    t5: r [5900,6000] + [5000,5100] = 200; c [5300,5900] + [5100,5200] = 700; s 100.
    """
    cp = {("t1", "r"): 700, ("t1", "c2"): 20, ("t1", "s2"): 280,
          ("t2", "r"): 100, ("t2", "c"): 300, ("t2", "s"): 100,
          ("t3", "r"): 20, ("t3", "c"): 20, ("t3", "s"): 260,
          ("t4", "r"): 200, ("t4", "x"): 800,
          ("t5", "r"): 200, ("t5", "c"): 700, ("t5", "s"): 100}
    traces = [Trace(trace_id=PREFIX + t.trace_id, spans=[
        s.model_copy(update={"trace_id": PREFIX + s.trace_id, "start_ns": BASE + s.start_ns, "end_ns": BASE + s.end_ns})
        for s in t.spans]) for t in scenario()]
    return traces, cp


_ANNOTATE = """
UNWIND $rows AS row
MATCH (s:Span {trace_id: row.trace_id, span_id: row.span_id})
SET s.cp_ns = row.cp_ns, s.on_cp = row.on_cp
WITH DISTINCT row.trace_id AS tid
MATCH (t:Trace {trace_id: tid})
SET t.annotated = true
"""


def loaded(neo4j_driver, neo4j_settings) -> Iterator[tuple]:
    """For a module fixture: (driver, database) with every hand-built trace loaded and annotated by hand;
    only these traces are deleted afterwards."""
    database = neo4j_settings.database
    init_schema(neo4j_driver, database=database)
    traces, cp = edge_traces()
    traces += anomaly_traces()
    cp.update(ANOMALY_CP)
    ingest(neo4j_driver, traces, database=database)
    rows = [{"trace_id": t.trace_id, "span_id": s.span_id,
             "cp_ns": cp.get((t.trace_id[len(PREFIX):], s.span_id), 0),
             "on_cp": (t.trace_id[len(PREFIX):], s.span_id) in cp} for t in traces for s in t.spans]
    neo4j_driver.execute_query(_ANNOTATE, {"rows": rows}, database_=database)
    yield neo4j_driver, database
    delete_traces(neo4j_driver, [t.trace_id for t in traces], database=database)


def run(db, name: str, **params) -> list[dict]:
    """Run the built-in recipe ``name`` with typed ``params``; check the columns against its header."""
    driver, database = db
    recipe = load_recipe(builtin_dir() / f"{name}.cypher")
    columns, rows = run_recipe(driver, recipe, params, database=database)
    assert columns == [c.name for c in recipe.columns]
    return rows


def window(start: int, end: int, since: str = "since_ns", until: str = "until_ns") -> dict[str, int]:
    return {since: BASE + start, until: BASE + end}


def pick(rows: list[dict], *keys: str) -> list[tuple]:
    return [tuple(r[k] for k in keys) for r in rows]




def _cold(r: int) -> list[Trace]:
    """a1, a2: cold calls.  Set-up time = union of the set-up children clipped to the call."""
    a1 = [_span("a1", "r", None, "web", "GET /", "SERVER", r, r + 10_000),
          # c1: dns 100..1100, TCP 900..1900, tls 1900..2400 -> union [100, 2400] = 2300 ns; callee cart.
          _span("a1", "c1", "r", "web", "GET /cart", "CLIENT", r + 100, r + 5100),
          _span("a1", "d", "c1", "web", "dns.lookup", "INTERNAL", r + 100, r + 1100),
          _span("a1", "k", "c1", "web", "TCP.connect", "INTERNAL", r + 900, r + 1900),
          _span("a1", "h", "c1", "web", "tls.handshake", "INTERNAL", r + 1900, r + 2400),
          _span("a1", "s", "c1", "cart", "Cart/Get", "SERVER", r + 2500, r + 5000),
          # c2: "connect" 5800..6500 clipped to the call (6000..9000) -> 500 ns; no server: callee from
          # the db.system attribute.
          _span("a1", "c2", "r", "web", "HGET", "CLIENT", r + 6000, r + 9000, attributes={"db.system": "redis"}),
          _span("a1", "n", "c2", "web", "connect", "INTERNAL", r + 5800, r + 6500),
          # c4 is itself a set-up step (db.connect): never a cold call.  c3's child is no set-up step.
          _span("a1", "c4", "r", "web", "db.connect", "CLIENT", r + 9000, r + 9050),
          _span("a1", "t", "c4", "web", "tcp.connect", "INTERNAL", r + 9000, r + 9040),
          _span("a1", "c3", "r", "web", "GET /x", "CLIENT", r + 9100, r + 9900),
          _span("a1", "q", "c3", "web", "sql.query", "INTERNAL", r + 9200, r + 9800)]
    # a2: one more cold GET /cart: dns 0..300 -> 300 ns.
    a2 = [_span("a2", "r", None, "web", "GET /", "SERVER", r, r + 5000),
          _span("a2", "c", "r", "web", "GET /cart", "CLIENT", r, r + 4000),
          _span("a2", "d", "c", "web", "dns.lookup", "INTERNAL", r, r + 300),
          _span("a2", "s", "c", "cart", "Cart/Get", "SERVER", r + 500, r + 3900)]
    return [Trace(trace_id=PREFIX + "a1", spans=a1), Trace(trace_id=PREFIX + "a2", spans=a2)]


def _repeated(r: int) -> list[Trace]:
    """a3: 6 SELECTs (CLIENT, same service as the parent) differing only in a literal, 4 redis HGETs
    (another service), 5 local renders (same service, not CLIENT: not calls).  a4: 5 CLIENT calls named
    GET /item/1..5 (op_key GET /item/?)."""
    a3 = [_span("a3", "p", None, "api", "GET /orders", "SERVER", r, r + 10_000)]
    a3 += [_span("a3", f"q{i}", "p", "api", "SELECT", "CLIENT", r + 100 + 1000 * i, r + 600 + 1000 * i,
                 attributes={"db.statement": f"SELECT * FROM items WHERE id = {i + 10}"}) for i in range(6)]
    a3 += [_span("a3", f"h{i}", "p", "redis", "HGET", "INTERNAL", r + 150 + 1000 * i, r + 250 + 1000 * i,
                 attributes={"db.statement": f"HGET k:{i}"}) for i in range(4)]
    a3 += [_span("a3", f"x{i}", "p", "api", "render", "INTERNAL", r + 7000 + 100 * i, r + 7050 + 100 * i)
           for i in range(5)]
    a4 = [_span("a4", "p", None, "web", "GET /page", "SERVER", r, r + 1000)]
    a4 += [_span("a4", f"g{i}", "p", "web", f"GET /item/{i + 1}", "CLIENT", r + 100 * i, r + 100 * i + 100)
           for i in range(5)]
    return [Trace(trace_id=PREFIX + "a3", spans=a3), Trace(trace_id=PREFIX + "a4", spans=a4)]


def _errors(r: int) -> list[Trace]:
    """e1: g > h > i > j all failed, j's child k did not: origin j, chain [i, h, g].
    e2: root fine; c > s failed: origin s, chain [c]; x failed alone: origin x, chain [].
    e3: root fine; s2 failed: origin s2, chain []."""
    e1 = [_span("e1", "g", None, "web", "GET /", "SERVER", r, r + 1000, error=True),
          _span("e1", "h", "g", "web", "GetCart", "CLIENT", r + 100, r + 900, error=True),
          _span("e1", "i", "h", "cart", "Cart/Get", "SERVER", r + 150, r + 850, error=True, message="db down"),
          _span("e1", "j", "i", "cart", "SELECT", "CLIENT", r + 200, r + 800, error=True, message="timeout"),
          _span("e1", "k", "j", "postgres", "SELECT", "SERVER", r + 250, r + 750)]
    e2 = [_span("e2", "r", None, "web", "GET /", "SERVER", r, r + 1000),
          _span("e2", "c", "r", "web", "GetCart", "CLIENT", r + 100, r + 900, error=True),
          _span("e2", "s", "c", "cart", "Cart/Get", "SERVER", r + 150, r + 850, error=True, message="boom"),
          _span("e2", "x", "r", "web", "render", "INTERNAL", r + 910, r + 990, error=True, message="tmpl")]
    e3 = [_span("e3", "r", None, "web", "GET /", "SERVER", r, r + 100),
          _span("e3", "s2", "r", "cart", "Cart/Get", "SERVER", r + 10, r + 90, error=True, message="oops")]
    return [Trace(trace_id=PREFIX + n, spans=s) for n, s in (("e1", e1), ("e2", e2), ("e3", e3))]


def _skew(r: int) -> list[Trace]:
    """k1: client p (web, host h1) 1000..3000 with
    s (cart, h2) 400..1400: starts 600 before; correction 1000 + (2000 - 1000) // 2 - 400 = 1100;
    b (web, host h9 != h1) 2800..3300: ends 300 after; correction 1000 + (2000 - 500) // 2 - 2800 = -1050;
    a (web, no host) 2500..3500: local async work, not skew; f (queue, FOLLOWS_FROM) 2900..4000: async,
    ending late does not count.  k2: orphan o (host h5) with a child and a grandchild; k3: orphan o9."""
    h = lambda name: {"resource": {"host.name": name, "service.name": "x"}}  # noqa: E731
    k1 = [_span("k1", "p", None, "web", "GET /cart", "CLIENT", r + 1000, r + 3000, **h("h1")),
          _span("k1", "s", "p", "cart", "Cart/Get", "SERVER", r + 400, r + 1400, **h("h2")),
          _span("k1", "b", "p", "web", "flush", "INTERNAL", r + 2800, r + 3300, **h("h9")),
          _span("k1", "a", "p", "web", "async", "INTERNAL", r + 2500, r + 3500),
          _span("k1", "f", "p", "queue", "consume", "CONSUMER", r + 2900, r + 4000, ref_type="FOLLOWS_FROM")]
    k2 = [_span("k2", "o", "gone", "web", "lost", "SERVER", r + 10_000, r + 11_000, **h("h5")),
          _span("k2", "o2", "o", "web", "child", "INTERNAL", r + 10_100, r + 10_200),
          _span("k2", "o3", "o2", "web", "grandchild", "INTERNAL", r + 10_110, r + 10_150)]
    k3 = [_span("k3", "o9", "missing", "cart", "alone", "SERVER", r + 20_000, r + 20_500)]
    return [Trace(trace_id=PREFIX + n, spans=s) for n, s in (("k1", k1), ("k2", k2), ("k3", k3))]


def anomaly_traces() -> list[Trace]:
    """The traces of the anomaly-rule recipes, each group in its own region."""
    return _cold(COLD) + _repeated(REPEAT) + _errors(ERRORS) + _skew(SKEW)


# Critical-path times set by hand on a few set-up and repeated spans: these recipes only sum Span.cp_ns,
# so any values do (they are not a real walk of those traces).
ANOMALY_CP = {("a1", "k"): 700, ("a1", "h"): 500, ("a3", "q0"): 40, ("a3", "q5"): 60}
