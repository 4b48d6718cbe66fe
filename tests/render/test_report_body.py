"""``report_body``: one report as it sits in ``analyze -f json``'s document (#16.1)."""

from __future__ import annotations

import json

from graphtrace.render.json import render_json, report_body


def _indented_by_hand(report: dict) -> str:
    # Python's json module with indent=2 writes the same layout as orjson's OPT_INDENT_2 for these
    # values; the body sits two levels deep (4 spaces) inside {"traces": [...]}
    text = json.dumps(report, indent=2, ensure_ascii=False)
    return "\n".join("    " + line for line in text.split("\n"))


def test_body_equals_the_report_indented_four_spaces() -> None:
    report = {"trace_id": "ab", "narrative": "line one\nline two \u2028 \"quoted\" é",
              "spans": [{"span_id": "a", "depth": 0, "share": 0.5, "tags": {}}, {"span_id": "b", "x": []}],
              "empty": {}, "none": None, "flag": True}
    assert report_body(report) == _indented_by_hand(report)


def test_bodies_joined_give_the_whole_document() -> None:
    reports = [{"trace_id": "a", "n": [1, 2]}, {"trace_id": "b", "n": {"k": "v"}}]
    whole = render_json({"traces": reports, "warnings": []})
    assert whole == '{\n  "traces": [\n' + ",\n".join(map(report_body, reports)) + '\n  ],\n  "warnings": []\n}\n'
