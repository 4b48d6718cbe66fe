"""The call tree of one trace as box-drawing text lines, without recursion.

Input is the ``spans`` list of a report dump (dicts with ``span_id``,
``parent_span_id``, ``service``, ``name``, ``kind``, ``start_ns``, ``end_ns``,
``duration_ns``, ``self_time_ns``, ``critical_path_ns``, ``status``).  Each
line reads ``[service] name (KIND)`` followed by dot leaders, the duration and
the self time in ms.  ``★`` marks a span that owns critical-path time;
``!ERROR`` marks a span whose status is ERROR.  Lines fit ``LINE_WIDTH`` (100) columns:
the indentation guides narrow from 4 to 3 to 2 columns a level when a deep tree needs it,
names are cut in the middle with ``…`` (service, kind and times stay whole), and past
``MAX_GUIDES`` levels (or ``GUIDE_ROOM`` columns of guides when nothing else fits) the
indentation stops growing: ``…+N`` says how many outer levels are not drawn.

>>> mk = lambda i, p, s, e, cp: {"span_id": i, "parent_span_id": p, "service": "svc", "name": i,
...     "kind": "INTERNAL", "start_ns": s, "end_ns": e, "duration_ns": e - s,
...     "self_time_ns": 0, "critical_path_ns": cp, "status": "UNSET"}
>>> for line in tree_lines([mk("a", None, 0, 4_000_000, 1), mk("b", "a", 0, 1_000_000, 0)], ["a"]):
...     print(line)
★ [svc] a (INTERNAL) ... 4.00 ms  self 0.00 ms
└── [svc] b (INTERNAL) . 1.00 ms  self 0.00 ms
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.cells import cell_len

from graphtrace.render.safe import literal
from graphtrace.render.units import format_ms

MARK = "★"
LEGEND = (  # one line of at most 100 columns after "Legend: "
    f"{MARK} = on the critical path; self = duration minus its children's union; "
    "!ERROR = status ERROR"
)
MAX_GUIDES = 40
LINE_WIDTH = 100  # a line fits 100 columns unless the tree's guides alone are wider
MIN_LABEL = 24  # a label is never cut shorter than this
NAME_MIN = 34  # a span name is never cut shorter than this (grpc.oteldemo.CartService/AddItem stays whole)


def _cut(label: str, room: int, floor: int = MIN_LABEL) -> str:
    """``label`` cut in the middle with ``…`` to ``room`` columns (never below ``floor``).

    Columns are terminal cells (a wide character counts two).

    >>> _cut("[svc] " + "x" * 30 + " (SERVER)", 24)
    '[svc] xxxxxx…xx (SERVER)'
    >>> _cut("服务" * 10, 9, 9)  # 40 columns of wide characters into 9: 4 + 1 + 4
    '服务…服务'
    """
    width = max(room, floor)
    if cell_len(label) <= width:
        return label
    keep = width - 1
    head = _take(label, (keep + 1) // 2)
    tail = _take(label[::-1], keep // 2)[::-1]
    return head + "…" + tail


def _take(text: str, cells: int) -> str:
    """The longest start of ``text`` at most ``cells`` columns wide."""
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > cells:
            break
        out.append(ch)
        used += w
    return "".join(out)


def _order_key(span: Mapping[str, Any]) -> tuple[int, int, str]:
    return (span["start_ns"], span["end_ns"], span["span_id"])


def _children(spans: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for sid, span in spans.items():
        parent = span.get("parent_span_id")
        if parent is not None and parent in spans and parent != sid:
            children.setdefault(parent, []).append(sid)
    for kids in children.values():
        kids.sort(key=lambda k: _order_key(spans[k]))
    return children


def walk(spans: Sequence[Mapping[str, Any]], roots: Sequence[str]) -> list[tuple[str, int, bool]]:
    """``(span_id, depth, is_last_sibling)`` in depth-first order, children by (start, end, id).

    Roots come in the order given; spans no root reaches (a missing parent not
    listed as a root, or a cycle) follow as extra roots, so every span appears once.

    >>> mk = lambda i, p, s: {"span_id": i, "parent_span_id": p, "start_ns": s, "end_ns": s + 1}
    >>> walk([mk("r", None, 0), mk("y", "r", 5), mk("x", "r", 2), mk("z", "y", 6)], ["r"])
    [('r', 0, True), ('x', 1, False), ('y', 1, True), ('z', 2, True)]
    """
    by_id = {s["span_id"]: s for s in spans}
    children = _children(by_id)
    ordered_roots = [r for r in dict.fromkeys(roots) if r in by_id]
    leftovers = sorted(by_id, key=lambda k: _order_key(by_id[k]))
    seen: set[str] = set()
    out: list[tuple[str, int, bool]] = []
    pending = iter(ordered_roots + leftovers)
    for root in pending:
        if root in seen:
            continue
        stack = [(root, 0, True)]
        while stack:
            sid, depth, last = stack.pop()
            if sid in seen:
                continue
            seen.add(sid)
            out.append((sid, depth, last))
            kids = [k for k in children.get(sid, ()) if k not in seen]
            stack.extend((k, depth + 1, i == 0) for i, k in enumerate(reversed(kids)))
    return out


def _label(span: Mapping[str, Any], room: int | None = None, floor: int = NAME_MIN) -> str:
    """``★ [service] name (KIND) !ERROR``; with ``room``, only the name is cut (never below ``floor``).

    >>> _label({"service": "cart", "name": "x" * 50, "kind": "SERVER"}, 30)
    '[cart] xxxxxxxxxxxxxxxxx…xxxxxxxxxxxxxxxx (SERVER)'
    >>> _label({"service": "cart", "name": "x" * 50, "kind": "SERVER"}, 30, 16)  # 16 columns: 8 + … + 7
    '[cart] xxxxxxxx…xxxxxxx (SERVER)'
    """
    mark = f"{MARK} " if (span.get("critical_path_ns") or 0) > 0 else ""
    error = " !ERROR" if span.get("status") == "ERROR" else ""
    service, name, kind = (literal(span.get(k)) for k in ("service", "name", "kind"))
    if room is not None:
        fixed = cell_len(mark + service + kind + error) + len("[]  ()")
        name = _cut(name, max(room - fixed, floor), floor)
    return f"{mark}[{service}] {name} ({kind}){error}"


# Guide sets by width: (vertical line, blank, branch, last branch).  The widest that lets every
# line fit is used; a tree too deep for 2-column guides draws at most GUIDE_ROOM columns of them.
GUIDES = {
    4: ("│   ", "    ", "├── ", "└── "),
    3: ("│  ", "   ", "├─ ", "└─ "),
    2: ("│ ", "  ", "├ ", "└ "),
}
GUIDE_ROOM = 32  # columns of guides drawn at most when even 2-column guides do not fit
NAME_FLOOR = 16  # when nothing else fits, a name may be cut down to this (in the middle, with …)


def _prefixes(order: list[tuple[str, int, bool]], unit: int = 4, max_guides: int = MAX_GUIDES) -> list[str]:
    """The guides and branch of each line; below ``max_guides`` levels ``…+N`` counts the outer ones not drawn.

    >>> _prefixes([("r", 0, True), ("a", 1, False), ("b", 2, True), ("c", 1, True)], unit=2)
    ['', '├ ', '│ └ ', '└ ']
    """
    bar, blank, branch, last_branch = GUIDES[unit]
    guides: list[str] = []
    out: list[str] = []
    for _sid, depth, last in order:
        if depth == 0:
            guides.clear()
            out.append("")
            continue
        del guides[depth - 1:]
        drawn = guides[-max_guides:] if len(guides) > max_guides else guides
        hidden = f"…+{len(guides) - max_guides} " if len(guides) > max_guides else ""
        out.append(hidden + "".join(drawn) + (last_branch if last else branch))
        guides.append(blank if last else bar)
    return out


def _cells(text: str) -> int:
    return cell_len(text)


def _layout(spans: Mapping[str, Mapping[str, Any]], order: list[tuple[str, int, bool]],
            room: int) -> list[str]:
    """Prefix + label of each line, fitting ``room`` columns when it can.

    The widest guides (4, 3, then 2 columns) with which every label fits whole (names cut no
    shorter than NAME_MIN) win; else 2-column guides, at most GUIDE_ROOM columns of them, names
    cut down to NAME_FLOOR, and a label may take the column of its one dot leader (``room + 1``).
    """
    for unit in (4, 3, 2):
        prefixes = _prefixes(order, unit)
        labels = [p + _label(spans[sid], room - _cells(p)) for p, (sid, _d, _l) in zip(prefixes, order)]
        if max((_cells(x) for x in labels), default=0) <= room:
            return labels
    prefixes = _prefixes(order, 2, min(MAX_GUIDES, GUIDE_ROOM // 2))
    return [p + _label(spans[sid], room + 1 - _cells(p), NAME_FLOOR) for p, (sid, _d, _l) in zip(prefixes, order)]


def tree_lines(spans: Sequence[Mapping[str, Any]], roots: Sequence[str]) -> list[str]:
    """The call tree, one line per span (see the module docstring for the format).

    Labels are padded with dots to a common width (the longest label), durations and self
    times right-aligned.  A line fits
    ``LINE_WIDTH`` columns: the guides narrow (4, 3, then 2 columns a level; a very deep
    tree draws GUIDE_ROOM columns of them and counts the rest, ``…+N``) and a name too long
    is cut in the middle with ``…`` (service, kind and the times are kept whole).

    >>> tree_lines([], [])
    []
    """
    by_id = {s["span_id"]: s for s in spans}
    order = walk(spans, roots)
    durations = [format_ms(by_id[sid].get("duration_ns")) for sid, _d, _l in order]
    selfs = [format_ms(by_id[sid].get("self_time_ns")) for sid, _d, _l in order]
    dur_w = max((len(x) for x in durations), default=0)
    self_w = max((len(x) for x in selfs), default=0)
    room = max(LINE_WIDTH - dur_w - self_w - len(" .  ms  self  ms"), MIN_LABEL)  # label + one dot leader
    labels = _layout(by_id, order, room)
    width = min(max((_cells(x) for x in labels), default=0), room)  # a label wider than room has no dots
    return [
        f"{label} {'.' * max(width - _cells(label) + 1, 0)} {dur:>{dur_w}} ms  self {own:>{self_w}} ms"
        for label, dur, own in zip(labels, durations, selfs)
    ]
