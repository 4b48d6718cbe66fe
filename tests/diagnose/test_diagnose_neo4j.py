"""diagnose against a real Neo4j: the diagnose-owned recipe gives the hand-derived rows and ranking,
agrees with the in-memory rows, and ``check --all`` compares them (and notices a difference)."""

from __future__ import annotations

import pytest

from graphtrace.jobs.check import check_traces
from graphtrace.jobs.check_diagnose import check_diagnose, compare_rows, owned_rows_neo4j
from graphtrace.jobs.diagnose import diagnose_neo4j
from graphtrace.recipes.annotate import annotate_traces
from graphtrace.store.ingest import ingest
from graphtrace.store.schema import init_schema

from tests.diagnose.test_diagnose_owned import BASE, MS, _chain, _slow_c

WINDOWS = {"baseline": (None, 1_000 * MS), "incident": (1_000 * MS, None)}


def _load(driver, db, traces) -> None:
    init_schema(driver, database=db)
    ingest(driver, traces, database=db)
    annotate_traces(driver, [t.trace_id for t in traces], database=db)


def _traces(kinds: bool = True):
    return [_chain("b1", 0, BASE, kinds=kinds), _chain("b2", 100 * MS, BASE, kinds=kinds),
            _chain("i1", 1_000 * MS, _slow_c(10), kinds=kinds, errors=frozenset({"c", "cb", "b", "ca", "a"})),
            _chain("i2", 1_100 * MS, _slow_c(10), kinds=kinds)]


@pytest.mark.parametrize("kinds", [True, False], ids=["kinds", "kindless"])
def test_recipe_rows_by_hand(clean_db, neo4j_settings, kinds):
    db = neo4j_settings.database
    _load(clean_db, db, _traces(kinds))
    rows = owned_rows_neo4j(clean_db, database=db, baseline=WINDOWS["baseline"], incident=WINDOWS["incident"])
    got = {(r["window"], r["part"], r["service"], r["callee"], r["operation"]): (r["traces"], r["total"], r["sumsq"])
           for r in rows}
    # Baseline: 2 traces of 20 ms (sumsq 2 x 20^2 = 800); per trace A 4, B 4, C 8 ms processing, 2 ms on
    # each wire.  Incident: 30 ms each (1800); C 18 ms (2 x 18^2 = 648); one error origin in C (C.op).
    assert got[("baseline", "requests", None, None, None)] == (2, 40 * MS, pytest.approx(800))
    assert got[("baseline", "processing", "C", None, None)] == (2, 16 * MS, pytest.approx(128))
    assert got[("baseline", "wire", "A", "B", "B.op")] == (2, 4 * MS, pytest.approx(8))
    assert got[("incident", "requests", None, None, None)] == (2, 60 * MS, pytest.approx(1800))
    assert got[("incident", "processing", "C", None, "C.op")] == (2, 36 * MS, pytest.approx(648))
    assert got[("incident", "errors", "C", None, "C.op")] == (1, 1, pytest.approx(1))
    assert ("baseline", "errors", "C", None, None) not in got
    # 2 windows x (1 requests + 3 services x 2 processing rows + 2 wires) + incident's 2 error rows
    assert len(rows) == 2 * 9 + 2


def test_neo4j_ranking_and_check(clean_db, neo4j_settings):
    db = neo4j_settings.database
    traces = _traces()
    _load(clean_db, db, traces)
    d = diagnose_neo4j(clean_db, database=db, baseline=WINDOWS["baseline"], incident=WINDOWS["incident"])
    # C: latency 9 -> 19 ms per request (see test_diagnose_owned) plus 0.5 error origins per request x
    # 20 ms = 10 ms: score 20.
    assert d.ranking[0].service == "C" and d.ranking[0].score == pytest.approx(20)
    assert check_diagnose(clean_db, database=db) == []
    report = check_traces(clean_db, database=db)
    assert report.ok, [x.text for x in report.disagreements]


def test_compare_rows_reports_a_difference(clean_db, neo4j_settings):
    db = neo4j_settings.database
    _load(clean_db, db, _traces())
    rows = owned_rows_neo4j(clean_db, database=db, baseline=WINDOWS["baseline"], incident=WINDOWS["incident"])
    changed = [dict(r, total=r["total"] + 1) if r["part"] == "wire" and r["window"] == "incident" else r
               for r in rows]
    diffs = compare_rows(rows, changed)
    assert [d["quantity"] for d in diffs] == ["diagnose-owned incident wire A -> B B.op total",
                                              "diagnose-owned incident wire B -> C C.op total"]
