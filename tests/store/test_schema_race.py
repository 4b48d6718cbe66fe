"""Concurrent first use: ``init_schema`` and ``graphtrace ingest`` racing on a database with no schema.

``CREATE ... IF NOT EXISTS`` checks and creates in one transaction, so two sessions can both pass the
check; the later commit then fails with ``EquivalentSchemaRuleAlreadyExists``.  ``init_schema`` treats
that as success and verifies the rule exists.  These tests drop graphtrace's constraints and indexes
(only where wiping is allowed, as for ``clean_db``) and leave them re-created.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import orjson
import pytest

from graphtrace.store.delete import delete_traces
from graphtrace.store.read import counts
from graphtrace.store.schema import EXPECTED_CONSTRAINTS, EXPECTED_INDEXES, init_schema, schema_status

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_schema(neo4j_target, neo4j_driver):
    """The database without graphtrace's constraints and indexes; they are put back afterwards."""
    if not neo4j_target.wipe_allowed:
        pytest.fail(f"refusing to drop the schema: {neo4j_target.wipe_refusal}", pytrace=False)
    database = neo4j_target.settings.database

    def drop() -> None:
        for name in EXPECTED_CONSTRAINTS:
            neo4j_driver.execute_query(f"DROP CONSTRAINT {name} IF EXISTS", database_=database)
        for name in EXPECTED_INDEXES:
            neo4j_driver.execute_query(f"DROP INDEX {name} IF EXISTS", database_=database)
        assert sorted(schema_status(neo4j_driver, database).missing) == sorted(
            EXPECTED_CONSTRAINTS + EXPECTED_INDEXES)

    drop()
    yield neo4j_driver, database
    init_schema(neo4j_driver, database=database)


def test_init_schema_from_four_threads_at_once(no_schema):
    driver, database = no_schema
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            init_schema(driver, database=database)
        except BaseException as exc:  # noqa: BLE001 -- collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert schema_status(driver, database).missing == []


def _otlp_line(trace_id: str) -> bytes:
    """One OTLP/JSON line (collector file exporter shape): SERVER root 1000..2000, its child 1100..1900."""
    def span(sid, parent, kind, start, end):
        out = {"traceId": trace_id, "spanId": sid, "name": "op", "kind": kind,
               "startTimeUnixNano": str(start), "endTimeUnixNano": str(end)}
        if parent:
            out["parentSpanId"] = parent
        return out

    return orjson.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "web"}}]},
        "scopeSpans": [{"spans": [span("00000000000000a1", None, 2, 1000, 2000),
                                  span("00000000000000a2", "00000000000000a1", 3, 1100, 1900)]}]}]}) + b"\n"


def test_two_ingest_processes_on_a_database_without_schema(no_schema, neo4j_settings, tmp_path):
    driver, database = no_schema
    tids = [uuid.uuid4().hex for _ in range(2)]
    env = dict(os.environ, NEO4J_URI=neo4j_settings.uri, NEO4J_USER=neo4j_settings.user,
               NEO4J_PASSWORD=neo4j_settings.password.get_secret_value(), NEO4J_DATABASE=database)
    procs = []
    try:
        for i, tid in enumerate(tids):
            path = tmp_path / f"t{i}.ndjson"
            path.write_bytes(_otlp_line(tid))
            procs.append(subprocess.Popen(
                [sys.executable, "-c", "from graphtrace.cli import main; main()", "ingest", str(path)],
                env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
        assert [rc for rc, _, _ in results] == [0, 0], results
        assert schema_status(driver, database).missing == []
        # Each file: 1 trace, 2 spans, 1 parent edge, no CLIENT -> SERVER pair.
        assert counts(driver, database=database, trace_ids=tids)["spans"] == 4
    finally:
        delete_traces(driver, tids, database=database)
