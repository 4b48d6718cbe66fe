"""The call tree of one trace as box-drawing text lines, without recursion.

Input is the ``spans`` list of a report dump (dicts with ``span_id``,
``parent_span_id``, ``service``, ``name``, ``kind``, ``start_ns``, ``end_ns``,
``duration_ns``, ``self_time_ns``, ``critical_path_ns``, ``status``).  Each
line reads ``[service] name (KIND)`` followed by dot leaders, the duration and
the self time in ms.  ``★`` marks a span that owns critical-path time;
``!ERROR`` marks a span whose status is ERROR.  Below ``MAX_GUIDES`` levels the
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

from graphtrace.render.safe import literal
from graphtrace.render.units import format_ms

MARK = "★"
LEGEND = (  # one line of at most 100 columns after "Legend: "
    f"{MARK} = on the critical path; self = duration minus its children's union; "
    "!ERROR = status ERROR"
)
MAX_GUIDES = 40
LABEL_CAP = 100
LINE_WIDTH = 100  # a line fits 100 columns unless the tree's guides alone are wider
MIN_LABEL = 24  # a label is never cut shorter than this
NAME_MIN = 34  # a span name is never cut shorter than this (grpc.oteldemo.CartService/AddItem stays whole)


def _cut(label: str, room: int) -> str:
    """``label`` cut in the middle with ``…`` to ``room`` characters (never below MIN_LABEL).

    >>> _cut("[svc] " + "x" * 30 + " (SERVER)", 24)
    '[svc] xxxxxx…xx (SERVER)'
    """
    width = max(room, MIN_LABEL)
    if len(label) <= width:
        return label
    keep = width - 1
    return label[:(keep + 1) // 2] + "…" + label[len(label) - keep // 2:]


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


def _label(span: Mapping[str, Any], room: int | None = None) -> str:
    """``★ [service] name (KIND) !ERROR``; with ``room``, only the name is cut (never below NAME_MIN).

    >>> _label({"service": "cart", "name": "x" * 50, "kind": "SERVER"}, 30)
    '[cart] xxxxxxxxxxxxxxxxx…xxxxxxxxxxxxxxxx (SERVER)'
    """
    mark = f"{MARK} " if (span.get("critical_path_ns") or 0) > 0 else ""
    error = " !ERROR" if span.get("status") == "ERROR" else ""
    service, name, kind = (literal(span.get(k)) for k in ("service", "name", "kind"))
    if room is not None:
        fixed = len(mark) + len(service) + len(kind) + len(error) + len("[]  ()")
        name = _cut(name, max(room - fixed, NAME_MIN))
    return f"{mark}[{service}] {name} ({kind}){error}"


def _prefixes(order: list[tuple[str, int, bool]]) -> list[str]:
    guides: list[str] = []
    out: list[str] = []
    for _sid, depth, last in order:
        if depth == 0:
            guides.clear()
            out.append("")
            continue
        del guides[depth - 1:]
        drawn = guides[-MAX_GUIDES:] if len(guides) > MAX_GUIDES else guides
        hidden = f"…+{len(guides) - MAX_GUIDES} " if len(guides) > MAX_GUIDES else ""
        out.append(hidden + "".join(drawn) + ("└── " if last else "├── "))
        guides.append("    " if last else "│   ")
    return out


def tree_lines(spans: Sequence[Mapping[str, Any]], roots: Sequence[str]) -> list[str]:
    """The call tree, one line per span (see the module docstring for the format).

    Labels are padded with dots to a common width (the longest label, at most
    ``LABEL_CAP`` characters), durations and self times right-aligned.  A line fits
    ``LINE_WIDTH`` columns: a label too long for it is cut in the middle with ``…``
    (the guides are kept whole, so only a tree deeper than the width can exceed it).

    >>> tree_lines([], [])
    []
    """
    by_id = {s["span_id"]: s for s in spans}
    order = walk(spans, roots)
    durations = [format_ms(by_id[sid].get("duration_ns")) for sid, _d, _l in order]
    selfs = [format_ms(by_id[sid].get("self_time_ns")) for sid, _d, _l in order]
    dur_w = max((len(x) for x in durations), default=0)
    self_w = max((len(x) for x in selfs), default=0)
    room = max(LINE_WIDTH - dur_w - self_w - len(" .  ms  self  ms") - 1, MIN_LABEL)  # label + dot leaders
    # only the name is cut, so the service and kind stay readable; a deep tree may pass LINE_WIDTH
    labels = [p + _label(by_id[sid], room - len(p)) for p, (sid, _d, _l) in zip(_prefixes(order), order)]
    width = min(max((len(x) for x in labels), default=0), LABEL_CAP)
    return [
        f"{label} {'.' * (max(width - len(label), 0) + 1)} {dur:>{dur_w}} ms  self {own:>{self_w}} ms"
        for label, dur, own in zip(labels, durations, selfs)
    ]
