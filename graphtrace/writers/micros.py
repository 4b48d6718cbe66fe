"""Nanoseconds to the microseconds Jaeger and Zipkin carry.

The start is truncated; the duration is end (truncated) minus start, so the
µs interval always covers the same µs ticks as the ns one and a child never
ends after its parent only through rounding.

>>> to_micros(1_500, 3_999)
(1, 2)
"""

from __future__ import annotations


def to_micros(start_ns: int, end_ns: int) -> tuple[int, int]:
    """``(start_us, duration_us)`` for a span from ``start_ns`` to ``end_ns``."""
    start = start_ns // 1000
    return start, end_ns // 1000 - start
