"""The text report and the call-tree lines, checked against hand-derived lines (see conftest.py)."""

from __future__ import annotations

import sys

from graphtrace.render.tree import GUIDE_ROOM, LEGEND, tree_lines, walk
from graphtrace.render.text import render_text, styled_text

# Labels (prefix + mark + "[service] name (KIND)" + " !ERROR" when status is ERROR):
#   r: "★ [web] GET /checkout (SERVER)"                   2+5+1+13+1+8      = 30 chars
#   a: "├── [web] auth (INTERNAL)"                          4+5+1+4+1+10      = 25 (a owns no cp time: no ★)
#   b: "└── ★ [web] charge (CLIENT)"                       4+2+5+1+6+1+8     = 27
#   c: "    └── ★ [payment] Charge (SERVER) !ERROR"        8+2+9+1+6+1+8+7   = 42
# Width = 42; each label gets " " + (42 - len + 1) dots + " ", so 13, 18, 16 and 1 dots.
# Durations 10.00 / 2.00 / 7.00 / 3.00 right-aligned to 5 chars; self 2.00 / 2.00 / 4.00 / 3.00.
EXPECTED_TREE = [
    "★ [web] GET /checkout (SERVER) " + "." * 13 + " 10.00 ms  self 2.00 ms",
    "├── [web] auth (INTERNAL) " + "." * 18 + "  2.00 ms  self 2.00 ms",
    "└── ★ [web] charge (CLIENT) " + "." * 16 + "  7.00 ms  self 4.00 ms",
    "    └── ★ [payment] Charge (SERVER) !ERROR " + "." + "  3.00 ms  self 3.00 ms",
]


def test_tree_lines_of_the_checkout_trace(report):
    assert tree_lines(report["spans"], report["root_span_ids"]) == EXPECTED_TREE


def test_tree_does_not_depend_on_span_order(report):
    assert tree_lines(list(reversed(report["spans"])), report["root_span_ids"]) == EXPECTED_TREE


def test_text_report_sections_in_order(report):
    lines = render_text(report).splitlines()
    # Header: labels padded to len("Services") + 2 = 10.
    assert lines[:5] == [
        "Trace     4bf92f3577b34da6a3ce929d0e0e4736",
        "Duration  10.00 ms",
        "Spans     4",
        "Services  2: payment, web",
        "Roots     r",
    ]
    assert lines[5:9] == ["", "Call tree", "=========", f"Legend: {LEGEND}"]
    assert "★ = on the critical path" in lines[8]
    assert lines[9:13] == EXPECTED_TREE
    headings = [lines[i - 1] for i, line in enumerate(lines) if line and set(line) == {"="}]
    assert headings == ["Call tree", "Critical path", "Bottlenecks", "Anomalies", "Narrative"]


def test_text_critical_path_table(report):
    lines = render_text(report).splitlines()
    start = lines.index("Critical path") + 2
    # Column widths: # 1, span 13 ("GET /checkout"), service 7, span id 7, at +ms 6, cp ms 5, share 5;
    # numeric columns (#, at +ms, cp ms, share) right-aligned, two spaces between columns.
    # r is first on the path at +0 ms with 2 + 1 = 3 ms (30%), then b at +2 ms with 3 + 1 = 4 ms (40%),
    # then c at +5 ms with 3 ms (30%).
    assert lines[start:start + 5] == [
        "#  span           service  span id  at +ms  cp ms  share",
        "-  -------------  -------  -------  ------  -----  -----",
        "1  GET /checkout  web      r          0.00   3.00  30.0%",
        "2  charge         web      b          2.00   4.00  40.0%",
        "3  Charge         payment  c          5.00   3.00  30.0%",
    ]


def test_text_bottlenecks_anomalies_narrative(report):
    text = render_text(report)
    lines = text.splitlines()
    b = lines.index("Bottlenecks") + 2
    assert lines[b + 2].split() == ["1", "charge", "web", "b", "4.00", "4.00", "40.0%"]
    assert lines[b + 3].split() == ["2", "GET", "/checkout", "web", "r", "2.00", "3.00", "30.0%"]
    a = lines.index("Anomalies") + 2
    assert lines[a].split() == ["type", "spans", "message"]
    assert lines[a + 2].split()[:2] == ["error_origin", "c"]
    assert lines[a + 3].startswith("client_server_gap  b, c   charge waited 4.00 ms")
    n = lines.index("Narrative") + 2
    assert lines[n:] == ["The checkout took 10 ms.", "", "Most of it was the payment call."]
    assert "\x1b" not in text


def test_empty_sections_say_none(report):
    report.update(bottlenecks=[], anomalies=[], narrative="")
    lines = render_text(report).splitlines()
    for title in ("Bottlenecks", "Anomalies", "Narrative"):
        assert lines[lines.index(title) + 2] == "(none)"


def test_styled_text_keeps_the_plain_text(report):
    text = render_text(report)
    styled = styled_text(text)
    assert styled.plain == text
    assert any(str(span.style) == "bold yellow" for span in styled.spans)


def _chain(n):
    return [{"span_id": f"s{i}", "parent_span_id": f"s{i - 1}" if i else None, "service": "svc",
             "name": "op", "kind": "INTERNAL", "start_ns": i, "end_ns": 2 * n - i, "duration_ns": 2 * n - 2 * i,
             "self_time_ns": 2, "critical_path_ns": 2, "status": "UNSET"} for i in range(n)]


def test_deep_tree_renders_without_recursion():
    n = 10_000
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # any recursion per level would blow this
    try:
        lines = tree_lines(_chain(n), ["s0"])
    finally:
        sys.setrecursionlimit(old)
    assert len(lines) == n
    # Too deep for any guides to fit 100 columns: 2-column guides, GUIDE_ROOM (32) columns of them (16
    # levels) drawn, and how many outer levels are hidden: the last span (depth 9,999) has 9,998
    # ancestor guides, of which 9,998 - 16 are hidden.
    drawn = GUIDE_ROOM // 2
    assert lines[-1].startswith(f"…+{n - 2 - drawn} " + "  " * drawn + "└ ★ [svc] op")
    assert max(len(line) for line in lines) <= 100


def test_orphans_and_cycles_still_render_every_span_once():
    spans = [
        {"span_id": "x", "parent_span_id": "y", "start_ns": 5, "end_ns": 6},
        {"span_id": "y", "parent_span_id": "x", "start_ns": 1, "end_ns": 9},
        {"span_id": "o", "parent_span_id": "missing", "start_ns": 0, "end_ns": 3},
    ]
    # Roots first in the given order (o), then unreached spans by start: y (start 1), whose child x follows.
    assert walk(spans, ["o"]) == [("o", 0, True), ("y", 0, True), ("x", 1, True)]
