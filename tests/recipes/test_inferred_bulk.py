"""Inferred remote calls are stored the same by every write path: one transaction, pieces (MERGE
path and its whole-trace fix-up) and ``ingest --bulk``.

Trace 1 of tests/fixtures/readers/nokind_checkout.ndjson arrives in two pieces: {A, B, C1} first,
then {C2, D}.  After the first piece B has one child, so B -> C1 has a known gap
(80 - 20 = 60 ms, before 20 - 10 = 10 ms, after 90 - 40 = 50 ms, ratio 80/20 = 4.0); the second
piece gives B a second child (C2) and both of B's calls must end with an unknown gap.
"""

from __future__ import annotations

from pathlib import Path

from graphtrace.model import Trace
from graphtrace.readers import read_traces
from graphtrace.jobs.bulk import bulk_ingest
from graphtrace.store.connection import connect
from graphtrace.store.ingest import ingest
from graphtrace.store.schema import init_schema
from tests.conftest import wipe
from tests.store.test_bulk import dump

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readers"
MS = 1_000_000
T1 = "5b8efff798038103d269b633813fc60c"
CALL = """
MATCH (c:Span {span_id: $c})-[r:REMOTE_CALL]->(s:Span {span_id: $s})
RETURN r.inferred AS inferred, r.gap_ns AS gap, r.before_ns AS before, r.after_ns AS after, r.ratio AS ratio
"""


def pieces() -> list[Trace]:
    traces = list(read_traces([str(FIXTURES / "nokind_checkout.ndjson"), str(FIXTURES / "nokind_mixed.ndjson")]))
    [one] = [t for t in traces if t.trace_id == T1]
    first = {"a000000000000001", "b000000000000001", "c000000000000001"}
    early = Trace(trace_id=T1, spans=[s for s in one.spans if s.span_id in first])
    late = Trace(trace_id=T1, spans=[s for s in one.spans if s.span_id not in first])
    return [early, *(t for t in traces if t.trace_id != T1), late]


def _call(driver, database: str, c: str, s: str) -> dict:
    records = driver.execute_query(CALL, {"c": c, "s": s}, database_=database).records
    assert len(records) == 1
    return records[0].data()


def test_a_piece_that_adds_a_child_makes_the_gap_unknown(clean_db, neo4j_settings):
    db = neo4j_settings.database
    init_schema(clean_db, database=db)
    early, *_, late = pieces()
    ingest(clean_db, [early], database=db)
    assert _call(clean_db, db, "b000000000000001", "c000000000000001") == {
        "inferred": True, "gap": 60 * MS, "before": 10 * MS, "after": 50 * MS, "ratio": 4.0}
    ingest(clean_db, [late], database=db)
    unknown = {"inferred": True, "gap": None, "before": None, "after": None, "ratio": None}
    assert _call(clean_db, db, "b000000000000001", "c000000000000001") == unknown
    assert _call(clean_db, db, "b000000000000001", "c000000000000002") == unknown
    # A -> B is untouched: 100 - 80 = 20 ms, before 10 ms, after 10 ms, ratio 1.25
    assert _call(clean_db, db, "a000000000000001", "b000000000000001") == {
        "inferred": True, "gap": 20 * MS, "before": 10 * MS, "after": 10 * MS, "ratio": 1.25}


def test_bulk_graph_equals_driver_graph_on_kindless_traces(empty_db, bulk_home):  # noqa: F811
    settings = empty_db
    bulk_ingest(pieces(), settings, home=bulk_home, rollups=False)  # the driver path writes none
    bulk = dump(settings)
    with connect(settings) as driver:
        wipe(driver, settings.database)
        init_schema(driver, database=settings.database)
        ingest(driver, pieces(), database=settings.database, batch_spans=4)
    driven = dump(settings)
    assert bulk == driven
    calls = [r for r in driven[1] if r[0] == "REMOTE_CALL"]
    # 5 checkout calls (3 in trace 1, 2 in trace 2) + the mixed trace's pair and inferred call
    assert len(calls) == 7
    assert sum(1 for r in calls if ("inferred", ("bool", True)) in r[1]) == 6
    assert sum(1 for r in calls if not any(k == "gap_ns" for k, _ in r[1])) == 2  # B -> C1, B -> C2
