"""``ingest --bulk`` loads the per-minute rollups with the import: the same cells a rebuild makes.

The expected rollups are never written down for the store test: they are what
``jobs.rollups.rebuild_rollups`` (the repair tool, reading every stored span back) makes from
the very store the import left, compared property for property, and ``check --all``'s rollup
comparison (the rollup recipes against the exact in-memory figures) finds no difference.  The
CSV test derives its cells by hand.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from graphtrace.jobs.bulk import bulk_ingest
from graphtrace.jobs.check_rollups import rollup_disagreements
from graphtrace.jobs.rollups import RollupSum, rebuild_rollups
from graphtrace.model import Span, Trace
from graphtrace.store.bulk import write_csvs
from graphtrace.store.bulk.csvfiles import ARRAY_DELIMITER
from graphtrace.store.connection import connect
from tests.store.test_bulk import _props, _too_big, crossing_traces, fixture_traces

ROLLUPS = "MATCH (r:Rollup) RETURN properties(r) AS p"
MARKS = ("MATCH (t:Trace) RETURN count(t) AS traces, "
         "sum(CASE WHEN t.rollup = true THEN 1 ELSE 0 END) AS rolled, count(t.rollup) AS with_property")


def mixed_traces() -> list[Trace]:
    """Every hand-made case of the bulk tests at once: pieces (one refused alone), a re-sent trace,
    refused traces, links across the two shards of 2 workers, generated traces."""
    return [*fixture_traces(), *crossing_traces()]


def _rollups(driver, database: str) -> list:
    return sorted(_props(r["p"]) for r in driver.execute_query(ROLLUPS, database_=database).records)


def test_bulk_import_holds_the_rollups_a_rebuild_makes(empty_db, bulk_home):
    traces = mixed_traces()
    assert len({t.trace_id for t in fixture_traces()} & {t.trace_id for t in crossing_traces()}) == 0
    summary = bulk_ingest(traces, empty_db, home=bulk_home, workers=2, reread=mixed_traces)
    # refused: too-big and bad0 whole, and the late piece of piece1 alone (its first piece is kept)
    assert len(summary.counts.skipped) == 3
    db = empty_db.database
    with connect(empty_db) as driver:
        marks = driver.execute_query(MARKS, database_=db).records[0]
        loaded = _rollups(driver, db)
        # every stored trace is marked, and only with true
        assert marks["traces"] == marks["rolled"] == marks["with_property"] == summary.counts.traces
        assert summary.rolled_up == summary.counts.traces
        assert len(loaded) == summary.counts.rollup_cells > 0

        assert rebuild_rollups(driver, database=db) == summary.counts.traces
        assert loaded == _rollups(driver, db)  # property for property, empty gap sketches included
        assert rollup_disagreements(driver, database=db) == ([], None)


def _read(directory: Path, label: str) -> list[dict[str, str]]:
    rows = []
    for path in sorted(directory.rglob(f"nodes-{label}-*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            rows += list(csv.DictReader(handle))
    return rows


def _span(sid: str, parent: str | None, service: str, name: str, kind: str, start: int, end: int) -> Span:
    return Span(trace_id="g", span_id=sid, parent_span_id=parent, service=service, name=name, kind=kind,
                start_ns=start, end_ns=end)


def picklable_stream() -> list[Trace]:
    """One trace to roll up, one the store refuses (a duration beyond 64 bits)."""
    good = Trace(trace_id="g", spans=[
        _span("r", None, "web", "GET /", "SERVER", 0, 100), _span("c", "r", "web", "GET", "CLIENT", 10, 90),
        _span("s", "c", "cart", "GET", "SERVER", 20, 70)])
    return [good, _too_big("bad")]


@pytest.mark.parametrize("workers", [1, 2])
def test_rollup_rows_in_the_csvs_count_only_written_traces(tmp_path, workers):
    counts = write_csvs(picklable_stream(), tmp_path, workers=workers, reread=picklable_stream,
                        rollups=RollupSum())
    assert counts.traces == counts.rolled_up == 1 and len(counts.skipped) == 1
    traces = {r[":ID(Trace)"]: r for r in _read(tmp_path, "Trace")}
    assert traces["g"]["rollup:boolean"] == "true"
    rollups = _read(tmp_path, "Rollup")
    by_key = {(r["kind:string"], r["service:string"], r["callee:string"], r["operation:string"]): r
              for r in rollups}
    # Hand-derived, all in minute 0.  edge: the one remote call web -> cart "GET" (c -> s).
    # op: every span (web "GET /", web "GET", cart "GET").  service: the SERVER spans r (web), s (cart).
    # Critical path of 0..100: r owns 0-10 and 90-100 (20), c owns 10-20 and 70-90 (30), s 20-70 (50):
    # cp_op one cell per span, cp_svc web = r + c = 2 spans, 50 ns; cart = 1 span, 50 ns.
    # The refused trace "bad" (service "s") adds nothing.
    assert sorted(by_key) == sorted([
        ("edge", "web", "cart", "GET"),
        ("op", "web", "", "GET /"), ("op", "web", "", "GET"), ("op", "cart", "", "GET"),
        ("service", "web", "", ""), ("service", "cart", "", ""),
        ("cp_op", "web", "", "GET /"), ("cp_op", "web", "", "GET"), ("cp_op", "cart", "", "GET"),
        ("cp_svc", "web", "", ""), ("cp_svc", "cart", "", "")])
    assert {r["minute:long"] for r in rollups} == {"0"}
    web, cart = by_key[("cp_svc", "web", "", "")], by_key[("cp_svc", "cart", "", "")]
    assert (web["n:long"], web["sum_ns:long"], cart["n:long"], cart["sum_ns:long"]) == ("2", "50", "1", "50")
    edge = by_key[("edge", "web", "cart", "GET")]
    # client 80 ns, server 50 ns: a known gap, so one value in each sketch; the trace counted once
    assert (edge["n:long"], edge["sum_ns:long"], edge["traces:long"], edge["unknown:long"]) == ("1", "80", "1", "0")
    assert len(edge["gkeys:long[]"].split(ARRAY_DELIMITER)) == 1
    assert by_key[("op", "web", "", "GET")]["gkeys:long[]"] == ""  # no gap sketch: absent, [] after the import
    assert edge[":ID(Rollup)"] == edge["rkey:string"] == '["edge",0,"web","cart","GET"]'
