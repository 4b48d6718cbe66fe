"""The Markdown report of one trace: the text report's content, tree in a code block, GFM tables.

>>> print(gfm_table(["a", "b|c"], [["1", "x|y"]]))
| a | b\\|c |
| ---: | --- |
| 1 | x\\|y |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphtrace.render.sections import (
    anomaly_table,
    bottleneck_table,
    critical_path_table,
    header_fields,
    narrative_paragraphs,
)
from graphtrace.render.safe import literal, safe_lines
from graphtrace.render.table import is_numeric_column
from graphtrace.render.tree import LEGEND, tree_lines


def _cell(text: str) -> str:
    return literal(text.replace("\n", " ")).replace("\\", "\\\\").replace("|", "\\|")


def gfm_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table; ``|`` in cells is escaped, numeric columns right-aligned.

    ``_(none)_`` when there are no rows.

    >>> gfm_table(["a"], [])
    '_(none)_'
    """
    if not rows:
        return "_(none)_"
    rules = ["---:" if is_numeric_column([row[i] for row in rows]) else "---" for i in range(len(columns))]
    out = ["| " + " | ".join(_cell(c) for c in columns) + " |", "| " + " | ".join(rules) + " |"]
    out.extend("| " + " | ".join(_cell(str(v)) for v in row) + " |" for row in rows)
    return "\n".join(out)


def _fence(lines: list[str]) -> str:
    body = "\n".join(lines)
    fence = "```"
    while fence in body:
        fence += "`"
    return f"{fence}text\n{body}\n{fence}"


def render_markdown(report: Mapping[str, Any]) -> str:
    """The whole report of one trace as Markdown (ends without a newline).

    >>> render_markdown({"trace_id": "t", "spans": []}).splitlines()[0]
    '## Trace `t`'
    """
    fields = header_fields(report)
    parts = [f"## Trace `{fields[0][1]}`", "\n".join(f"- **{k}:** {v}" for k, v in fields[1:])]
    tree = tree_lines(report.get("spans") or [], report.get("root_span_ids") or [])
    parts += ["### Call tree", f"_{LEGEND}_", _fence(tree) if tree else "_(no spans)_"]
    parts += ["### Critical path", gfm_table(*critical_path_table(report))]
    parts += ["### Bottlenecks", gfm_table(*bottleneck_table(report))]
    parts += ["### Anomalies", gfm_table(*anomaly_table(report))]
    parts += ["### Narrative", "\n\n".join(narrative_paragraphs(report)) or "_(none)_"]
    return safe_lines("\n\n".join(parts))
