"""Issue #15 item 5 against a real Neo4j: compare-windows' per-service view (kind service) and
critical-path-hotspots' A/B mode, on the hand-built chain of test_diagnose_owned.py."""

from __future__ import annotations

import pytest

from graphtrace.recipes.catalog import get_recipe
from graphtrace.recipes.run import run_recipe

from tests.diagnose.test_diagnose_neo4j import _load
from tests.diagnose.test_diagnose_owned import BASE, MS, _chain, _slow_c

CUT = 1_000 * MS


def _traces(kinds: bool = True):
    return [_chain("b1", 0, BASE, kinds=kinds), _chain("b2", 100 * MS, BASE, kinds=kinds),
            _chain("i1", CUT, _slow_c(10), kinds=kinds), _chain("i2", CUT + 100 * MS, _slow_c(10), kinds=kinds)]


def _run(driver, db, name, **params):
    return run_recipe(driver, get_recipe(name, ()), params, database=db)[1]


@pytest.mark.parametrize("kinds", [True, False], ids=["kinds", "kindless"])
def test_compare_windows_per_service(clean_db, neo4j_settings, kinds):
    db = neo4j_settings.database
    _load(clean_db, db, _traces(kinds))
    rows = _run(clean_db, db, "compare-windows", kind="service", a_until_ns=CUT, b_since_ns=CUT, min_calls=1,
                order_by="ratio_p95")
    # Entry spans (SERVER, or kind-less with the parent absent or in another service): a, b, c, one each
    # per trace.  A: a 20, 20 -> 30, 30 ms; B: b 14 -> 24; C: c 8 -> 18.  p50 = p95 = the one value.
    # ratio_p95: C 18/8 = 2.25, B 24/14, A 1.5.
    got = [(r["kind"], r["service"], r["callee"], r["operation"], r["a_calls"], r["a_p95_ns"], r["b_p95_ns"],
            r["delta_p95_ns"], r["ratio_p95"]) for r in rows]
    assert got == [("service", "C", None, None, 2, 8 * MS, 18 * MS, 10 * MS, pytest.approx(2.25)),
                   ("service", "B", None, None, 2, 14 * MS, 24 * MS, 10 * MS, pytest.approx(24 / 14)),
                   ("service", "A", None, None, 2, 20 * MS, 30 * MS, 10 * MS, pytest.approx(1.5))]
    # null kind still means edges and operations only
    both = _run(clean_db, db, "compare-windows", a_until_ns=CUT, b_since_ns=CUT, min_calls=1, limit=100)
    assert {r["kind"] for r in both} == {"edge", "operation"}


def test_critical_path_hotspots_ab(clean_db, neo4j_settings):
    db = neo4j_settings.database
    _load(clean_db, db, _traces())
    rows = _run(clean_db, db, "critical-path-hotspots", group_by="service", until_ns=CUT, compare=True,
                b_since_ns=CUT)
    # Critical-path time by span service (the CLIENT span ca is A's, cb is B's), per trace:
    #   A: a 4 + ca 2 = 6; B: b 4 + cb 2 = 6; C: c 8 (A window, total 2 x 20 = 40 ms)
    #   incident: A 6, B 6, C 18 (total 2 x 30 = 60 ms).
    # Shares A 12/40 = 0.3 -> 12/60 = 0.2 (-0.1), B the same, C 16/40 = 0.4 -> 36/60 = 0.6 (+0.2).
    # Ranked by delta_share: C, then A and B tied (broken by cp_ns, then service).  max_cp_ns is one
    # span's: A's a (4 ms, ca has 2), B's b (4), C's c (8).
    got = [(r["service"], r["cp_ns"], r["share"], r["traces"], r["max_cp_ns"], r["b_cp_ns"], r["b_share"],
            r["delta_share"]) for r in rows]
    assert got == [
        ("C", 16 * MS, pytest.approx(0.4), 2, 8 * MS, 36 * MS, pytest.approx(0.6), pytest.approx(0.2)),
        ("A", 12 * MS, pytest.approx(0.3), 2, 4 * MS, 12 * MS, pytest.approx(0.2), pytest.approx(-0.1)),
        ("B", 12 * MS, pytest.approx(0.3), 2, 4 * MS, 12 * MS, pytest.approx(0.2), pytest.approx(-0.1))]
    # Without compare: window A only, by cp_ns, the B columns null
    plain = _run(clean_db, db, "critical-path-hotspots", group_by="service", until_ns=CUT)
    assert [(r["service"], r["cp_ns"], r["b_cp_ns"], r["delta_share"]) for r in plain] == [
        ("C", 16 * MS, None, None), ("A", 12 * MS, None, None), ("B", 12 * MS, None, None)]
