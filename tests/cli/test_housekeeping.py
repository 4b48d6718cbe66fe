"""``graphtrace traces``, ``delete`` and ``db reset`` against a real Neo4j.

The fixture is a Zipkin v2 API answer (``GET /api/v2/traces``-style span list), written by hand:

* T1 ``1111...``: frontend ``GET /cart`` at 2026-12-06T10:00:00Z for 100 ms, with a cart child
  (10 ms in, 50 ms long): 2 spans, ends at 10:00:00.100;
* T2 ``2222...``: frontend ``GET /`` at 10:05:00 for 50 ms: 1 span;
* T3 ``3333...``: frontend ``POST /cart`` at 10:10:00 for 20 ms, a cart child, a redis grandchild:
  3 spans, ends at 10:10:00.020.

2026-12-06T10:00:00Z = 1,796,551,200 s since the epoch (tests/recipes/test_values_time.py derives
2026-12-06 = 1,796,515,200 s; + 10 h = 36,000 s).  So 3 traces, 6 spans, 3 services: 12 nodes
(plus whatever else ingest writes, such as rollups: tests count every node before and after).
"""

from __future__ import annotations

import json

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

import graphtrace.cli  # noqa: F401  (registers the command modules on app)
from graphtrace.cli.app import app
from graphtrace.errors import InputError

T0_US = 1_796_551_200 * 1_000_000  # 2026-12-06T10:00:00Z in µs
MS = 1_000
T1, T2, T3 = "1" * 32, "2" * 32, "3" * 32
NS = 1_000  # µs -> ns


def _span(trace, sid, parent, service, name, ts_us, dur_us, kind="SERVER"):
    span = {"traceId": trace, "id": sid, "name": name, "timestamp": ts_us, "duration": dur_us, "kind": kind,
            "localEndpoint": {"serviceName": service, "ipv4": "10.0.0.1"}}
    if parent:
        span["parentId"] = parent
    return span


ZIPKIN = [
    _span(T1, "00000000000000a1", None, "frontend", "get /cart", T0_US, 100 * MS),
    _span(T1, "00000000000000a2", "00000000000000a1", "cart", "getcart", T0_US + 10 * MS, 50 * MS),
    _span(T2, "00000000000000b1", None, "frontend", "get /", T0_US + 300_000 * MS, 50 * MS),
    _span(T3, "00000000000000c1", None, "frontend", "post /cart", T0_US + 600_000 * MS, 20 * MS),
    _span(T3, "00000000000000c2", "00000000000000c1", "cart", "additem", T0_US + 600_002 * MS, 10 * MS),
    _span(T3, "00000000000000c3", "00000000000000c2", "redis", "hset", T0_US + 600_003 * MS, 1 * MS, "CLIENT"),
]

runner = CliRunner()


@pytest.fixture
def stored(clean_db, neo4j_settings, tmp_path, monkeypatch):
    from graphtrace.jobs.load import load

    path = tmp_path / "traces.zipkin.json"
    path.write_text(json.dumps(ZIPKIN))
    load([str(path)], neo4j_settings, annotate=False)
    monkeypatch.setenv("NEO4J_URI", neo4j_settings.uri)
    monkeypatch.setenv("NEO4J_USER", neo4j_settings.user)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_settings.password.get_secret_value())
    monkeypatch.setenv("NEO4J_DATABASE", neo4j_settings.database)
    return clean_db


def _count(driver, query):
    return driver.execute_query(query).records[0][0]


def test_traces_json_gives_the_window_per_service_and_each_traces_services(stored):
    result = runner.invoke(app, ["traces", "-f", "json", "--limit", "2"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    w = got["window"]
    assert (w["traces"], w["first_start_ns"]) == (3, T0_US * NS)
    assert w["last_end_ns"] == (T0_US + 600_020 * MS) * NS  # T3 ends 10:10:00.020
    by_service = {s["service"]: s for s in w["services"]}
    assert sorted(by_service) == ["cart", "frontend", "redis"]
    assert (by_service["cart"]["traces"], by_service["cart"]["spans"]) == (2, 2)  # T1 and T3
    assert (by_service["frontend"]["traces"], by_service["frontend"]["spans"]) == (3, 3)
    assert by_service["redis"]["first_start_ns"] == (T0_US + 600_000 * MS) * NS  # T3's start, the trace's own
    assert by_service["cart"]["first_start_ns"] == T0_US * NS
    # newest first, two of them
    assert [t["trace_id"] for t in got["traces"]] == [T3, T2]
    assert got["traces"][0]["services"] == ["cart", "frontend", "redis"]
    assert got["traces"][0]["span_count"] == 3
    assert got["traces"][1]["services"] == ["frontend"]


def test_traces_text_names_the_window_and_fits_100_columns(stored):
    result = runner.invoke(app, ["traces", "--since", "2026-12-06T10:01", "--until", "2026-12-06T11:00Z"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "3 traces from 2026-12-06T10:00:00.000Z to 2026-12-06T10:10:00.020Z"
    assert max(cell_len(line) for line in lines) <= 100
    listed = [line.split()[0] for line in lines if line[:32] in (T1, T2, T3)]
    assert listed == [T3, T2]  # T1 started before --since
    assert "    root frontend: post /cart; services: cart, frontend, redis" in lines


def test_delete_by_id_counts_and_reports_a_missing_id(stored):
    result = runner.invoke(app, ["delete", "--trace-id", T1, "--trace-id", "ABCDEF", "-f", "json"])
    assert result.exit_code == 1  # documented: some given id was not there
    got = json.loads(result.stdout)
    assert (got["deleted_traces"], got["deleted_spans"], got["missing"]) == (1, 2, ["abcdef"])
    assert "not in the database: trace abcdef" in result.stderr
    assert _count(stored, f"MATCH (t:Trace {{trace_id: '{T1}'}}) RETURN count(t)") == 0
    assert _count(stored, f"MATCH (s:Span {{trace_id: '{T1}'}}) RETURN count(s)") == 0
    assert _count(stored, "MATCH (s:Span) RETURN count(s)") == 4  # 6 - T1's 2
    assert _count(stored, "MATCH (v:Service) RETURN count(v)") == 3  # services are shared and stay


def test_delete_before_takes_the_traces_that_started_before(stored):
    result = runner.invoke(app, ["delete", "--before", "2026-12-06T10:05:00Z"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Deleted 1 trace (2 spans) from database neo4j."
    left = stored.execute_query("MATCH (t:Trace) RETURN t.trace_id AS id ORDER BY id").records
    assert [r["id"] for r in left] == [T2, T3]  # T2 starts exactly at the bound: kept


def test_delete_needs_something_to_delete(stored):
    result = runner.invoke(app, ["delete"])
    assert isinstance(result.exception, InputError)
    assert _count(stored, "MATCH (t:Trace) RETURN count(t)") == 3


ALL = "MATCH (n) RETURN count(n)"
OURS = "MATCH (n) WHERE n:Trace OR n:Span OR n:Service RETURN count(n)"


def test_db_reset_refuses_without_yes_when_stdin_is_not_a_terminal(stored):
    before = _count(stored, ALL)
    result = runner.invoke(app, ["db", "reset"])
    assert isinstance(result.exception, InputError) and "--yes" in str(result.exception)
    assert _count(stored, ALL) == before
    assert _count(stored, OURS) == 12


def test_db_reset_asks_on_a_terminal(stored, monkeypatch):
    import graphtrace.cli.housekeeping as hk

    monkeypatch.setattr(hk, "_interactive", lambda: True)
    before = _count(stored, ALL)
    declined = runner.invoke(app, ["db", "reset"], input="n\n")
    assert declined.exit_code == 1
    assert _count(stored, ALL) == before
    accepted = runner.invoke(app, ["db", "reset", "-f", "json"], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert _count(stored, ALL) == 0


def test_db_reset_yes_empties_the_database_and_keeps_the_schema(stored):
    assert _count(stored, OURS) == 12  # 3 traces + 6 spans + 3 services
    before = _count(stored, ALL)
    result = runner.invoke(app, ["db", "reset", "--yes", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["nodes_deleted"] == before
    assert _count(stored, ALL) == 0
    names = {r["name"] for r in stored.execute_query("SHOW CONSTRAINTS YIELD name RETURN name").records}
    assert {"trace_id", "span_key", "service_name"} <= names


def test_reset_and_delete_report_progress_in_rounds(stored, neo4j_settings):
    from graphtrace.store.delete import delete_traces_batched
    from graphtrace.store.reset import reset_database

    calls = []
    done = delete_traces_batched(stored, [T1, T2, "f00d"], database=neo4j_settings.database, traces_per_round=1,
                                 span_batch=1, progress=lambda *a: calls.append(a))
    assert calls == [("delete", 1, 3), ("delete", 2, 3), ("delete", 3, 3)]
    assert (done.trace_ids, done.spans, done.missing) == ([T1, T2], 3, ["f00d"])
    assert _count(stored, OURS) == 7  # left: T3 (1 trace + 3 spans) and the 3 services
    calls.clear()
    n = _count(stored, ALL)
    deleted = reset_database(stored, database=neo4j_settings.database, round_size=3, batch=2,
                             progress=lambda *a: calls.append(a))
    assert deleted == n and _count(stored, ALL) == 0
    # 3 nodes a round: 3, 6, ... up to n
    assert calls == [("reset", 0, n)] + [("reset", min(k, n), n) for k in range(3, n + 3, 3)]


def _rollups(driver):
    rows = driver.execute_query("MATCH (r:Rollup) RETURN r ORDER BY r.rkey").records
    return [dict(r["r"]) for r in rows]


def test_delete_keeps_the_rollups_equal_to_a_rebuild_from_the_spans_left(stored, neo4j_settings):
    """Deleting T1 takes its contribution out: the rollups then equal a rebuild from T2 and T3's spans."""
    from graphtrace.jobs.rollups import rebuild_rollups

    database = neo4j_settings.database
    rebuild_rollups(stored, database=database)  # the fixture loaded without annotate; start from a full build
    with_t1 = _rollups(stored)
    result = runner.invoke(app, ["delete", "--trace-id", T1])
    assert result.exit_code == 0, result.output
    after_delete = _rollups(stored)
    rebuild_rollups(stored, database=database)
    assert after_delete == _rollups(stored)
    assert after_delete != with_t1  # T1's minute (10:00) and its cart call were counted, and now are not
