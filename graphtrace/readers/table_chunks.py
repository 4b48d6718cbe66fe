"""Columns straight from a decoder: the pieces of :class:`~graphtrace.spantable.SpanTable` a record gives.

A fast decoder (:mod:`.otlp_table`, :mod:`.jaeger_fast`) appends the clean spans of a record,
column by column, to a :class:`Columns` (ids, names, codes and times; only the attribute keys
the analysis reads; the events of failing spans) and cuts it into one :class:`TableChunk` per
run of spans of one trace.  The assembler (:mod:`.tables`) holds the chunks of each open trace and,
when the trace is done, joins them into a table with :func:`join_chunks` -- or, when the
trace needs the careful logic (duplicates, conflicts, a cycle, other records), turns them
back into the reader's own items: :meth:`TableChunk.spans` / :meth:`TableChunk.drafts`
decode the chunk's record again the careful way (the record's text is kept for that).

Services and hosts are coded against one :class:`Interner` per stream; a table recodes them
in first-seen order, as :func:`~graphtrace.spantable.from_trace` does.

>>> interner = Interner()
>>> cols = Columns(interner)
>>> fe, db, nohost = interner.service("fe"), interner.service("db"), interner.host(None)
>>> cols.extend(["t", "t"], ["a", "b"], [None, "a"], ["op", "op"], [fe, db], nohost, [2, 2], [0, 0],
...             ["", ""], [-1, 0], [1, 1], [5, 5], [None, None], {})
>>> [chunk] = cols.chunks(Origin(b"", "otlp", "f.json", None))
>>> table = join_chunks("t", [chunk], interner)
>>> table.span_id, table.services, table.service.tolist(), table.end_ns.tolist()
(['a', 'b'], ['fe', 'db'], [0, 1], [5, 5])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphtrace.readers import bulk
from graphtrace.spantable import SpanTable

_NAME_LIMIT = 1 << 16  # distinct names remembered for sharing; a larger set starts over


class Interner:
    """One stream's codes for services and hosts, and its shared name strings."""

    def __init__(self) -> None:
        self.services: list[str] = []
        self.service_code: dict[str, int] = {}
        self.hosts: list[str | None] = []
        self.host_code: dict[str | None, int] = {}
        self.names: dict[str, str] = {}

    def service(self, name: str) -> int:
        """The code of a service name."""
        code = self.service_code.get(name)
        if code is None:
            code = self.service_code[name] = len(self.services)
            self.services.append(name)
        return code

    def host(self, name: str | None) -> int:
        """The code of a host (``None``: no host)."""
        code = self.host_code.get(name)
        if code is None:
            code = self.host_code[name] = len(self.hosts)
            self.hosts.append(name)
        return code

    def name(self, text: str) -> str:
        """One shared string for equal names."""
        names = self.names
        shared = names.get(text)
        if shared is None:
            if len(names) >= _NAME_LIMIT:
                names.clear()
            shared = names[text] = text
        return shared


class Origin:
    """The record a chunk came from: its text, its format and where it was read.

    ``decoded`` caches the careful reading of the record (see :meth:`TableChunk.spans`).
    """

    __slots__ = ("data", "fmt", "file", "record")

    def __init__(self, data: Any, fmt: str, file: str | None, record: str | None) -> None:
        self.data, self.fmt, self.file, self.record = data, fmt, file, record


class Columns:
    """Column pieces for the spans of one record, in reading order (see :meth:`extend`)."""

    def __init__(self, interner: Interner) -> None:
        self.interner = interner
        self.runs: list[tuple[str, int]] = []  # (trace id, first row) of each run of one trace
        self.span_id: list[str] = []
        self.parent: list[str | None] = []
        self.name: list[str] = []
        self.status_message: list[str] = []
        self.attrs: list[dict[str, Any] | None] = []
        self.events: dict[int, list[Any]] = {}
        self._numbers: dict[str, list[Any]] = {key: [] for key in _NUMBERS}

    def extend(self, trace_ids: list[str], span_id: list[str], parent: list[str | None], name: list[str],
               service: Any, host: Any, kind: Any, status: Any, message: list[str], ref: Any, start: Any,
               end: Any, attrs: list[Any], events: dict[int, list[Any]]) -> None:
        """Many spans at once: lists, and for the codes and times sequences of ints (or arrays);
        ``events`` by row within these spans."""
        row = len(self.span_id)
        for trace_id, first in bulk.runs(trace_ids):
            if not self.runs or self.runs[-1][0] != trace_id:
                self.runs.append((trace_id, row + first))
        self.span_id.extend(span_id)
        self.parent.extend(parent)
        self.name.extend(name)
        self.status_message.extend(message)
        self.attrs.extend(attrs)
        n = len(span_id)
        for key, values in zip(_NUMBERS, (service, host, kind, status, ref, start, end)):
            dtype = _NUMBERS[key]
            self._numbers[key].append(np.full(n, values, dtype) if type(values) is int else
                                      np.asarray(values, dtype=dtype))
        for at, found in events.items():
            self.events[row + at] = found

    def chunks(self, origin: Origin) -> list["TableChunk"]:
        """The record's chunks, one per run of spans of one trace."""
        for key, parts in self._numbers.items():
            setattr(self, key, parts[0] if len(parts) == 1 else np.concatenate(parts))
        n = len(self.span_id)
        runs = self.runs
        if len(runs) == 1:
            return [TableChunk(runs[0][0], origin, 0, self, 0, n)]
        bounds = [row for _, row in runs[1:]] + [n]
        return [TableChunk(trace_id, origin, lo, self, lo, hi) for (trace_id, lo), hi in zip(runs, bounds)]


_NUMBERS = {"service": np.int32, "host": np.int32, "kind": np.int8, "status": np.int8, "ref": np.int8,
            "start": np.int64, "end": np.int64}


class TableChunk:
    """The spans of one trace read from one record, as columns (rows ``lo:hi`` of ``cols``).

    Plays the part of a span item for the assembler: ``file``, ``record``, ``mergeable``.
    """

    __slots__ = ("trace_id", "origin", "offset", "cols", "lo", "hi", "file", "record", "mergeable")

    def __init__(self, trace_id: str, origin: Origin, offset: int, cols: Columns, lo: int, hi: int) -> None:
        self.trace_id, self.origin, self.offset, self.cols, self.lo, self.hi = \
            trace_id, origin, offset, cols, lo, hi
        self.file, self.record, self.mergeable = origin.file, origin.record, False

    @property
    def n(self) -> int:
        """The number of spans."""
        return self.hi - self.lo

    @property
    def ids(self) -> list[str]:
        """The span ids, in reading order."""
        ids = self.cols.span_id
        return ids if self.lo == 0 and self.hi == len(ids) else ids[self.lo:self.hi]

    @property
    def parents(self) -> list[str | None]:
        """The parent ids, in reading order."""
        parents = self.cols.parent
        return parents if self.lo == 0 and self.hi == len(parents) else parents[self.lo:self.hi]

    def items(self, cache: "RecordCache") -> list[Any]:
        """The careful reader's items for these spans (``SpanBatch`` spans / ``JaegerSpan`` drafts)."""
        return cache.items(self.origin)[self.offset:self.offset + self.n]


class RecordCache:
    """The careful reading of the last record asked for (a record often holds many traces)."""

    def __init__(self, read: Any) -> None:
        self._read = read  # origin -> the items the reader makes of it
        self._origin: Origin | None = None
        self._items: list[Any] = []

    def items(self, origin: Origin) -> list[Any]:
        """The items of ``origin``'s record, read again (once while it is the last one asked)."""
        if self._origin is not origin:
            self._items = self._read(origin)
            self._origin = origin
        return self._items

    def clear(self) -> None:
        """Forget the cached record."""
        self._origin, self._items = None, []


def _recode(codes: np.ndarray, names: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """Stream-wide codes -> codes in first-seen order within the table, and their names."""
    if len(codes) == 0:
        return codes.astype(np.int32), []
    distinct, first = np.unique(codes, return_index=True)
    order = distinct[np.argsort(first, kind="stable")]
    lut = np.zeros(int(distinct[-1]) + 1, dtype=np.int32)
    lut[order] = np.arange(len(order), dtype=np.int32)
    return lut[codes], [names[int(c)] for c in order]


def _column(chunks: list[TableChunk], name: str) -> Any:
    """One list column over the chunks (the record's own list when a chunk is all of it)."""
    if len(chunks) == 1:
        chunk = chunks[0]
        values = getattr(chunk.cols, name)
        return values if chunk.lo == 0 and chunk.hi == len(values) else values[chunk.lo:chunk.hi]
    out: list[Any] = []
    for chunk in chunks:
        out.extend(getattr(chunk.cols, name)[chunk.lo:chunk.hi])
    return out


def _array(chunks: list[TableChunk], name: str, dtype: Any) -> np.ndarray:
    parts = [getattr(c.cols, name)[c.lo:c.hi] for c in chunks]
    return (parts[0] if len(parts) == 1 else np.concatenate(parts)).astype(dtype, copy=True)


def join_chunks(trace_id: str, chunks: list[TableChunk], interner: Interner) -> SpanTable:
    """The table of one trace made of ``chunks`` (in order; their span ids all distinct)."""
    events: dict[int, list[Any]] = {}
    base = 0
    for chunk in chunks:
        for row, found in chunk.cols.events.items():
            if chunk.lo <= row < chunk.hi:
                events[base + row - chunk.lo] = list(found)
        base += chunk.n
    service, services = _recode(_array(chunks, "service", np.int32), interner.services)
    host, hosts = _recode(_array(chunks, "host", np.int32), interner.hosts)
    return SpanTable(
        trace_id=trace_id, span_id=_column(chunks, "span_id"), parent_span_id=_column(chunks, "parent"),
        service=service, services=services, name=_column(chunks, "name"),
        kind=_array(chunks, "kind", np.int8), start_ns=_array(chunks, "start", np.int64),
        end_ns=_array(chunks, "end", np.int64), status=_array(chunks, "status", np.int8),
        status_message=_column(chunks, "status_message"), ref_type=_array(chunks, "ref", np.int8),
        host=host, hosts=hosts, attrs=_column(chunks, "attrs"), error_events=events)
