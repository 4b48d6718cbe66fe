"""The per-trace read recipes and ``graphtrace check`` on deep and wide traces (issue #11 item 2).

The recipes read what ``annotate`` stored (docs/schema.md) and look at a span and its direct
children only, so a 20,000-deep chain and a 20,000-child fan-out are checked, every recipe
against the in-memory engine, within the default settings; a trace annotate has not finished is
refused with an error saying so.
"""

from __future__ import annotations

import time
import uuid

import pytest

from graphtrace.errors import RecipeError
from graphtrace.jobs.check import check_traces
from graphtrace.recipes.catalog import builtin_dir, load_recipe
from graphtrace.recipes.run import run_recipe

from bench.pathological import chain, fanout

US = 1_000
RUN = uuid.uuid4().hex[:8]


# The shapes are bench/pathological.py's, so the suite tests what the benchmark measures:
# chain: c0 -> c1 -> ... -> c{n-1}: c_i starts at i us; c0 ends at 4n us, and each child ends 1 us before
#   its parent, except every third (i % 3 == 2 -> c_{i+1}) ends 1 us after it (sanitising clips it).
# fanout: root r [0, n] us with n - 1 children k_i [i, i + 5] us (i = 1 .. n - 1); the last 4 stick out.


def _rows(store, recipe: str, **params) -> list[dict]:
    _, rows = run_recipe(store.driver, load_recipe(builtin_dir() / f"{recipe}.cypher"), params,
                         database=store.database, timeout_s=120)
    return rows


def _check(store, tid: str) -> float:
    t0 = time.perf_counter()
    report = check_traces(store.driver, database=store.database, trace_ids=[tid])
    assert [d for d in report.disagreements] == []
    return time.perf_counter() - t0


def test_check_of_a_20000_deep_chain_agrees(store):
    # ingest + annotate + check take about 25 s on the 2-core test machine when it is quiet
    # (docs/performance.md, "Pathological traces"); check alone stays well under a minute under load
    n = 20_000
    tid = f"gt-deep-{RUN}-chain"
    store([chain(tid, n)])
    assert _check(store, tid) < 60
    rows = _rows(store, "call-tree", trace_id=tid)
    # pre-order of a chain is c0, c1, ...; c_i is at depth i
    assert [r["span_id"] for r in rows] == [f"c{i}" for i in range(n)]
    assert rows[-1]["depth"] == n - 1
    # every c_{i+1} ends after c_i's sanitised start and is its only child, so the walk goes all the
    # way down: every span is on the path, and the sections tile the root, [0, 4n] us
    assert all(r["on_cp"] for r in rows)
    assert sum(r["cp_ns"] for r in rows) == 4 * n * US
    sections = _rows(store, "critical-path", trace_id=tid)
    assert sections[0]["start_ns"] == 0 and sections[-1]["end_ns"] == 4 * n * US
    assert all(a["end_ns"] == b["start_ns"] for a, b in zip(sections, sections[1:]))


def test_check_of_a_20000_child_fanout_agrees(store):
    n = 20_000
    tid = f"gt-deep-{RUN}-fanout"
    store([fanout(tid, n)])
    assert _check(store, tid) < 60
    # By hand (root end n us): k_{n-5} .. k_{n-1} all end at or after n (clipped to n); the tie goes
    # to the earliest start, k_{n-5} [n-5, n]; then the last child ending strictly before n-5 is
    # k_{n-11} (ends n-6), leaving the root [n-6, n-5]: every 6 us a child owns 5 and the root 1.
    # Chosen: k_i for i = n-5-6j, j = 0 .. 3332 (i = 3 for j = 3332, and no child ends before 3 us):
    # 3333 children * 5 us = 16665 us; the root: 3332 gaps of 1 us + [0, 3] = 3335 us; total n us.
    rows = {r["span_id"]: r for r in _rows(store, "call-tree", trace_id=tid)}
    assert len(rows) == n
    assert rows["r"]["cp_ns"] == 3335 * US and rows["r"]["self_ns"] == 1 * US  # children cover [1, n] us
    chosen = {f"k{n - 5 - 6 * j}" for j in range(3333)}
    assert {sid for sid, r in rows.items() if r["on_cp"]} == chosen | {"r"}
    assert all(rows[sid]["cp_ns"] == 5 * US for sid in chosen)
    top = _rows(store, "bottlenecks", trace_id=tid, limit=1)
    # the trace lasts n + 4 us (k_{n-1} ends at n + 4); the root owns 3335 us of it
    assert top[0]["span_id"] == "r" and top[0]["share"] == pytest.approx(3335 / (n + 4))


def test_a_trace_annotate_has_not_finished_is_refused(store):
    tid = f"gt-deep-{RUN}-unannotated"
    store([chain(tid, 3)])
    store.driver.execute_query("MATCH (t:Trace {trace_id: $t}) REMOVE t.annotated", t=tid,
                               database_=store.database)
    for recipe in ("call-tree", "critical-path", "bottlenecks"):
        with pytest.raises(RecipeError) as refused:
            _rows(store, recipe, trace_id=tid)
        # the recipe's own sentence, not Neo4j's type error that carries it
        assert refused.value.message == f"trace {tid} is not annotated: run graphtrace annotate"
