"""A short summary of reader warnings and skipped records, for stderr.

Input is ``Diagnostic.model_dump()`` dicts (``file``, ``record``, ``field``, ``message``).

>>> print(summarize_diagnostics([], [{"file": "a.json", "record": "line 3", "field": None,
...                                   "message": "invalid JSON"}]))
1 record skipped:
  a.json: line 3: invalid JSON
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphtrace.render.safe import literal

FIRST = 5
MAX_LINE = 2000  # characters of one diagnostic line before it is cut


def diagnostic_text(diag: Mapping[str, Any]) -> str:
    """``file: record: field: message`` with the missing parts left out.

    >>> diagnostic_text({"file": "t.json", "record": None, "field": "spanId", "message": "missing"})
    't.json: spanId: missing'
    >>> diagnostic_text({"message": "x" * 5000})[-20:]
    '… (5,000 characters)'
    """
    parts = [literal(diag[k]) for k in ("file", "record", "field") if diag.get(k)]
    text = ": ".join(parts + [literal(diag.get("message", ""))])
    return text if len(text) <= MAX_LINE else f"{text[:MAX_LINE]}… ({len(text):,} characters)"


def _block(items: Sequence[Mapping[str, Any]], singular: str, plural: str, verb: str, first: int) -> list[str]:
    if not items:
        return []
    noun = singular if len(items) == 1 else plural
    shown = items[:first]
    more = f" (first {len(shown)} shown)" if len(items) > len(shown) else ""
    return [f"{len(items):,} {noun}{verb}{more}:"] + [f"  {diagnostic_text(d)}" for d in shown]


def summarize_diagnostics(
    warnings: Sequence[Mapping[str, Any]], skipped: Sequence[Mapping[str, Any]], *, first: int = FIRST
) -> str:
    """Counts and the first ``first`` of each list; empty string when both are empty.

    >>> w = [{"message": f"odd id {i}"} for i in range(7)]
    >>> print(summarize_diagnostics(w, [], first=2))
    7 warnings (first 2 shown):
      odd id 0
      odd id 1
    >>> summarize_diagnostics([], [])
    ''
    """
    lines = _block(warnings, "warning", "warnings", "", first)
    lines += _block(skipped, "record", "records", " skipped", first)
    return "\n".join(lines)
