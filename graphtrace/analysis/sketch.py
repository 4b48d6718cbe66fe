"""A mergeable latency sketch (DDSketch, Masson et al., VLDB 2019) with Neo4j's nearest-rank percentile.

Values are integer nanoseconds (durations, and gaps, which skewed clocks can make negative).  Each
value goes into a *bucket*, a signed integer id that orders like the values:

* ``x > 0``: ``b = ceil(log_gamma(x)) + 1`` (so 1 ns is bucket 1), with ``gamma = (1 + ALPHA) / (1 - ALPHA)``;
* ``x = 0``: ``b = 0``;
* ``x < 0``: ``b = -(ceil(log_gamma(-x)) + 1)``.

A bucket ``b > 0`` holds the values in ``(gamma^(b-2), gamma^(b-1)]`` and stands for
``2 * gamma^(b-1) / (gamma + 1)``, which is within ``ALPHA`` (relative) of every value in it.  A
sketch is a map bucket -> count; two sketches merge by adding counts per bucket, and a trace's
contribution is taken out again by subtracting them (what makes re-ingest idempotent).

**Quantiles** follow Neo4j's ``percentileDisc`` (:func:`graphtrace.analysis.edges.percentile_disc`):
the rank ``i`` of the exact answer is computed from ``p`` and the count ``n`` by the same rule, and the
answer is the representative of the bucket that holds the ``i``-th smallest value.  That value is in
the bucket, so **the answer is within ALPHA = 1 % (relative) of the exact percentileDisc** (plus the
rounding to a whole ns, at most 0.5 ns), and exact for 0.  The recipes' Cypher (``cypher/*-rollup`` parts) does the same arithmetic; a test checks both agree.

>>> s = Sketch.of([100, 200, 300, 400, 1_000_000])
>>> s.count
5
>>> abs(s.quantile(0.5) - 300) <= ALPHA * 300 and abs(s.quantile(1.0) - 1_000_000) <= ALPHA * 1_000_000
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

ALPHA = 0.01
"""Relative accuracy of every quantile answered from a sketch (1 %)."""
GAMMA = (1 + ALPHA) / (1 - ALPHA)
_LOG_GAMMA = math.log(GAMMA)


def bucket(x: int) -> int:
    """The bucket id of value ``x`` (signed, ordered like the values).

    Derivation: gamma = 1.01 / 0.99 = 1.0202...; log_gamma(100) = ln 100 / ln gamma = 4.6052 / 0.0200 = 230.3,
    ceil 231, plus 1 -> 232.

    >>> bucket(0), bucket(1), bucket(100), bucket(-100)
    (0, 1, 232, -232)
    """
    if x == 0:
        return 0
    b = math.ceil(math.log(abs(x)) / _LOG_GAMMA) + 1
    return b if x > 0 else -b


def value(b: int) -> int:
    """The value bucket ``b`` stands for, rounded to a whole ns (the Cypher side computes the same).

    >>> value(0), value(1), value(232), value(-232)
    (0, 1, 100, -100)
    """
    if b == 0:
        return 0
    mid = 2 * GAMMA ** (abs(b) - 1) / (GAMMA + 1)
    return round(mid) if b > 0 else -round(mid)


def rank(p: float, n: int) -> int:
    """The 0-based rank of ``percentileDisc(p)`` among ``n`` sorted values (Neo4j's rule).

    >>> [rank(p, 4) for p in (0.5, 0.6, 0.0, 1.0)], rank(0.95, 1)
    ([1, 2, 0, 3], 0)
    """
    if p == 1.0 or n == 1:
        return n - 1
    x = p * n
    i = int(x)
    return i - 1 if x == i and i != 0 else i


class Sketch:
    """Bucket counts of integer values; :meth:`merge`, :meth:`subtract`, :meth:`quantile`."""

    def __init__(self, counts: Mapping[int, int] | None = None) -> None:
        self.counts: dict[int, int] = {k: c for k, c in (counts or {}).items() if c}

    @classmethod
    def of(cls, values: Iterable[int]) -> Sketch:
        """A sketch of ``values``."""
        s = cls()
        for x in values:
            s.add(x)
        return s

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    def add(self, x: int, n: int = 1) -> None:
        """Count value ``x`` ``n`` times."""
        b = bucket(x)
        self.counts[b] = self.counts.get(b, 0) + n

    def merge(self, other: Sketch, sign: int = 1) -> None:
        """Add ``other``'s counts (``sign=-1``: take them away); empty buckets are dropped.

        >>> a = Sketch.of([1, 5]); a.merge(Sketch.of([5])); a.counts
        {1: 1, 82: 2}
        >>> a.merge(Sketch.of([1, 5]), sign=-1); a.counts
        {82: 1}
        """
        for b, c in other.counts.items():
            left = self.counts.get(b, 0) + sign * c
            if left:
                self.counts[b] = left
            else:
                self.counts.pop(b, None)

    def subtract(self, other: Sketch) -> None:
        """Take ``other``'s counts away (a trace's contribution, when it is re-ingested or deleted)."""
        self.merge(other, sign=-1)

    def quantile(self, p: float) -> int | None:
        """The percentileDisc(``p``) estimate (``None`` when empty), within :data:`ALPHA` of the exact one.

        >>> Sketch().quantile(0.5) is None, Sketch.of([0, 0, 7]).quantile(0.5)
        (True, 0)
        """
        n = self.count
        if n <= 0:
            return None
        want, seen = rank(p, n), 0
        for b in sorted(self.counts):
            seen += self.counts[b]
            if seen > want:
                return value(b)
        return value(max(self.counts))

    def lists(self) -> tuple[list[int], list[int]]:
        """(bucket ids ascending, counts): the form stored on a rollup node."""
        keys = sorted(self.counts)
        return keys, [self.counts[k] for k in keys]
