"""Trace ids already emitted by a reader, remembered in bounded memory.

The assembler warns when a trace comes back after it was flushed from the read
window (the in-memory analysis then sees two pieces with one id).  Keeping
every emitted id would make a reader's memory grow with the input (about
0.25 KB per trace: 250 MB for 10^6 traces), so :class:`SeenIds` keeps

* the most recent ``recent`` ids exactly (a re-appearance soon after the flush,
  the usual case: a trace cut by the window or a file boundary), and
* the older ones in Bloom filters (:mod:`rbloom`), each sized for ``capacity``
  ids at false-positive rate ``fp``: a match there is reported as *probable*.
  Two filters take turns: when the current one holds ``capacity`` ids it
  becomes the previous one (the previous one is dropped) and a new one starts,
  so the filters always cover at least the last ``capacity`` ids before the
  exact ones (and at most twice as many).

Memory: about 150 bytes per recent id plus two filters (4.3 MB each for 2.5
million ids at 1 in 1,000), whatever the input size.

>>> seen = SeenIds(recent=2, capacity=100)
>>> for tid in ("a", "b", "c"):
...     seen.add(tid)
>>> seen.check("c"), seen.check("a"), seen.check("z")
('exact', 'probable', None)
"""

from __future__ import annotations

from collections import deque
from typing import Literal

from rbloom import Bloom

Match = Literal["exact", "probable"]


class SeenIds:
    """Exact for the last ``recent`` ids, Bloom filters for ``capacity`` to ``2 * capacity`` older ones."""

    def __init__(self, recent: int = 50_000, capacity: int = 2_500_000, fp: float = 1e-3) -> None:
        self.recent = max(1, recent)
        self.capacity = max(1, capacity)
        self.fp = fp
        self._order: deque[str] = deque()
        self._exact: set[str] = set()
        self._older = Bloom(self.capacity, fp)
        self._previous: Bloom | None = None
        self._older_count = 0

    def add(self, trace_id: str) -> None:
        """Remember ``trace_id`` (adding it again is harmless)."""
        if trace_id in self._exact:
            return
        self._exact.add(trace_id)
        self._order.append(trace_id)
        if len(self._order) > self.recent:
            old = self._order.popleft()
            self._exact.discard(old)
            if self._older_count >= self.capacity:
                self._previous, self._older = self._older, Bloom(self.capacity, self.fp)
                self._older_count = 0
            self._older.add(old)
            self._older_count += 1

    def check(self, trace_id: str) -> Match | None:
        """``'exact'`` when seen among the recent ids, ``'probable'`` when the filter matches, else None."""
        if trace_id in self._exact:
            return "exact"
        if trace_id in self._older or (self._previous is not None and trace_id in self._previous):
            return "probable"
        return None
