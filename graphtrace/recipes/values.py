"""Recipe parameter types: Cypher-literal defaults and user-string conversion.

A recipe declares each parameter's type in its header.  Users pass values as
strings (``-p limit 5``); :func:`convert` turns them into the Python value the
driver sends.  ``null`` (or ``none``) is accepted for every type.

Types: ``int``, ``float``, ``string``, ``bool``, ``list<string>``,
``duration`` (``250ms``, ``1.5s``, ``2m`` or an int ns -> int ns) and
``time`` (ISO-8601, naive = UTC: ``2026-12-06``, ``2026-12-06T10:00``,
``2026-12-06T10:00:00Z``, ``...+02:00``; relative to now: ``now``, ``now-15m``, ``now-2h``,
``now-1d``; or an int ns since the epoch -> int ns).

>>> convert("1.5s", "duration"), convert("2024-01-01T00:00:00Z", "time")
(1500000000, 1704067200000000000)
>>> convert("now-1d", "time", now_ns=1704067200000000000)  # 2024-01-01 minus 86,400 s
1703980800000000000
>>> parse_literal("'cart'"), parse_literal("null"), parse_literal("['a', 'b']")
('cart', None, ['a', 'b'])
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any

PARAM_TYPES = ("int", "float", "string", "bool", "list<string>", "duration", "time")

_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
          "m": 60_000_000_000, "h": 3_600_000_000_000, "d": 86_400_000_000_000}
_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|h|d)?\s*$")
_RELATIVE = re.compile(r"^now\s*(?:([-+])\s*(.+))?$", re.I)
_ISO_FRACTION = re.compile(r"^(.*T\d{2}:\d{2}:\d{2})(?:[.,](\d+))?(.*)$")
_STRING_LIT = re.compile(r"""^'((?:[^'\\]|\\.)*)'$|^"((?:[^"\\]|\\.)*)"$""", re.S)
_LIST_ITEM = re.compile(r"""\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^,\s]+)\s*(,|$)""")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


class ValueProblem(ValueError):
    """A value does not fit its declared type (the caller adds file/param context)."""


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def parse_literal(text: str) -> Any:
    """Parse a Cypher-ish literal used as a default: null, numbers, booleans, strings, lists.

    >>> parse_literal("20"), parse_literal("0.5"), parse_literal("true"), parse_literal('"x y"')
    (20, 0.5, True, 'x y')
    >>> parse_literal("[]")
    []
    """
    text = text.strip()
    low = text.lower()
    if low == "null":
        return None
    if low in ("true", "false"):
        return low == "true"
    m = _STRING_LIT.match(text)
    if m:
        return _unescape(m.group(1) if m.group(1) is not None else m.group(2))
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        items: list[Any] = []
        pos = 0
        while pos < len(inner):
            item = _LIST_ITEM.match(inner, pos)
            if not item or item.end() == pos:
                raise ValueProblem(f"cannot read list literal {text}")
            items.append(parse_literal(item.group(1)))
            pos = item.end()
        return items
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d*(?:[eE][-+]?\d+)?|-?\d+[eE][-+]?\d+", text):
        return float(text)
    raise ValueProblem(f"not a literal: {text!r} (use null, a number, true/false, 'text' or [..])")


def parse_duration(text: str) -> int:
    """``250ms``, ``1.5s``, ``2m``, ``10us``, ``1h``, ``1d`` or a bare integer (ns) -> int ns.

    >>> parse_duration("250ms"), parse_duration("2m"), parse_duration("1500")
    (250000000, 120000000000, 1500)
    """
    m = _DURATION.match(text)
    if not m:
        raise ValueProblem(f"not a duration: {text!r} (examples: 250ms, 1.5s, 2m, 1d, 1000000)")
    number, unit = m.group(1), m.group(2) or "ns"
    if unit == "ns" and "." in number:
        raise ValueProblem(f"not a duration: {text!r} (nanoseconds must be whole)")
    whole, _, frac = number.partition(".")
    scale = _UNITS[unit]
    sign = -1 if whole.startswith("-") else 1
    value = abs(int(whole)) * scale
    if frac:
        value += int(frac) * scale // 10 ** len(frac)
    return sign * value


def _relative(match: re.Match[str], now_ns: int | None) -> int:
    """``now`` plus or minus a duration, in ns since the epoch."""
    now = time.time_ns() if now_ns is None else now_ns
    sign, amount = match.group(1), match.group(2)
    if sign is None:
        return now
    try:
        offset = parse_duration(amount)
    except ValueProblem as exc:
        raise ValueProblem(f"not a time: {match.group(0)!r} (relative forms: now, now-15m, now-2h, "
                           "now-1d)") from exc
    return now - offset if sign == "-" else now + offset


def parse_time(text: str, *, now_ns: int | None = None) -> int:
    """ISO-8601 (naive means UTC; up to 9 fraction digits kept), ``now[-+]DURATION`` or int ns -> int ns.

    ``now_ns`` fixes "now" (tests); by default it is the clock's time.

    >>> parse_time("1970-01-01T00:00:01.000000002Z"), parse_time("1700000000000000000")
    (1000000002, 1700000000000000000)
    >>> parse_time("2026-12-06"), parse_time("2026-12-06T10:00")  # naive = UTC
    (1796515200000000000, 1796551200000000000)
    >>> parse_time("2026-12-06T10:00:00+02:00") == parse_time("2026-12-06T08:00:00Z")
    True
    >>> fixed = 1796551200000000000  # 2026-12-06T10:00:00Z
    >>> parse_time("now", now_ns=fixed) - fixed, parse_time("now-15m", now_ns=fixed) - fixed
    (0, -900000000000)
    """
    text = text.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    relative = _RELATIVE.match(text)
    if relative:
        return _relative(relative, now_ns)
    m = _ISO_FRACTION.match(text)
    frac = ""
    if m:
        text, frac = m.group(1) + m.group(3), m.group(2) or ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueProblem(f"not a time: {text!r} (use ISO-8601 like 2024-05-01T12:00:00Z or "
                           "2024-05-01, now-15m / now-2h / now-1d, or integer ns since the epoch)") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    seconds = int((moment - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds())
    nanos = int(frac[:9].ljust(9, "0")) if frac else 0
    return seconds * 1_000_000_000 + nanos


def _as_bool(text: str) -> bool:
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueProblem(f"not a boolean: {text!r} (use true or false)")


def convert(value: Any, type_: str, *, now_ns: int | None = None) -> Any:
    """Convert a user value (usually a string) to ``type_``; ``None``/``"null"`` stay ``None``.

    ``now_ns`` fixes "now" for relative times (``now-15m``); by default the clock's time.

    >>> convert("5", "int"), convert("a,b", "list<string>"), convert("no", "bool")
    (5, ['a', 'b'], False)
    >>> convert(7, "duration")
    7
    """
    if value is None or (isinstance(value, str) and value.strip().lower() in ("null", "none")):
        return None
    if type_ not in PARAM_TYPES:
        raise ValueProblem(f"unknown type {type_!r}; types are {', '.join(PARAM_TYPES)}")
    if not isinstance(value, str):
        return _check_native(value, type_)
    try:
        if type_ == "int":
            return int(value.strip())
        if type_ == "float":
            return float(value.strip())
    except ValueError as exc:
        raise ValueProblem(f"not {'an int' if type_ == 'int' else 'a float'}: {value!r}") from exc
    if type_ == "string":
        return value
    if type_ == "bool":
        return _as_bool(value)
    if type_ == "list<string>":
        if value.strip().startswith("["):
            return [str(x) for x in parse_literal(value)]
        return [part.strip() for part in value.split(",") if part.strip()]
    if type_ == "duration":
        return parse_duration(value)
    return parse_time(value, now_ns=now_ns)


def _check_native(value: Any, type_: str) -> Any:
    """Accept an already-typed Python value when it fits ``type_``."""
    if type_ in ("int", "duration", "time") and isinstance(value, int) and not isinstance(value, bool):
        return value
    if type_ == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if type_ == "bool" and isinstance(value, bool):
        return value
    if type_ == "list<string>" and isinstance(value, (list, tuple)) and all(isinstance(x, str) for x in value):
        return list(value)
    raise ValueProblem(f"expected {type_}, got {type(value).__name__} {value!r}")
