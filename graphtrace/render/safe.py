"""Trace data printed literally: control characters and bidi overrides made visible.

Names, ids and attributes come from trace files that anyone can write.  Before
they reach a terminal, :func:`literal` replaces every character that a
terminal would act on instead of showing:

* C0 controls and DEL become their Unicode control pictures (``\\x1b`` -> ``␛``,
  ``\\n`` -> ``␊``), so an ANSI or OSC escape sequence is shown, never run;
* C1 controls (U+0080..U+009F, e.g. the 8-bit CSI U+009B) and the invisible
  bidirectional and format marks (U+202E RIGHT-TO-LEFT OVERRIDE and friends)
  become ``\\u`` escapes such as ``\\u202e``.

Rich markup is never involved: renderers build plain strings or rich ``Text``
objects, so ``[bold]`` and ``[/x]`` are just characters.

>>> literal("a\\x1b[31mred\\x1b[0m")
'a␛[31mred␛[0m'
>>> literal("evil\\u202eexe.txt")
'evil\\\\u202eexe.txt'
>>> literal("/api/[productId] [/x] \\\\ ok")
'/api/[productId] [/x] \\\\ ok'
"""

from __future__ import annotations

import re
from typing import Any

import orjson

# Bidi embeddings/overrides/isolates, the LRM/RLM/ALM marks, zero-width joiners and the BOM:
# characters that reorder or hide text without being visible themselves.
_FORMAT_MARKS = "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f\x80-\x9f{_FORMAT_MARKS}]")
_UNSAFE_KEEP_LINES = re.compile(f"[\x00-\x09\x0b-\x1f\x7f\x80-\x9f{_FORMAT_MARKS}]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"\\u{code:04x}"


def literal(value: object) -> str:
    """``str(value)`` with every control, bidi and invisible format character made visible.

    Newlines and tabs are replaced too: one value stays on one line.

    >>> literal("tab\\there"), literal(None), literal("\\x9b31m")
    ('tab␉here', 'None', '\\\\u009b31m')
    """
    text = value if isinstance(value, str) else str(value)
    return _UNSAFE.sub(_visible, text)


def safe_lines(text: str) -> str:
    """A whole rendered text made safe, keeping its line breaks (a last line of defence).

    >>> safe_lines("one\\ntwo\\x1b]8;;http://x\\x07")
    'one\\ntwo␛]8;;http://x␇'
    """
    return _UNSAFE_KEEP_LINES.sub(_visible, text)


def cell_text(value: Any) -> str:
    """A value as table cell text: ``None`` is empty, lists and dicts are compact JSON.

    >>> cell_text(None), cell_text(2.5), cell_text(["a", 1]), cell_text(True)
    ('', '2.5', '["a",1]', 'true')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        return orjson.dumps(value, default=str).decode()
    return str(value)
