"""Recipe tables for people (render_rows with display hints): units, cutting, fitting the width.

Expected strings are derived by hand in the comments.
"""

from __future__ import annotations

import orjson

from graphtrace.render.humane import cut_middle, format_duration, format_value
from graphtrace.render.table import render_rows

T0 = 1_732_096_800_000_000_000  # 2024-11-20T10:00:00Z in ns (1,732,096,800 s since the epoch)
TID = "971a659583cb354ebf2a7babf50db2f8"
COLUMNS = ["trace_id", "service", "name", "start_ns", "duration_ns", "ratio", "share", "note"]
ROWS = [
    [TID, "frontend", "GET /api/products/[productId]/reviews/and/a/very/long/tail", T0, 10_941_391, 16.8312, 0.98612, "x"],
    [TID, "cart", "Get", T0 + 2_500_000, 1_066_789_345, 1.0, 0.0125, "y"],
]
SHOW = [("name", "text"), ("duration_ns", "duration"), ("share", "share"), ("start_ns", "offset"),
        ("ratio", "ratio"), ("trace_id", "id"), ("service", "text")]


def test_units():
    # 10,941,391 ns = 10.941391 ms -> 3 significant digits: 10.9 ms
    # 1,066,789,345 ns = 1.066789345 s -> 1.07 s;  850 ns stays ns;  1,500 ns = 1.50 µs
    assert [format_duration(v) for v in (10_941_391, 1_066_789_345, 850, 1_500)] == ["10.9 ms", "1.07 s", "850 ns", "1.50 µs"]
    # 16.8312 -> 16.8x; 0.98612 -> 98.612% -> 98.6%; 0.0125 -> 1.25% -> 1.3% (half up)
    assert format_value("ratio", 16.8312) == "16.8x"
    assert format_value("share", 0.98612) == "98.6%" and format_value("share", 0.0125) == "1.3%"
    # T0 + 123,456,789 ns = 10:00:00.123456789 -> milliseconds: .123
    assert format_value("time", T0 + 123_456_789) == "2024-11-20T10:00:00.123Z"


def test_cut_in_the_middle():
    # width 9: 8 characters kept, 4 on the left, 4 on the right, an ellipsis between
    assert cut_middle("abcdefghijklmnop", 9) == "abcd…mnop"


def test_wide_terminal_shows_everything_in_human_units():
    out = render_rows(COLUMNS, ROWS, "table", show=SHOW, width=200)
    lines = out.splitlines()
    assert lines[0].split() == COLUMNS  # the table order is kept
    row1, row2 = lines[2], lines[3]
    assert "10.9 ms" in row1 and "+0 ns" in row1 and "16.8x" in row1 and "98.6%" in row1 and TID in row1
    assert "1.07 s" in row2 and "+2.50 ms" in row2 and "1.00x" in row2 and "1.3%" in row2
    assert ROWS[0][2] in row1  # the whole name fits: not cut


def _note(lines: list[str]) -> str:
    start = next(i for i, line in enumerate(lines) if line.startswith("("))
    return " ".join(lines[start:])


def test_narrow_terminal_drops_unhinted_then_low_priority_before_cutting_names_short():
    # Natural widths in priority order: name 58, duration_ns 11, share 5, start_ns 8 ("+2.50 ms"),
    # ratio 5, trace_id 32, service 8; unhinted: note 4.  Three characters between columns.
    # All 8: 131 + 21 = 152 > 100.  Without note: 127 + 18 = 145 > 100.  Name cut to 20 (the comfort
    # floor): 89 + 18 = 107 > 100, so service goes: 81 + 15 = 96, and the name gets 20 + 4 = 24.
    out = render_rows(COLUMNS, ROWS, "table", show=SHOW, width=100)
    lines = out.splitlines()
    assert all(len(line) <= 100 for line in lines)
    assert lines[0].split() == ["trace_id", "name", "start_ns", "duration_ns", "ratio", "share"]
    assert _note(lines) == "(2 columns hidden to fit 100 characters: service, note; --format json shows all)"
    assert TID in lines[2]  # ids are never cut
    assert cut_middle(ROWS[0][2], 24) in lines[2] and "…" in lines[2]
    # 40: name (20) + duration (11) + share (5) + 6 = 42 > 40; name + duration: 20 + 11 + 3 = 34,
    # and the name gets 40 - 14 = 26.
    narrow = render_rows(COLUMNS, ROWS, "table", show=SHOW, width=40).splitlines()
    assert all(len(line) <= 40 for line in narrow)
    assert narrow[0].split() == ["name", "duration_ns"]
    assert cut_middle(ROWS[0][2], 26) in narrow[2]
    assert _note(narrow).endswith("share, start_ns, ratio, trace_id, service, note; --format json shows all)")


def test_no_cell_is_folded():
    lines = render_rows(COLUMNS, ROWS, "table", show=SHOW, width=60).splitlines()
    body = lines[2:next(i for i, line in enumerate(lines) if line.startswith("("))]
    assert len(body) == len(ROWS)  # one line per row: nothing wrapped onto a second line


def test_json_and_csv_keep_raw_values():
    assert orjson.loads(render_rows(COLUMNS, ROWS, "json", show=SHOW, width=40))[1]["duration_ns"] == 1_066_789_345
    csv_text = render_rows(COLUMNS, ROWS, "csv", show=SHOW, width=40)
    assert csv_text.splitlines()[0] == ",".join(COLUMNS) and f",{T0},10941391," in csv_text
