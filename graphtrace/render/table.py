"""Rows and columns as a table: a rich box table, aligned plain text, JSON or CSV.

Rows are plain data: each row is either a mapping keyed by column name or a
sequence in column order.  Used by the analysis report and the recipe CLI.

>>> print(render_rows(["service", "spans"], [{"service": "cart", "spans": 7}, ["frontend", 12]], "plain"))
service   spans
--------  -----
cart          7
frontend     12
>>> render_rows(["a"], [[1], [None]], "json")
'[{"a":1},{"a":null}]'
"""

from __future__ import annotations

import csv
import io
import json
import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from graphtrace.render.safe import cell_text, literal

FORMATS = ("table", "plain", "json", "csv")
DEFAULT_WIDTH = 100
_NUMERIC = re.compile(r"^[+-]?[\d,]*\.?\d+%?$")


def _row_values(columns: Sequence[str], row: Mapping[str, Any] | Sequence[Any]) -> list[Any]:
    """One row's values in column order (missing keys become ``None``)."""
    if isinstance(row, Mapping):
        return [row.get(c) for c in columns]
    values = list(row)
    if len(values) != len(columns):
        raise ValueError(f"row has {len(values)} values for {len(columns)} columns: {values!r}")
    return values


def is_numeric_column(values: Sequence[Any]) -> bool:
    """True when every non-empty value is a number or reads like one (``1,066.79``, ``98.4%``).

    >>> is_numeric_column([1, "2.50", "98.4%", None]), is_numeric_column(["1", "GET"])
    (True, False)
    """
    texts = [v for v in values if v is not None and v != ""]
    return bool(texts) and all(
        (isinstance(v, (int, float)) and not isinstance(v, bool)) or (isinstance(v, str) and _NUMERIC.match(v))
        for v in texts
    )


def _plain(columns: Sequence[str], rows: list[list[Any]]) -> str:
    columns = [literal(c) for c in columns]
    cells = [[literal(cell_text(v)) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    right = [is_numeric_column([row[i] for row in rows]) for i in range(len(columns))]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right)]
        return "  ".join(parts).rstrip()

    out = [line(list(columns)), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def _rich(columns: Sequence[str], rows: list[list[Any]], color: bool) -> str:
    cells = [[literal(cell_text(v)) for v in row] for row in rows]
    right = [is_numeric_column([row[i] for row in rows]) for i in range(len(columns))]
    return _rich_cells([literal(c) for c in columns], cells, right, color)


def _rich_cells(columns: Sequence[str], cells: list[list[str]], right: Sequence[bool], color: bool) -> str:
    """Safe cell strings as a rich table; cells are ``Text`` (never markup) and never wrapped."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name, is_right in zip(columns, right):
        table.add_column(Text(name), justify="right" if is_right else "left", no_wrap=True)
    for row in cells:
        table.add_row(*(Text(v) for v in row))
    natural = sum(max([len(c)] + [len(r[i]) for r in cells]) + 3 for i, c in enumerate(columns))  # + the gap
    buffer = io.StringIO()
    console = Console(file=buffer, width=max(natural + 4, 20), color_system="standard" if color else None,
                      force_terminal=color, highlight=False, soft_wrap=False)
    console.print(table)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())


def _human(columns: Sequence[str], rows: list[list[Any]], show: Sequence[tuple[str, str]],
           width: int | None, color: bool) -> str:
    from graphtrace.render.humane import human_table

    limit = width if width and width > 0 else DEFAULT_WIDTH
    shown, cells, right, hidden = human_table(columns, rows, show, limit)
    text = _rich_cells(shown, cells, right, color)
    if hidden:
        noun = "column" if len(hidden) == 1 else "columns"
        note = f"({len(hidden)} {noun} hidden to fit {limit} characters: {', '.join(hidden)}; --format json shows all)"
        text += "\n" + "\n".join(textwrap.wrap(note, limit, break_on_hyphens=False))
    return text


def _json(objects: list[dict[str, Any]]) -> str:
    try:
        return orjson.dumps(objects, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        # orjson refuses integers beyond 64 bits; the stdlib encoder writes them exactly.
        return json.dumps(objects, default=str, separators=(",", ":"), ensure_ascii=False)


def _csv(columns: Sequence[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180 CRLF lines: fields holding \r or \n get quoted
    writer.writerow(columns)
    writer.writerows([cell_text(v) for v in row] for row in rows)
    return buffer.getvalue()


def render_rows(
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any] | Sequence[Any]],
    fmt: str = "table",
    *,
    color: bool = False,
    show: Sequence[tuple[str, str]] | None = None,
    width: int | None = None,
) -> str:
    """Render ``rows`` under ``columns`` as ``table``, ``plain``, ``json`` or ``csv``.

    ``table`` is a rich table rendered to a string (ANSI only when ``color``);
    ``plain`` is space-aligned text with numeric columns right-aligned; ``json``
    is a list of objects (orjson; values kept as they are); ``csv`` uses the
    csv module (RFC 4180: CRLF line ends) with a header row, ``None`` as an empty cell.

    With ``show`` (display hints, ``(column, kind)`` in priority order; see
    :mod:`graphtrace.render.humane`), ``table`` is for people: human units, and it fits
    ``width`` characters (default :data:`DEFAULT_WIDTH`).  ``json`` and ``csv`` ignore
    ``show`` and ``width``: they keep the raw values (ns integers) for scripts.

    >>> render_rows(["op", "p95 ms"], [["GET", "1,002.50"]], "csv")
    'op,p95 ms\\r\\nGET,"1,002.50"\\r\\n'
    """
    values = [_row_values(columns, row) for row in rows]
    if fmt == "plain":
        return _plain(columns, values)
    if fmt == "table" and show is not None:
        return _human(columns, values, show, width, color)
    if fmt == "table":
        return _rich(columns, values, color)
    if fmt == "json":
        return _json([dict(zip(columns, row)) for row in values])
    if fmt == "csv":
        return _csv(columns, values)
    raise ValueError(f"unknown table format {fmt!r}; choose one of {', '.join(FORMATS)}")
