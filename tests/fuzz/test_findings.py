"""Tests for the fuzz findings closed after the campaign (/work/notes/fuzz-findings.md 1, 2, 3, 5b).

Inputs are hand-written in the shapes the tools export: ClickHouse's ``otel_traces`` table as
``clickhouse-client --format CSVWithNames`` writes it (maps and arrays as ClickHouse literals),
OTLP JSON as the collector's file exporter writes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

import graphtrace.readers.rows as rows
from graphtrace.readers import read_traces
from graphtrace.readers.build import parse_status
from tests.fuzz.harness import classify, invoke

HEADER = "Timestamp,TraceId,SpanId,ParentSpanId,SpanName,SpanKind,ServiceName,Duration,StatusCode"
EVENTS_HEADER = HEADER + ",Events.Timestamp,Events.Name,Events.Attributes"


def _read(path: Path) -> tuple[list[Any], list[str], list[str]]:
    stream = read_traces([path])
    traces = list(stream)
    return traces, [d.text for d in stream.skipped], [d.text for d in stream.warnings]


# ---------------------------------------------------------------- 1. the per-row safety net of read_csv

def test_an_unforeseen_error_in_row_3_skips_that_row_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No input is known to reach the net any more (the last one, an event name nested 1,000 deep, is
    # the next test), so a reader bug is simulated: parse_status fails on row 3's "Error" the way an
    # unforeseen check would (a TypeError).  Before the net was row-sized, rows 3 *and 4* were lost.
    def broken(value: Any, field: str = "status.code") -> Any:
        if value == "Error":
            raise TypeError("'list' object is not subscriptable")
        return parse_status(value, field)

    monkeypatch.setattr(rows, "parse_status", broken)
    path = tmp_path / "ch.csv"
    path.write_text(HEADER + "\n"
                    "2023-11-14 22:13:20.000000000,AAAA0000000000000000000000000001,1111111111111111,,GET /,Server,web,"
                    "5000000,Ok\n"
                    "2023-11-14 22:13:20.001000000,AAAA0000000000000000000000000001,2222222222222222,1111111111111111,"
                    "SELECT,Client,web,1000000,Unset\n"
                    "2023-11-14 22:13:20.002000000,BBBB0000000000000000000000000002,3333333333333333,,GET /x,Server,"
                    "web,1000000,Error\n"
                    "2023-11-14 22:13:20.003000000,CCCC0000000000000000000000000003,4444444444444444,,GET /y,Server,"
                    "api,2000000,Ok\n", encoding="utf-8")
    traces, skipped, _ = _read(path)
    # rows 1 and 2 (trace aaaa..., two spans) and row 4 (trace cccc...) are read
    assert sorted((t.trace_id[:4], sorted(s.span_id[:4] for s in t.spans)) for t in traces) == [
        ("aaaa", ["1111", "2222"]), ("cccc", ["4444"])]
    # row 3 is one skipped record naming the row and the column being read, in plain words
    assert len(skipped) == 1, skipped
    assert skipped[0].startswith(f"{path}: row 3: StatusCode: cannot read this record (found a list where an "
                                 "object or a list was expected); the row is skipped"), skipped


def test_an_event_name_nested_1000_deep_names_the_column(tmp_path: Path) -> None:
    # str() of a list nested 1,000 deep raises RecursionError: before, the file's net caught it and
    # the rest of the file was skipped; now the reader names the column, and row 2 is read.
    deep = "[" * 1000 + "]" * 1000
    path = tmp_path / "ch.csv"
    path.write_text(EVENTS_HEADER + "\n"
                    "2023-11-14 22:13:20.0,AAAA0000000000000000000000000001,1111111111111111,,GET /,Server,web,"
                    f"5000000,Ok,['2023-11-14 22:13:20.001'],\"[{deep}]\",[{{}}]\n"
                    "2023-11-14 22:13:20.0,CCCC0000000000000000000000000003,4444444444444444,,GET /y,Server,api,"
                    "2000000,Ok,[],[],[]\n", encoding="utf-8")
    traces, skipped, _ = _read(path)
    assert [t.trace_id[:4] for t in traces] == ["cccc"]
    assert len(skipped) == 1 and skipped[0].startswith(
        f"{path}: row 1: Events.Name[0]: expected a name, got [[[...]]]"), skipped


# ---------------------------------------------------------------- 2. Events.Attributes entries that are not maps

def test_event_attributes_entry_that_is_not_a_map_is_a_warning(tmp_path: Path) -> None:
    # ClickHouse's Events.Attributes is Array(Map(String, String)); a hand-edited export holds a list
    # in place of the second map.  The event is kept without attributes, and a warning says so.
    path = tmp_path / "ch.csv"
    path.write_text(EVENTS_HEADER + "\n"
                    "2023-11-14 22:13:20.0,AAAA0000000000000000000000000001,1111111111111111,,GET /,Server,web,"
                    "5000000,Ok,\"['2023-11-14 22:13:20.001','2023-11-14 22:13:20.002']\","
                    "\"['retry','exception']\",\"[{'attempt':'1'},['exception.message','boom']]\"\n",
                    encoding="utf-8")
    traces, skipped, warnings = _read(path)
    assert skipped == []
    [span] = traces[0].spans
    assert [(e.name, e.attributes) for e in span.events] == [("retry", {"attempt": "1"}), ("exception", {})]
    assert warnings == [f"{path}: row 1: Events.Attributes[1]: expected an object of key: value, got "
                        "['exception.message', 'boom']; these attributes are left out"]


def test_events_column_entry_that_is_not_an_object_is_a_warning(tmp_path: Path) -> None:
    # the list-of-objects form (column Events): a number among the events was dropped silently
    path = tmp_path / "ch.csv"
    path.write_text(HEADER + ",Events\n"
                    "2023-11-14 22:13:20.0,AAAA0000000000000000000000000001,1111111111111111,,GET /,Server,web,"
                    "5000000,Ok,\"[{'Name':'retry','Timestamp':'2023-11-14 22:13:20.001'},7]\"\n",
                    encoding="utf-8")
    traces, _, warnings = _read(path)
    assert [e.name for e in traces[0].spans[0].events] == ["retry"]
    assert warnings == [f"{path}: row 1: Events[1]: expected an event object, got 7; this event is left out"]


# ---------------------------------------------------------------- 3. OTLP labels never quote a raw spanId

def _otlp(span: dict[str, Any]) -> bytes:
    return orjson.dumps({"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "frontend"}}]},
        "scopeSpans": [{"scope": {"name": "io.opentelemetry.http"}, "spans": [span]}]}]})


@pytest.mark.parametrize("span_id", [["aaaaaaaaaaaaaaaa"], 1234567, {"id": "aaaaaaaaaaaaaaaa"}])
def test_otlp_span_id_that_is_not_a_string_is_not_quoted_in_the_label(tmp_path: Path, span_id: Any) -> None:
    path = tmp_path / "t.json"
    path.write_bytes(_otlp({"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": span_id, "name": "GET",
                            "kind": 2, "startTimeUnixNano": "1700000000000000000",
                            "endTimeUnixNano": "1700000000005000000"}))
    code, _, err, escaped = invoke(["analyze", str(path)], timeout=60)
    assert escaped is None and classify(code, "", err, names=["t.json"])[0] == "clean_error", err
    assert f"{path}: span <invalid id>: spanId: " in err, err
    # the label is not the raw value (the field's message may show it, short: short_repr)
    assert not any(f"span {text}" in err for text in ("[", "{", "1234567")), err
