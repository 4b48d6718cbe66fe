"""The Markdown report: same content as the text report, tree fenced, tables as GFM."""

from __future__ import annotations

from graphtrace.render.markdown import gfm_table, render_markdown
from graphtrace.render.tree import tree_lines


def test_markdown_structure(report):
    md = render_markdown(report)
    lines = md.splitlines()
    assert lines[0] == "## Trace `4bf92f3577b34da6a3ce929d0e0e4736`"
    assert "- **Duration:** 10.00 ms" in lines
    assert "- **Services:** 2: payment, web" in lines
    headings = [line for line in lines if line.startswith("### ")]
    assert headings == ["### Call tree", "### Critical path", "### Bottlenecks", "### Anomalies", "### Narrative"]
    # The tree sits in a ```text fence, line for line the same as the text report's tree.
    start = lines.index("```text")
    assert lines[start + 1:start + 5] == tree_lines(report["spans"], report["root_span_ids"])
    assert lines[start + 5] == "```"


def test_markdown_critical_path_table(report):
    lines = render_markdown(report).splitlines()
    start = lines.index("### Critical path") + 2
    # Same rows as the text table (derivation in test_render_text.py); numeric columns right-aligned.
    assert lines[start:start + 5] == [
        "| # | span | service | span id | at +ms | cp ms | share |",
        "| ---: | --- | --- | --- | ---: | ---: | ---: |",
        "| 1 | GET /checkout | web | r | 0.00 | 3.00 | 30.0% |",
        "| 2 | charge | web | b | 2.00 | 4.00 | 40.0% |",
        "| 3 | Charge | payment | c | 5.00 | 3.00 | 30.0% |",
    ]


def test_markdown_anomalies_and_narrative(report):
    md = render_markdown(report)
    assert "| client_server_gap | b, c | charge waited 4.00 ms longer than Charge ran |" in md
    assert md.endswith("### Narrative\n\nThe checkout took 10 ms.\n\nMost of it was the payment call.")


def test_pipes_and_newlines_in_cells_are_escaped():
    assert gfm_table(["op"], [["a|b\nc"]]).splitlines()[2] == "| a\\|b c |"


def test_a_fence_inside_a_span_name_gets_a_longer_fence(report):
    report["spans"][0]["name"] = "weird ``` name"
    md = render_markdown(report)
    assert "````text" in md and md.count("````") == 2
