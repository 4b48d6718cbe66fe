"""Never markup: names, ids and attributes from a trace are printed literally by every renderer.

The hostile strings and what a reader must see instead (hand-written; the substitutions are the
Unicode control pictures U+2400 + code for C0 controls, ``\\uXXXX`` for bidi marks):

    "[bold]pay[/x]"            -> "[bold]pay[/x]"          (rich markup is just text)
    "/api/[productId]"         -> "/api/[productId]"       (not cut short)
    "back\\slash"              -> "back\\slash"
    "\\x1b[31mred\\x1b[0m"     -> "␛[31mred␛[0m"           (ESC = 0x1b -> U+241B)
    "\\x1b]8;;http://e\\x07ln" -> "␛]8;;http://e␇ln"       (OSC 8 hyperlink; BEL = 0x07 -> U+2407)
    "gpj.\\u202eexe"           -> "gpj.\\u202eexe"          (RIGHT-TO-LEFT OVERRIDE shown as an escape)
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from graphtrace.render.diagnose import render_diagnosis
from graphtrace.render.diagnostics import summarize_diagnostics
from graphtrace.render.markdown import render_markdown
from graphtrace.render.table import render_rows
from graphtrace.render.text import render_text, styled_text
from graphtrace.render.tree import tree_lines

HOSTILE = {
    "[bold]pay[/x]": "[bold]pay[/x]",
    "/api/[productId]": "/api/[productId]",
    "back\\slash": "back\\slash",
    "\x1b[31mred\x1b[0m": "\u241b[31mred\u241b[0m",
    "\x1b]8;;http://e\x07ln": "\u241b]8;;http://e\u2407ln",
    "gpj.\u202eexe": "gpj.\\u202eexe",
}
RAW = ("\x1b", "\x07", "\u202e")


def _span(sid: str, parent: str | None, name: str, start: int) -> dict:
    return {"span_id": sid, "parent_span_id": parent, "service": name, "name": name, "kind": "INTERNAL",
            "start_ns": start, "end_ns": start + 1_000_000, "duration_ns": 1_000_000,
            "self_time_ns": 1_000_000, "critical_path_ns": 0, "status": "UNSET"}


def _report() -> dict:
    names = list(HOSTILE)
    spans = [_span("root", None, names[0], 0)] + [_span(f"s{i}", "root", n, i) for i, n in enumerate(names[1:], 1)]
    return {"trace_id": "\x1b[2Jtid", "duration_ns": 10_000_000, "span_count": len(spans), "services": names,
            "root_span_ids": ["root"], "start_ns": 0, "end_ns": 10_000_000, "spans": spans,
            "critical_path": [{"span_id": "s1", "start_ns": 0, "end_ns": 1}],
            "bottlenecks": [{"span_id": "s3", "name": names[3], "service": names[4], "self_time_ns": 1,
                             "critical_path_ns": 1, "share": 0.5}],
            "anomalies": [{"type": "gap", "span_ids": ["s4"], "message": names[5]}],
            "narrative": "Slow: " + names[3]}


def _assert_literal(out: str) -> None:
    for raw in RAW:
        assert raw not in out, f"{raw!r} reached the output"
    for shown in HOSTILE.values():
        assert shown in out, f"{shown!r} missing from output"


def _printed(renderable) -> str:
    """What a markup-enabled rich console writes for ``renderable`` (no colour, wide)."""
    buffer = io.StringIO()
    Console(file=buffer, width=400, color_system=None, markup=True).print(renderable)
    return buffer.getvalue()


def test_text_report_is_literal():
    out = render_text(_report())
    _assert_literal(out)
    assert "\u241b[2Jtid" in out  # the trace id too


def test_styled_text_printed_by_rich_is_literal():
    _assert_literal(_printed(styled_text(render_text(_report()))))


def test_markdown_report_is_literal():
    out = render_markdown(_report())
    # Markdown escapes a backslash in table cells; the tree is in a code block and keeps it single.
    _assert_literal(out)


def test_tree_lines_are_literal():
    _assert_literal("\n".join(tree_lines(_report()["spans"], ["root"])))


@pytest.mark.parametrize("fmt", ["table", "plain"])
def test_recipe_tables_are_literal(fmt):
    rows = [[name, "id-" + name] for name in HOSTILE]
    out = render_rows(["name [x]", "id"], rows, fmt)
    _assert_literal(out)
    assert "name [x]" in out


def test_table_with_markup_closing_tag_does_not_crash_rich():
    # "[/x]" alone used to raise rich.errors.MarkupError when cells were markup strings.
    out = render_rows(["span"], [["[/x]"], ["[/]"]], "table")
    assert "[/x]" in out and "[/]" in out


def test_diagnostics_are_literal():
    skipped = [{"file": "f.json", "record": f"span {name}", "field": None, "message": name} for name in HOSTILE]
    _assert_literal(summarize_diagnostics([], skipped, first=len(skipped)))


def test_diagnosis_paragraph_is_literal():
    name = "\x1b[31mcart[/x]\u202e"
    part = {"baseline": 1.0, "incident": 2.0, "delta": 1.0}
    top = {"service": name, "score": 1.0, "z": 9.0, "confidence": "high", "evidence": [],
           "owned": {"processing": part, "wire": part, "errors": part, "total": part}}
    d = {"baseline_traces": 1, "incident_traces": 1, "baseline_request_ms": 1.0, "incident_request_ms": 2.0,
         "common_factor": 1.0, "culprit": name, "confidence": "high", "ranking": [top]}
    out = render_diagnosis(d)
    assert out.startswith("\u241b[31mcart[/x]\\u202e owns the slowdown")
    assert not any(raw in out for raw in RAW)


def test_json_and_csv_keep_raw_values_for_scripts():
    # Raw data formats are unchanged: JSON escapes control characters itself (RFC 8259), CSV keeps them.
    assert render_rows(["n"], [["a\x1bb"]], "json") == '[{"n":"a\\u001bb"}]'
    assert render_rows(["n"], [["[/x]"]], "csv") == "n\r\n[/x]\r\n"
