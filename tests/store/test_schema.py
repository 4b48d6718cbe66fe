"""Constraints and indexes after ``init_schema`` (run twice: idempotent)."""

from __future__ import annotations

from graphtrace.store.schema import EXPECTED_CONSTRAINTS, EXPECTED_INDEXES, init_schema, schema_status


def test_init_twice_then_everything_exists(driver, database):
    init_schema(driver, database=database)  # the fixture ran it once already
    status = schema_status(driver, database)
    assert status.missing == []
    assert status.ok
    by_name = {c["name"]: c for c in status.constraints}
    # The three keys of docs/architecture.md "Graph schema", all Community-edition uniqueness constraints.
    assert (by_name["trace_id"]["labelsOrTypes"], by_name["trace_id"]["properties"]) == (["Trace"], ["trace_id"])
    assert (by_name["span_key"]["labelsOrTypes"], by_name["span_key"]["properties"]) == (
        ["Span"], ["trace_id", "span_id"])
    assert (by_name["service_name"]["labelsOrTypes"], by_name["service_name"]["properties"]) == (
        ["Service"], ["name"])
    assert {by_name[n]["type"] for n in EXPECTED_CONSTRAINTS} == {"UNIQUENESS"}
    indexes = {i["name"]: i for i in status.indexes}
    assert set(EXPECTED_INDEXES) <= set(indexes)
    assert indexes["remote_call_operation"]["entityType"] == "RELATIONSHIP"
    assert indexes["span_start_ns"]["properties"] == ["start_ns"]


def test_status_reports_missing_names():
    from graphtrace.store.schema import SchemaStatus

    status = SchemaStatus(constraints=[{"name": n} for n in EXPECTED_CONSTRAINTS],
                          indexes=[{"name": n, "state": "POPULATING"} for n in EXPECTED_INDEXES])
    assert status.missing == list(EXPECTED_INDEXES)  # not ONLINE yet counts as missing
    assert not status.ok
