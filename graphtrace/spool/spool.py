"""A durable, append-only spool of OTLP payloads in numbered segment files.

:meth:`Spool.append` returns only once the record is on disk (``os.fsync``): concurrent appends
share one fsync (group commit).  A segment is sealed (fsync'd, closed) when it reaches
``segment_bytes``; the next record goes to a new file.  The reader side (:meth:`Spool.read`)
walks a cursor over the segments up to the durable end, so what is read is exactly what was
acknowledged.  :meth:`Spool.remove` deletes a sealed segment once its traces are stored.
On open, every existing segment is kept for replay and appends go to a new segment; a segment
whose tail is corrupt (a crash in mid-write) is read up to the bad record, which is reported in
:attr:`Spool.problems`, never raised.

>>> import tempfile
>>> from graphtrace.spool.records import PROTO
>>> with tempfile.TemporaryDirectory() as d:
...     spool = Spool(d)
...     spool.append(PROTO, b"one")
...     batch, cursor = spool.read(spool.start_cursor())
...     [(seg, r.payload) for seg, r in batch], spool.pending_bytes > 0
...     spool.close()
([(1, b'one')], True)
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from graphtrace.errors import GraphtraceError
from graphtrace.spool.records import Record, encode, scan

SUFFIX = ".gts"
DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_BYTES = 1024 * 1024 * 1024


class SpoolFull(GraphtraceError):
    """The spool holds ``max_bytes`` already: the caller answers with backpressure."""


def segment_name(number: int) -> str:
    """``segment-000000000007.gts``.

    >>> segment_name(7)
    'segment-000000000007.gts'
    """
    return f"segment-{number:012d}{SUFFIX}"


class Spool:
    """Numbered segments in ``directory``; see the module docstring."""

    def __init__(self, directory: str | Path, *, segment_bytes: int = DEFAULT_SEGMENT_BYTES,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.segment_bytes = segment_bytes
        self.max_bytes = max_bytes
        self.problems: list[str] = []
        self._lock = threading.Lock()        # file position, sizes, written counter
        self._sync_lock = threading.Lock()   # one fsync (and rotation) at a time
        self._sizes: dict[int, int] = {}     # segment -> bytes (every live segment)
        for path in sorted(self.directory.glob(f"segment-*{SUFFIX}")):
            self._sizes[int(path.stem.split("-")[1])] = path.stat().st_size
        self._bytes = sum(self._sizes.values())
        self._active = max(self._sizes, default=0) + 1
        self._fd = self._open_segment(self._active)
        self._written = 0
        self._synced = 0
        self._durable = 0                     # durable bytes of the active segment
        self._active_since = 0.0              # when the first record went into the active segment

    def _open_segment(self, number: int) -> int:
        fd = os.open(self.directory / segment_name(number), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._sizes[number] = 0
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return fd

    @property
    def pending_bytes(self) -> int:
        """Bytes in every segment still on disk (the backpressure measure)."""
        return self._bytes

    def append(self, kind: int, payload: bytes) -> None:
        """Write one record and return once it is fsync'd; ``SpoolFull`` when over ``max_bytes``."""
        record = encode(kind, payload)
        with self._lock:
            if self._bytes + len(record) > self.max_bytes:
                raise SpoolFull(f"the spool holds {self.pending_bytes} bytes (limit {self.max_bytes})",
                                record=str(self.directory))
            if not self._sizes[self._active]:
                self._active_since = time.monotonic()
            os.write(self._fd, record)
            self._sizes[self._active] += len(record)
            self._bytes += len(record)
            self._written += 1
            mine = self._written
        self._sync(mine)

    def _sync(self, mine: int) -> None:
        with self._sync_lock:
            if self._synced >= mine:
                return
            with self._lock:
                target, fd, size = self._written, self._fd, self._sizes[self._active]
            os.fsync(fd)
            self._synced, self._durable = target, size
            if size >= self.segment_bytes:
                self._rotate()

    def _rotate(self) -> None:
        """Seal the active segment (called with the sync lock held)."""
        with self._lock:
            os.fsync(self._fd)
            os.close(self._fd)
            self._active += 1
            self._fd = self._open_segment(self._active)
            self._synced, self._durable = self._written, 0

    def seal_older_than(self, seconds: float) -> bool:
        """Seal the active segment when its first record is over ``seconds`` old (so it can be removed)."""
        with self._sync_lock:
            with self._lock:
                if not self._sizes[self._active] or time.monotonic() - self._active_since < seconds:
                    return False
            self._rotate()
            return True

    def start_cursor(self) -> tuple[int, int]:
        """The first record still on disk: replay starts here."""
        return (min(self._sizes), 0)

    def read(self, cursor: tuple[int, int], max_bytes: int = 4 * 1024 * 1024
             ) -> tuple[list[tuple[int, Record]], tuple[int, int]]:
        """Durable records from ``cursor`` (about ``max_bytes`` of them) and the cursor after them."""
        segment, offset = cursor
        with self._sync_lock:
            active, durable = self._active, self._durable
        while segment < active and segment not in self._sizes:
            segment, offset = segment + 1, 0
        end = durable if segment == active else self._sizes.get(segment, 0)
        if offset >= end:
            if segment < active:
                return [], (segment + 1, 0)
            return [], (segment, offset)
        with open(self.directory / segment_name(segment), "rb") as handle:
            handle.seek(offset)
            data = handle.read(min(end - offset, max(max_bytes, 1)))
        records, stop, problem = scan(data)
        if records:
            for record in records:
                record.offset += offset
            return [(segment, r) for r in records], (segment, offset + stop)
        if len(data) < end - offset:  # one record larger than this read: read it whole
            return self.read(cursor, max_bytes=end - offset)
        self.problems.append(f"{segment_name(segment)}: {problem} (counting from byte {offset}); "
                             "the rest of the segment is ignored")
        return [], ((segment + 1, 0) if segment < active else (segment, end))

    def remove(self, segment: int) -> bool:
        """Delete a sealed segment (its traces are stored); False for the active one."""
        with self._lock:
            if segment >= self._active or segment not in self._sizes:
                return False
            self._bytes -= self._sizes.pop(segment)
        (self.directory / segment_name(segment)).unlink(missing_ok=True)
        return True

    def segments(self) -> list[int]:
        """Numbers of the segments on disk, oldest first."""
        with self._lock:
            return sorted(self._sizes)

    def is_sealed(self, segment: int) -> bool:
        """True once no record will be appended to ``segment`` again."""
        return segment < self._active

    def close(self) -> None:
        """Fsync and close the active segment."""
        with self._sync_lock, self._lock:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1
