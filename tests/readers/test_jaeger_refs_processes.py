"""Jaeger references in any spelling, and one resource per process shared by its spans (#16.1 fast lane)."""

from __future__ import annotations

import json
from pathlib import Path

from graphtrace.model import RefType
from graphtrace.readers import read_traces

TRACE = "0af7651916cd43dd8448eb211c80319c"


def _span(span_id: str, refs: list[dict], pid: str = "p1", start: int = 1_700_000_000_000_000) -> dict:
    # a span as Jaeger UI's "Download JSON" writes it (times in µs)
    return {"traceID": TRACE, "spanID": span_id, "operationName": f"op-{span_id[-1]}", "references": refs,
            "startTime": start, "duration": 50, "tags": [], "logs": [], "processID": pid, "warnings": None}


def _read(tmp_path: Path, spans: list[dict]) -> tuple[list, list]:
    doc = {"data": [{"traceID": TRACE, "spans": spans, "warnings": None, "processes": {
        "p1": {"serviceName": "frontend", "tags": [{"key": "hostname", "type": "string", "value": "fe-1"}]},
        "p2": {"serviceName": "cart", "tags": []}}}], "total": 0, "limit": 0, "offset": 0, "errors": None}
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(doc))
    stream = read_traces([path])
    return [s for t in stream for s in t.spans], stream.skipped


def test_lower_case_ref_types_and_links(tmp_path: Path) -> None:
    root = _span("00000000000000a1", [])
    child = _span("00000000000000b2", [
        {"refType": "follows_from", "traceID": TRACE, "spanID": "00000000000000a1"},
        {"refType": "child_of", "traceID": TRACE, "spanID": "00000000000000a1"},
        {"refType": "FOLLOWS_FROM", "traceID": "1" * 32, "spanID": "00000000000000ff"}], pid="p2", start=
        1_700_000_000_000_010)
    spans, skipped = _read(tmp_path, [root, child])
    assert skipped == []
    by_id = {s.span_id: s for s in spans}
    b = by_id["00000000000000b2"]
    # the CHILD_OF reference is the parent even when listed second; the others become links, in order
    assert (b.parent_span_id, b.ref_type) == ("00000000000000a1", RefType.CHILD_OF)
    assert [(link.span_id, link.ref_type) for link in b.links] == [
        ("00000000000000a1", RefType.FOLLOWS_FROM), ("00000000000000ff", RefType.FOLLOWS_FROM)]


def test_an_unknown_ref_type_skips_the_trace_naming_references(tmp_path: Path) -> None:
    bad = _span("00000000000000c3", [{"refType": "PARENT", "traceID": TRACE, "spanID": "00000000000000a1"}])
    spans, skipped = _read(tmp_path, [_span("00000000000000a1", []), bad])
    # a bad span takes its whole trace with it (never half a trace), and the skip names the field
    assert spans == []
    [skip] = skipped
    assert (skip.record, skip.field) == ("span 00000000000000c3", "references")
    assert skip.message.startswith("malformed reference: 'PARENT' is not a valid RefType; whole trace")


def test_spans_of_one_process_share_its_resource(tmp_path: Path) -> None:
    spans, _ = _read(tmp_path, [
        _span("00000000000000a1", []),
        _span("00000000000000a2", [{"refType": "CHILD_OF", "traceID": TRACE, "spanID": "00000000000000a1"}]),
        _span("00000000000000a3", [{"refType": "CHILD_OF", "traceID": TRACE, "spanID": "00000000000000a1"}],
              pid="p2")])
    by_id = {s.span_id: s for s in spans}
    fe1, fe2, cart = by_id["00000000000000a1"], by_id["00000000000000a2"], by_id["00000000000000a3"]
    assert fe1.resource == {"hostname": "fe-1", "service.name": "frontend"}
    assert fe2.resource is fe1.resource  # one dict per process, not one per span
    assert (cart.service, cart.resource) == ("cart", {"service.name": "cart"})
