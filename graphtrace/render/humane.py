"""Recipe rows for people: values in human units, and a table that fits the terminal.

A *display hint* says how to show one column: ``(column, kind)`` with ``kind`` one of
:data:`KINDS`; hints come in priority order (the most important column first).  The
recipe header's ``// show:`` line is parsed into hints by :mod:`graphtrace.recipes.display`;
this module only takes plain data.

* ``duration`` -- nanoseconds in the unit that fits (ns, µs, ms, s), 3 significant digits;
* ``time`` -- epoch nanoseconds as an ISO 8601 UTC time with milliseconds;
* ``offset`` -- nanoseconds after the column's earliest value (the trace start), as a duration;
* ``ratio`` -- ``16.8x``; ``share`` -- a fraction as a percent, ``98.6%``;
* ``id`` -- kept whole, never cut; ``text`` -- may be cut in the middle with ``…``;
* ``count`` -- an integer with thousands separators.

Fitting: when the table is wider than ``width``, columns without a hint go first (right to
left); then long ``text`` cells are cut in the middle down to ``COMFORT_TEXT`` characters
while the least important hinted columns go; then names are cut down to ``MIN_TEXT``.  A last line names the hidden columns.  Cells are never folded.

>>> format_value("duration", 10_941_391), format_value("ratio", 16.8312), format_value("share", 0.98612)
('10.9 ms', '16.8x', '98.6%')
>>> format_value("time", 1_732_096_800_123_456_789)
'2024-11-20T10:00:00.123Z'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from graphtrace.render.safe import cell_text, literal
from graphtrace.render.units import format_share

KINDS = ("duration", "time", "offset", "ratio", "share", "id", "text", "count")
MIN_TEXT = 12  # a name is never cut shorter than this
COMFORT_TEXT = 20  # ... and not shorter than this while a less important column can go instead
_UNITS = ((1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "µs"), (1, "ns"))


def significant(x: float, digits: int = 3) -> str:
    """``x`` with ``digits`` significant digits (half-up), but never in exponent form.

    >>> significant(10.941391), significant(0.0012345), significant(1234.5), significant(-2.005)
    ('10.9', '0.00123', '1,235', '-2.01')
    >>> significant(0.999999), significant(99.96)
    ('1.00', '100')
    """
    if x == 0:
        return "0"
    d = Decimal(repr(float(x)))
    exponent = math.floor(math.log10(abs(float(x))))
    places = max(digits - 1 - exponent, 0)
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if places and abs(q) >= Decimal(10) ** (exponent + 1):  # 0.999999 -> 1.00, not 1.000
        places -= 1
        q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q:,.{places}f}"


def format_duration(ns: int | float) -> str:
    """Nanoseconds in the largest unit that keeps the number at least 1, 3 significant digits.

    >>> format_duration(850), format_duration(1_500), format_duration(999_999), format_duration(2_345_678_901)
    ('850 ns', '1.50 µs', '1.00 ms', '2.35 s')
    >>> format_duration(-615_000), format_duration(0)
    ('-615 µs', '0 ns')
    """
    for i, (size, unit) in enumerate(_UNITS):
        if abs(ns) >= size or size == 1:
            text = significant(ns / size)
            bigger = _UNITS[i - 1] if i else None
            if bigger and abs(Decimal(text.replace(",", ""))) >= 1000:  # 999.9995 µs rounds up to 1.00 ms
                return f"{significant(ns / bigger[0])} {bigger[1]}"
            return f"{text} {unit}"
    raise AssertionError("unreachable")


def format_value(kind: str, value: Any, *, origin: int | None = None) -> str:
    """One cell as text for ``kind``; ``None`` is empty; non-numbers fall back to text.

    >>> format_value("offset", 1_700_000_012_500_000, origin=1_700_000_000_000_000)
    '+12.5 ms'
    >>> format_value("count", 1234567), format_value("share", -0.0125), format_value("duration", None)
    ('1,234,567', '-1.3%', '')
    """
    if value is None:
        return ""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or (isinstance(value, float) and not math.isfinite(value)):
        return literal(cell_text(value))
    if kind == "duration":
        return format_duration(value)
    if kind == "offset":
        return "+" + format_duration(value - (origin or 0))
    if kind == "time":
        when = datetime.fromtimestamp(int(value) // 1_000_000 / 1000, tz=timezone.utc)
        return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if kind == "ratio":
        return significant(value) + "x"
    if kind == "share":
        return format_share(value)
    if kind == "count" and isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return significant(value)
    return str(value)


def cut_middle(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with ``…`` in the middle (unchanged when it fits).

    >>> cut_middle("checkout-service-frontend", 11), cut_middle("short", 11)
    ('check…ntend', 'short')
    """
    if len(text) <= width:
        return text
    keep = max(width - 1, 0)
    left, right = (keep + 1) // 2, keep // 2
    return text[:left] + "…" + (text[-right:] if right else "")


GAP = 3  # characters between two columns of the rich SIMPLE_HEAD table (padding, divider, padding)


def _total(widths: Sequence[int]) -> int:
    return sum(widths) + GAP * max(len(widths) - 1, 0)


def _shrink(widths: list[int], cuttable: list[bool], limit: int, floor: int = MIN_TEXT) -> list[int]:
    """Cut the widest cuttable column one character at a time (down to ``floor``) until ``limit``."""
    widths = list(widths)
    while _total(widths) > limit:
        options = [i for i, w in enumerate(widths) if cuttable[i] and w > floor]
        if not options:
            break
        widest = max(options, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def fit_columns(natural: Sequence[int], cuttable: Sequence[bool], hinted: int, width: int) -> tuple[int, list[int]]:
    """How many columns (taken in priority order) to show, and their widths, within ``width``.

    ``natural`` are the widths in priority order; the first ``hinted`` columns have hints.

    >>> fit_columns([10, 10, 10], [False, False, False], 2, 23)
    (2, [10, 10])
    >>> fit_columns([30, 10], [True, False], 2, 33)
    (2, [20, 10])
    >>> fit_columns([30, 10, 10], [True, False, False], 3, 36)
    (2, [23, 10])
    >>> fit_columns([30, 10], [True, False], 2, 30)  # the name would go below 20: the other column goes
    (1, [30])
    """
    for n in range(len(natural), max(hinted, 1) - 1, -1):  # unhinted columns go first, uncut
        if _total(natural[:n]) <= width:
            return n, list(natural[:n])
    for floor in (COMFORT_TEXT, MIN_TEXT):  # then cut names (first not below COMFORT_TEXT), dropping hinted columns
        for n in range(max(min(hinted, len(natural)), 1), 0, -1):
            widths = _shrink(list(natural[:n]), list(cuttable[:n]), width, floor)
            if _total(widths) <= width:
                return n, widths
    return (1, _shrink(list(natural[:1]), list(cuttable[:1]), width)) if natural else (0, [])


def _origin(columns: Sequence[str], rows: Sequence[Sequence[Any]], kinds: dict[str, str]) -> int | None:
    """The earliest value of all ``offset`` columns (the trace start when the rows hold the root)."""
    numbers = [r[i] for i, c in enumerate(columns) if kinds.get(c) == "offset" for r in rows
               if isinstance(r[i], (int, float)) and not isinstance(r[i], bool)]
    return int(min(numbers)) if numbers else None


def human_cells(columns: Sequence[str], rows: Sequence[Sequence[Any]], kinds: dict[str, str]) -> list[list[str]]:
    """Every cell formatted for its column's kind (``text`` when the column has none).

    All ``offset`` columns count from the same origin, the earliest of their values.

    >>> human_cells(["name", "d"], [["a", 1_500_000], [None, 2_000]], {"d": "duration"})
    [['a', '1.50 ms'], ['', '2.00 µs']]
    >>> human_cells(["s", "e"], [[5_000_000, 9_000_000], [1_000_000, 2_000_000]], {"s": "offset", "e": "offset"})
    [['+4.00 ms', '+8.00 ms'], ['+0 ns', '+1.00 ms']]
    """
    origin = _origin(columns, rows, kinds)
    out = [[""] * len(columns) for _ in rows]
    for i, name in enumerate(columns):
        kind = kinds.get(name, "text")
        for j, row in enumerate(rows):
            out[j][i] = format_value(kind, row[i], origin=origin)
    return out


def human_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    show: Sequence[tuple[str, str]],
    width: int,
) -> tuple[list[str], list[list[str]], list[bool], list[str]]:
    """The visible columns, their cut cells, which are right-aligned, and the hidden column names.

    ``show`` is the ``(column, kind)`` hints in priority order; columns it leaves out come after
    them in table order and are shown as text.  The visible columns keep the table's order.

    >>> cols, cells, right, hidden = human_table(["id", "name", "d"], [["a1", "x" * 40, 3_000_000]],
    ...                                          [("d", "duration"), ("name", "text")], 30)
    >>> cols, cells, hidden
    (['name', 'd'], [['xxxxxxxxxx…xxxxxxxxx', '3.00 ms']], ['id'])
    """
    kinds = {c: k for c, k in show if c in columns}
    cells = human_cells(columns, rows, kinds)
    ranked = list(kinds) + [c for c in columns if c not in kinds]
    index = {c: columns.index(c) for c in ranked}
    natural = [max([len(literal(c))] + [len(r[index[c]]) for r in cells]) for c in ranked]
    cuttable = [kinds.get(c, "text") == "text" for c in ranked]
    n, widths = fit_columns(natural, cuttable, len(kinds) or len(ranked), width)
    shown = sorted(ranked[:n], key=lambda c: index[c])
    width_of = dict(zip(ranked[:n], widths))
    out_rows = [[cut_middle(r[index[c]], width_of[c]) for c in shown] for r in cells]
    right = [kinds.get(c) not in (None, "text", "id") for c in shown]
    return [cut_middle(literal(c), width_of[c]) for c in shown], out_rows, right, ranked[n:]
