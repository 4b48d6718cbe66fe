"""The text report fits 100 columns: long span names are cut in the middle (tree and tables),
long anomaly messages continue on indented lines; nothing is lost from the message."""

from __future__ import annotations

from graphtrace.render.text import render_text
from graphtrace.render.tree import LEGEND

LONG = "GET /api/" + "segment/" * 20 + "end"  # 9 + 160 + 3 = 172 characters
MESSAGE = " ".join(["waited"] * 40)  # 40 * 7 - 1 = 279 characters, words of 6


def test_long_names_and_messages_fit_100_columns(report):
    report["spans"][0]["name"] = LONG
    for key in ("critical_path", "bottlenecks"):
        for row in report[key]:
            if "name" in row:
                row["name"] = LONG
    report["anomalies"][0]["message"] = MESSAGE
    text = render_text(report)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert len("Legend: " + LEGEND) <= 100
    tree_root = next(line for line in lines if line.startswith("★ [web] GET /api/segment/"))
    assert "…" in tree_root and tree_root.endswith("10.00 ms  self 2.00 ms")  # cut, times kept
    # the anomaly message comes back whole when its continuation lines are joined
    a = lines.index("Anomalies") + 4
    start = lines[a - 2].index("message")
    joined, i = [], a
    while i < len(lines) and lines[i].strip():
        joined.append(lines[i][start:].strip())
        i += 1
        if i < len(lines) and not lines[i].startswith(" "):
            break
    assert " ".join(joined) == MESSAGE
