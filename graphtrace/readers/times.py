"""Timestamps in the many shapes flat-row exports use, to integer nanoseconds.

* integers and integral strings: nanoseconds for ``unit="ns"`` columns; for
  ``unit="auto"`` columns the magnitude decides (>= 1e17 ns, >= 1e14 µs,
  >= 1e11 ms, else seconds), which is safe for any date after 1973;
* floats (Parseable's ``*_epoch`` columns) are rounded: at today's dates a
  float epoch in ns is only good to about 256 ns, so readers prefer integer
  fields and explicit durations;
* date-time strings, ISO 8601 (``2024-05-01T10:00:00.123Z``) or ClickHouse
  (``2024-05-01 10:00:00.123456789``), with up to 9 fractional digits; no
  offset means UTC.

>>> parse_time("2024-05-01 10:00:00.123456789", "Timestamp")
1714557600123456789
>>> parse_time("2024-05-01T12:00:00.5+02:00", "t")
1714557600500000000
>>> parse_time(1714557600123, "Timestamp", unit="auto")
1714557600123000000
>>> parse_time(1.7145576001234568e18, "span_start_time_unix_nano_epoch")
1714557600123456768
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from graphtrace.errors import short_repr
from graphtrace.readers.build import FieldError

_DATETIME = re.compile(
    r"\s*(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,9})\d*)?\s*(Z|z|UTC|[+-]\d{2}:?\d{2})?\s*"
)
_SCALE = ((10**17, 1), (10**14, 1_000), (10**11, 1_000_000))


def _auto(value: float | int) -> int:
    magnitude = abs(value)
    for threshold, factor in _SCALE:
        if magnitude >= threshold:
            return int(round(value * factor))
    return int(round(value * 1_000_000_000))


def parse_time(value: Any, field: str, unit: str = "ns") -> int:
    """Integer ns from a number, numeric string or date-time string; FieldError otherwise."""
    kind = type(value)
    if kind is int:
        return value if unit == "ns" else _auto(value)
    if kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise FieldError(field, f"expected a time, got {short_repr(value)}")
        return int(round(value)) if unit == "ns" else _auto(value)
    if kind is str:
        text = value.strip()
        try:
            return parse_time(int(text), field, unit)
        except ValueError:
            pass
        try:
            return parse_time(float(text), field, unit)
        except ValueError:
            pass
        match = _DATETIME.fullmatch(text)
        if match:
            try:
                return _datetime_ns(match)
            except (ValueError, OverflowError):  # 2023-13-45, 25:61, a year beyond 9999...
                raise FieldError(field, f"not a valid date and time: {short_repr(text)} "
                                        "(a month, day, hour, minute or offset out of range)") from None
    if value is None or value == "":
        raise FieldError(field, "missing")
    raise FieldError(field, f"expected a time, got {short_repr(value)}")


def _datetime_ns(match: re.Match[str]) -> int:
    date, clock, fraction, offset = match.groups()
    zone = "+00:00" if offset in (None, "Z", "z", "UTC") else offset
    if len(zone) == 5:
        zone = zone[:3] + ":" + zone[3:]
    moment = datetime.fromisoformat(f"{date}T{clock}{zone}")
    seconds = int((moment - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds())
    return seconds * 1_000_000_000 + int((fraction or "0").ljust(9, "0"))


def parse_duration(value: Any, field: str, scale: int = 1) -> int:
    """A non-negative duration in ns from a number of units of ``scale`` ns; FieldError otherwise.

    The value is scaled before rounding, so 1.5 µs is 1500 ns (not 2000).

    >>> parse_duration("1500.0", "span_duration_ns"), parse_duration(7, "Duration")
    (1500, 7)
    >>> parse_duration(" 1.5 ", "duration_us", scale=1_000), parse_duration("250", "Duration", 1_000)
    (1500, 250000)
    """
    number = value
    if type(value) is str:
        text = value.strip()
        try:
            number = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                number = None
    if type(number) is int:
        ns = number * scale
    elif type(number) is float and number == number and number not in (float("inf"), float("-inf")):
        ns = int(round(number * scale))
    else:
        raise FieldError(field, "missing" if value is None or value == "" else
                         f"expected a duration, got {short_repr(value)}")
    if ns < 0:
        raise FieldError(field, f"negative duration {short_repr(value)}")
    return ns
