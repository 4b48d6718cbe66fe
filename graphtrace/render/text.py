"""The plain-text report of one trace (from ``TraceReport.model_dump()``).

Sections: header, call tree (with legend), critical path, bottlenecks,
anomalies, narrative.  :func:`render_text` returns plain text without ANSI
codes; :func:`styled_text` wraps the same text in a rich ``Text`` with colours,
for the CLI to print when it writes to a terminal.

>>> report = {"trace_id": "ab", "duration_ns": 2_000_000, "span_count": 1, "services": ["web"],
...     "root_span_ids": ["r"], "start_ns": 0, "end_ns": 2_000_000, "narrative": "All fine.",
...     "spans": [{"span_id": "r", "parent_span_id": None, "service": "web", "name": "GET /",
...                "kind": "SERVER", "start_ns": 0, "end_ns": 2_000_000, "duration_ns": 2_000_000,
...                "self_time_ns": 2_000_000, "critical_path_ns": 2_000_000, "status": "OK"}],
...     "critical_path": [{"span_id": "r", "start_ns": 0, "end_ns": 2_000_000}],
...     "bottlenecks": [], "anomalies": []}
>>> print(render_text(report).splitlines()[9])
★ [web] GET / (SERVER) . 2.00 ms  self 2.00 ms
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from graphtrace.render.sections import (
    anomaly_table,
    bottleneck_table,
    critical_path_table,
    header_fields,
    narrative_paragraphs,
)
from graphtrace.render.humane import cut_middle
from graphtrace.render.safe import literal, safe_lines
from graphtrace.render.table import render_rows
from graphtrace.render.tree import LEGEND, MARK, tree_lines

WRAP = 100
HEADINGS = ("Call tree", "Critical path", "Bottlenecks", "Anomalies", "Narrative")


def _heading(title: str) -> list[str]:
    return ["", title, "=" * len(title)]


def _table(table: tuple[list[str], list[list[str]]]) -> list[str]:
    """A plain table; when it is wider than ``WRAP``, span names are cut in the middle (not below 20)."""
    columns, rows = table
    if not rows:
        return ["(none)"]
    lines = render_rows(columns, rows, "plain").splitlines()
    excess = max(len(line) for line in lines) - WRAP
    if excess > 0 and "span" in columns:
        i = columns.index("span")
        longest = max(len(literal(r[i])) for r in rows)
        room = max(longest - excess, 20, len("span"))
        rows = [[cut_middle(literal(v), room) if j == i else v for j, v in enumerate(r)] for r in rows]
        lines = render_rows(columns, rows, "plain").splitlines()
    if columns[-1] == "message":
        lines = _wrap_last_column(lines, lines[0].index("message"))
    return lines


def _wrap_last_column(lines: list[str], start: int) -> list[str]:
    """Lines wider than ``WRAP`` continue their last column on indented lines below.

    >>> _wrap_last_column(["a  message", "-  -------", "x  " + "word " * 30], 3)[2:4]
    ['x  word word word word word word word word word word word word word word word word word word word', '   word word word word word word word word word word word']
    """
    if start > WRAP - 25:
        return lines
    out: list[str] = []
    for i, line in enumerate(lines):
        if len(line) <= WRAP or i == 1:  # the rule under the header is just cut
            out.append(line[:WRAP])
            continue
        parts = _wrap_words(line[start:], WRAP - start) or [""]
        out.append(line[:start] + parts[0])
        out.extend(" " * start + part for part in parts[1:])
    return out


def _split_long(word: str, width: int) -> list[str]:
    """A word wider than ``width`` in pieces, each cut after its last ``/``, ``.`` or ``_`` when it has one.

    >>> _split_long("grpc.oteldemo.CartService/AddItem", 27)
    ['grpc.oteldemo.CartService/', 'AddItem']
    """
    pieces = []
    while len(word) > width:
        cut = max(word.rfind(sep, 0, width) for sep in "/._") + 1
        cut = cut if cut > width // 3 else width
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word]


def _wrap_words(text: str, width: int) -> list[str]:
    """Words on lines of at most ``width``; a word never split unless it is wider than a line (then it starts
    a line and breaks after a ``/``, ``.`` or ``_``: a long span name stays readable and the line fits).

    >>> _wrap_words("for cart's POST /oteldemo.CartService/AddItem (2x)", 27)
    ["for cart's POST", '/oteldemo.CartService/', 'AddItem (2x)']
    """
    lines: list[str] = []
    for word in text.split():
        pieces = _split_long(word, width)
        if lines and len(lines[-1]) + 1 + len(pieces[0]) <= width and len(pieces) == 1:
            lines[-1] += " " + word
            continue
        lines.extend(pieces)
    return lines


def render_text(report: Mapping[str, Any]) -> str:
    """The whole report of one trace as plain text (no ANSI codes), ending without a newline.

    >>> render_text({"trace_id": "t", "spans": []}).splitlines()[:2]
    ['Trace     t', 'Duration  - ms']
    """
    fields = header_fields(report)
    width = max(len(k) for k, _ in fields) + 2
    lines = [f"{k:<{width}}{v}" for k, v in fields]
    lines += _heading("Call tree")
    lines.append(f"Legend: {LEGEND}")
    lines += tree_lines(report.get("spans") or [], report.get("root_span_ids") or []) or ["(no spans)"]
    lines += _heading("Critical path")
    lines += _table(critical_path_table(report))
    lines += _heading("Bottlenecks")
    lines += _table(bottleneck_table(report))
    lines += _heading("Anomalies")
    lines += _table(anomaly_table(report))
    lines += _heading("Narrative")
    paragraphs = narrative_paragraphs(report)
    for i, paragraph in enumerate(paragraphs):
        lines += ([""] if i else []) + textwrap.wrap(paragraph, WRAP)
    if not paragraphs:
        lines.append("(none)")
    return safe_lines("\n".join(lines))


def styled_text(text: str) -> Any:
    """``text`` (from :func:`render_text`) as a rich ``Text``: headings bold, ``★`` yellow, errors red.

    >>> styled_text("Narrative\\n★ x").plain
    'Narrative\\n★ x'
    """
    from rich.text import Text

    styled = Text(text)
    styled.highlight_regex(rf"(?m)^(Trace|{'|'.join(HEADINGS)})\b.*$", "bold")
    styled.highlight_regex(MARK, "bold yellow")
    styled.highlight_regex(r"!ERROR", "bold red")
    return styled
