"""``read_tables``: :func:`~graphtrace.readers.read_traces`, each trace as a :class:`~graphtrace.spantable.SpanTable`.

Same sources, options, order, warnings, skipped records, ignored files, ``strict`` and
``shard`` behaviour as ``read_traces``: ``list(read_tables(x))`` equals
``[from_trace(t) for t in read_traces(x)]`` column by column (``tests/readers/test_read_tables.py``).
What differs is the cost: clean OTLP JSON records (:mod:`.otlp_table`) and clean Jaeger JSON
documents (:mod:`.jaeger_fast`) are decoded straight into columns (:mod:`.table_chunks`),
with no ``Span`` object at all.

The grouping is the assembler's (:mod:`.assemble`), with every rule kept: a chunk ticks the
read window once per span, exactly as its spans would; a trace made only of chunks with
distinct span ids and no parent cycle becomes a table by joining its chunks.  Whenever a trace
needs the careful logic -- a span id read twice (identical or conflicting duplicates, Jaeger's
derived ids, repeated inputs), a bad record, a cycle, spans read by the careful readers --
its chunks are read again the careful way (their record's text is kept while the trace is
open) into the very items ``read_traces`` would have had, the existing path decides, and the
trace becomes a table with ``from_trace``.  Every other format is ``from_trace`` of the
existing path.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "j.json"
>>> _ = p.write_text('{"data": [{"traceID": "a1", "processes": {"p": {"serviceName": "web"}}, "spans": ['
...                  '{"spanID": "1", "operationName": "GET", "processID": "p", "startTime": 5, "duration": 2}]}]}')
>>> [table] = read_tables([p])
>>> table.trace_id[-2:], table.span_id, table.services, table.end_ns.tolist()
('a1', ['0000000000000001'], ['web'], [7000])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Sequence

import orjson

from graphtrace.errors import InputError
from graphtrace.readers import jaeger, otlp_json
from graphtrace.readers import bulk
from graphtrace.readers.assemble import DEFAULT_WINDOW, Assembler, _Pending
from graphtrace.readers.build import Item, SpanBatch
from graphtrace.readers.context import ReadContext
from graphtrace.readers.jaeger_fast import jaeger_chunks
from graphtrace.readers.otlp_fast import fast_items
from graphtrace.readers.otlp_table import otlp_chunks
from graphtrace.readers.stream import _FAST_FORMATS, DocumentReader, TraceStream
from graphtrace.readers.table_chunks import Interner, Origin, RecordCache, TableChunk, join_chunks
from graphtrace.spantable import SpanTable, from_trace



class _TablePending(_Pending):
    __slots__ = ("chunks", "rows", "careful")

    def __init__(self, trace_id: str) -> None:
        super().__init__(trace_id)
        self.chunks: list[TableChunk] = []  # OTLP chunks, their spans in ``spans`` as row numbers
        self.rows = 0  # spans held in those chunks (``spans`` maps their ids to 0 .. rows - 1)
        self.careful = False  # its chunks were read again into spans: the existing path decides


def _read_again(origin: Origin) -> list[Any]:
    """The items the span path makes of a record the fast path took."""
    if origin.fmt == "otlp-json":
        batch = fast_items(origin.data, origin.file, origin.record)
        if batch is None:  # pragma: no cover - the table path takes only what fast_items takes
            raise InputError("internal: a record read on the table path was refused on the span path",
                             file=origin.file, record=origin.record)
        return batch.spans
    return list(jaeger.read_document(orjson.loads(origin.data), origin.file, origin.record, ReadContext()))


class TableAssembler(Assembler):
    """The assembler, taking :class:`TableChunk` items too and handing out :class:`SpanTable`
    (or, with ``keep_traces``, the ``Trace`` itself for a trace read the span way)."""

    pending_type = _TablePending
    keep_traces = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.interner = Interner()
        self.cache = RecordCache(_read_again)

    def add(self, item: Item | TableChunk) -> list[Any] | None:  # type: ignore[override]
        """As :meth:`Assembler.add`; a chunk counts as its spans would."""
        if type(item) is not TableChunk:
            return super().add(item)
        if self._shard is not None and not self._mine(item.trace_id):
            return self._ticks(item.n)
        if item.origin.fmt == "jaeger":  # its spans would be drafts, grouped when the trace closes
            pending = self._touch(item.trace_id)
            pending.drafts.append(item)
            pending.last = self._clock + item.n - 1
            return self._ticks(item.n)
        return self._add_otlp(item)

    def _add_otlp(self, chunk: TableChunk) -> list[Any] | None:
        pending = self._open.get(chunk.trace_id)
        offset = 0 if pending is None else pending.rows
        fresh = dict(zip(chunk.ids, range(offset, offset + chunk.n)))
        if len(fresh) == chunk.n and (pending is None or not pending.careful
                                      and pending.spans.keys().isdisjoint(fresh)):
            pending = self._touch(chunk.trace_id)
            if pending.spans:
                pending.spans.update(fresh)
            else:
                pending.spans = fresh
            pending.ordered = False  # (only spares a cycle check: the careful close checks again)
            pending.chunks.append(chunk)
            pending.rows += chunk.n
            pending.last = self._clock + chunk.n - 1
            return self._ticks(chunk.n)
        if pending is not None:
            self._materialise(pending)
        return self._add_batch(SpanBatch(chunk.items(self.cache), chunk.file, chunk.record))

    def _ticks(self, n: int) -> list[Any] | None:
        """Advance the clock by ``n`` span records, with the window checks those would make."""
        out: list[Any] | None = None
        clock, target, step = self._clock, self._clock + n, 64
        check = (clock // step + 1) * step
        while check <= target:
            self._clock = self.ctx.counters.spans_read = check
            done = self._expire()
            if done:
                out = done if out is None else out + done
            check += step
        self._clock = target
        return out

    def _add_span(self, pending: _Pending, span: Any, source: Any) -> None:
        if type(pending.spans.get(span.span_id)) is int:
            self._materialise(pending)
        super()._add_span(pending, span, source)

    def _materialise(self, pending: _TablePending) -> None:  # type: ignore[override]
        """Turn the pending's chunks into the items the span path would have given it."""
        spans, sources = pending.spans, pending.sources
        for chunk in pending.chunks:
            for span in chunk.items(self.cache):
                if type(spans.get(span.span_id)) is int:  # the first read of that id
                    spans[span.span_id] = span
                    sources[span.span_id] = chunk
        pending.chunks, pending.rows = [], 0
        if any(type(d) is TableChunk for d in pending.drafts):
            drafts: list[Any] = []
            for draft in pending.drafts:
                drafts.extend(draft.items(self.cache) if type(draft) is TableChunk else (draft,))
            pending.drafts = drafts
        pending.careful = True

    def _close(self, pending: _TablePending) -> SpanTable | None:  # type: ignore[override]
        chunks = self._pure(pending)
        if chunks is not None:
            self._emit(pending.trace_id, chunks[0].file)
            return join_chunks(pending.trace_id, chunks, self.interner)
        if pending.chunks or pending.drafts:
            self._materialise(pending)
        trace = super()._close(pending)
        if trace is None or self.keep_traces:
            return trace
        return from_trace(trace)

    def _pure(self, pending: _TablePending) -> list[TableChunk] | None:
        """The chunks, in order, of a trace that needs none of the careful logic; else None."""
        if pending.careful or pending.bad or pending.repeats is not None or len(pending.spans) != pending.rows:
            return None
        if any(type(d) is not TableChunk for d in pending.drafts):
            return None
        chunks = pending.chunks + pending.drafts
        if not chunks:
            return None
        index, n = pending.spans, pending.rows
        if pending.drafts:  # Jaeger spans: their ids were not looked at yet
            index = dict(index)
            for chunk in pending.drafts:
                index.update(zip(chunk.ids, range(n, n + chunk.n)))
                n += chunk.n
            if len(index) != n:
                return None
        parents = chunks[0].parents if len(chunks) == 1 else [p for chunk in chunks for p in chunk.parents]
        return chunks if bulk.acyclic(index, parents) else None

    def finish(self) -> Iterator[Any]:  # type: ignore[override]
        """As :meth:`Assembler.finish`."""
        yield from super().finish()
        self.cache.clear()


class TableStream(TraceStream):
    """Iterable over :class:`SpanTable` (one per trace); otherwise a :class:`TraceStream`.

    ``table_min_bytes``: a record shorter than this is read the span way (its spans become ``Span``
    objects, as with ``read_traces``); ``keep_traces``: a trace read the span way is yielded as its
    ``Trace``, not turned into a table.  ``graphtrace analyze`` sets both, so that many small
    traces keep the span path and the dict engine, which cost less per small trace than the
    columnar path's per-record and per-call overheads (docs/performance.md).
    """

    table_min_bytes = 0
    keep_traces = False

    def assembler_type(self, *args: Any, **kwargs: Any) -> TableAssembler:  # type: ignore[override]
        """The stream's :class:`TableAssembler`, told whether to keep span-path traces as they are."""
        assembler = TableAssembler(*args, **kwargs)
        assembler.keep_traces = self.keep_traces
        return assembler

    def __iter__(self) -> Iterator[SpanTable]:  # type: ignore[override]
        return super().__iter__()  # type: ignore[return-value]

    def tagged(self) -> Iterator[tuple[tuple[int, int], SpanTable]]:  # type: ignore[override]
        """As :meth:`TraceStream.tagged`, with tables."""
        return super().tagged()  # type: ignore[return-value]

    def _fast_record(self, data: Any, name: str, record: str | None,
                     reader: DocumentReader | None) -> tuple[list[Any], DocumentReader] | None:
        if self.window < 2 or len(data) < self.table_min_bytes:  # a window of one may close a trace in the
            return super()._fast_record(data, name, record, reader)  # middle of a record
        interner = self._assembler.interner  # type: ignore[union-attr]
        otlp = self.input_format in _FAST_FORMATS
        jaeger_ok = self.input_format == "jaeger" or \
            self.input_format is None and reader in (None, jaeger.read_document)
        head = data[:4096]
        if otlp and (b"resourceSpans" in head if isinstance(head, bytes) else "resourceSpans" in head):
            chunks = otlp_chunks(data, name, record, interner)
            if chunks is not None:
                return chunks, otlp_json.read_document
            otlp = False  # refused: the span path below decides
        if jaeger_ok:
            chunks = jaeger_chunks(data, name, record, interner)
            if chunks is not None:
                return chunks, jaeger.read_document
        if otlp:
            chunks = otlp_chunks(data, name, record, interner)
            if chunks is not None:
                return chunks, otlp_json.read_document
        return super()._fast_record(data, name, record, reader)


def read_tables(sources: Sequence[str | Path], *, input_format: str | None = None,
                mapping: dict[str, str] | None = None, strict: bool = False,
                window: int = DEFAULT_WINDOW, shard: tuple[int, int] | None = None,
                table_min_bytes: int = 0, keep_traces: bool = False) -> TableStream:
    """Read traces as tables from files, directories, globs or ``-``; see the module docstring
    and :func:`~graphtrace.readers.read_traces` (same arguments, same meaning), and
    :class:`TableStream` for ``table_min_bytes`` and ``keep_traces``."""
    stream = TableStream(sources, input_format=input_format, mapping=mapping, strict=strict,
                         window=window, shard=shard)
    stream.table_min_bytes, stream.keep_traces = table_min_bytes, keep_traces
    return stream
