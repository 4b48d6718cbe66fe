"""``read_traces``: sources in, a stream of whole validated traces out.

Each source is opened (:mod:`.sources`), its layout sniffed from the first
bytes and its format from the first record (:mod:`.sniff`) unless
``input_format`` says otherwise, and its records are read by the format's
module.  NDJSON and CSV are read line by line, so memory stays bounded by
the traces open in the assembler's window; a whole JSON document (one big
object or array) or a protobuf message is parsed in one go with orjson /
protobuf, so it must fit in memory.

OTLP JSON records (NDJSON lines and whole documents) are first tried on the
msgspec fast path (:mod:`.otlp_fast`), which reads clean records only and gives
the careful reader every other one, so results and messages are the same.  The
cyclic GC is paused while the stream produces (:mod:`.gcpause`), never while the
consumer runs.

Unreadable records (an invalid NDJSON line, a truncated document, a
non-UTF-8 file, an empty file) are skipped with a Diagnostic naming file and
record; ``strict=True`` raises InputError at the first skip instead.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "z.json"
>>> _ = p.write_text('[{"traceId": "a1", "id": "01", "name": "get", "timestamp": 5, "duration": 2}]')
>>> stream = read_traces([p])
>>> [(t.trace_id[-2:], t.spans[0].duration_ns) for t in stream], stream.counters.traces_yielded
([('a1', 2000)], 1)
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import orjson

from graphtrace.errors import InputError
from graphtrace.model import Diagnostic, Trace
from graphtrace.readers import jaeger, otlp_json, otlp_proto, rows, zipkin
from graphtrace.readers.assemble import DEFAULT_WINDOW, Assembler
from graphtrace.readers.build import Item, guarded
from graphtrace.readers.context import Counters, ReadContext
from graphtrace.gcpause import paused_gc
from graphtrace.readers.otlp_fast import fast_items
from graphtrace.readers.sniff import FORMATS, canonical_format, detect_format, detect_layout, is_bulk_action, unwrap_hits
from graphtrace.readers.sources import Opened, expand_sources, open_source

DocumentReader = Callable[[Any, "str | None", "str | None", ReadContext], Iterator[Item]]


class TraceStream:
    """Iterable over :class:`~graphtrace.model.Trace`; ``warnings``/``skipped`` fill as it is consumed.

    Iterate once.  ``counters`` (records/spans read, traces yielded/skipped,
    duplicates merged...) is complete when iteration ends.
    """

    assembler_type = Assembler  # groups the items into traces (:mod:`.tables` has one that makes tables)

    def __init__(self, sources: Sequence[str | Path], *, input_format: str | None = None,
                 mapping: dict[str, str] | None = None, strict: bool = False,
                 window: int = DEFAULT_WINDOW, shard: tuple[int, int] | None = None) -> None:
        input_format = canonical_format(input_format)
        if input_format is not None and input_format not in FORMATS:
            raise InputError(f"unknown input format {input_format!r}; expected one of {', '.join(FORMATS)}")
        self.ignored: list[Path] = []  # files in directories that are not trace data: not read, counted
        self.paths = expand_sources(sources, self.ignored)
        self.input_format = input_format
        self.mapping = dict(mapping or {})
        self.ctx = ReadContext(strict=strict)
        self.window = window
        self.shard = shard
        # sharded: records are read in every shard but reported by shard 0 alone (the others
        # read into a context nobody looks at); trace-level reports come from the trace's shard
        self._rctx = self.ctx if shard is None or shard[0] == 0 else ReadContext()
        self.ctx.counters.files_ignored = len(self.ignored)
        self._assembler: Assembler | None = None
        self._started = False

    @property
    def warnings(self) -> list[Diagnostic]:
        """Warnings so far (ids kept as written, duplicates, row conflicts, re-appearing traces)."""
        return self.ctx.warnings

    @property
    def skipped(self) -> list[Diagnostic]:
        """Skipped records and traces so far, each naming file, record and field."""
        return self.ctx.skipped

    def file_of(self, trace_id: str) -> str | None:
        """The input the trace just yielded (or one of its batch) was read from: its first span's.

        Known until the stream reads on (so while the consumer handles the trace); None after
        that, or before.
        """
        return self._assembler.files.get(trace_id) if self._assembler is not None else None

    @property
    def counters(self) -> Counters:
        """Records/spans read, traces yielded/skipped, duplicates merged (complete after iteration)."""
        return self.ctx.counters

    def __iter__(self) -> Iterator[Trace]:
        if self._started:
            raise InputError("a TraceStream can be iterated only once")
        self._started = True
        yield from paused_gc(self._batches())

    def tagged(self) -> Iterator[tuple[tuple[int, int], Trace]]:
        """With ``shard``: ``(tag, trace)`` pairs, where sorting every shard's pairs by tag gives
        the order an unsharded read yields the traces in (tags are unique across shards)."""
        if self.shard is None:
            raise InputError("tagged() needs a sharded stream (read_traces(..., shard=(k, n)))")
        for trace in self:
            yield self._assembler.tags.popleft(), trace

    def _batches(self) -> Iterator[list[Trace]]:
        """The traces, in the order they complete, in the lists the assembler hands them out."""
        assembler = self._assembler = self.assembler_type(self.ctx, self.window, shard=self.shard)
        add = assembler.add
        for path in self.paths:
            opened = open_source(path)
            try:
                for item in self._items(opened):
                    done = add(item)
                    if done:
                        yield done
                        assembler.files.clear()  # the consumer is done with that batch
            finally:
                opened.close()
        for trace in assembler.finish():
            yield [trace]
            assembler.files.clear()

    def _items(self, opened: Opened) -> Iterator[Item]:
        name, ctx = opened.name, self._rctx
        layout = detect_layout(opened.head, complete=opened.complete)
        if not opened.complete:
            opened.head = b""  # the stream replays it; a huge first line is not kept twice
        if self.input_format == "otlp-proto" or (layout == "binary" and self.input_format is None):
            yield from self._proto(opened)
        elif layout == "empty":
            ctx.counters.records_skipped += 1
            ctx.skip(name, None, None, "empty file")
        elif layout == "binary":
            ctx.counters.records_skipped += 1
            ctx.skip(name, None, None, f"not UTF-8 text; cannot read it as {self.input_format}")
        elif layout == "csv":
            if self.input_format not in (None, "rows"):
                ctx.counters.records_skipped += 1
                ctx.skip(name, "line 1", None, f"looks like CSV, not {self.input_format} JSON")
                return
            yield from guarded(rows.read_csv(opened.stream, name, ctx, self.mapping), name, "CSV rows")
        elif layout == "ndjson":
            yield from self._ndjson(opened)
        else:
            yield from self._document(opened)

    def _proto(self, opened: Opened) -> Iterator[Item]:
        self._rctx.counters.records_read += 1
        doc = otlp_proto.parse_proto(opened.read_all())
        if doc is None:
            self._rctx.counters.records_skipped += 1
            self._rctx.skip(opened.name, None, None, "not UTF-8 JSON/CSV text and not an OTLP "
                          "protobuf ExportTraceServiceRequest; file skipped")
            return
        yield from guarded(otlp_json.read_document(doc, opened.name, None, self._rctx), opened.name, None)

    def _reader(self, value: Any, name: str, record: str) -> DocumentReader | None:
        fmt = self.input_format or detect_format(value, self.mapping)
        if fmt is None:
            self._rctx.counters.records_skipped += 1
            self._rctx.skip(name, record, None, "cannot tell the trace format of this record "
                          "(not OTLP JSON, Jaeger, Zipkin or recognised flat rows; try --input-format/--map)")
            return None
        if fmt == "rows":
            return functools.partial(rows.read_document, mapping=self.mapping)
        return {"otlp-json": otlp_json.read_document, "otlp-proto": otlp_json.read_document,
                "jaeger": jaeger.read_document, "zipkin": zipkin.read_document}[fmt]

    def _document(self, opened: Opened) -> Iterator[Item]:
        ctx, name = self._rctx, opened.name
        ctx.counters.records_read += 1
        data = opened.read_all()
        fast = self._fast_record(data, name, None, None)
        if fast is not None:
            yield from fast[0]
            return
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            ctx.counters.records_skipped += 1
            ctx.skip(name, "document", None, f"invalid JSON ({exc}); file skipped")
            return
        value = unwrap_hits(value)  # an Elasticsearch/OpenSearch search answer: its documents
        reader = self._reader(value, name, "document")
        if reader is not None:
            yield from guarded(reader(value, name, None, ctx), name, None)

    def _ndjson(self, opened: Opened) -> Iterator[Item]:
        ctx, name = self._rctx, opened.name
        reader: DocumentReader | None = None
        for number, line in enumerate(opened.lines(), 1):
            if not line.strip():
                continue
            ctx.counters.records_read += 1
            record = f"line {number}"
            fast = self._fast_record(line, name, record, reader)
            if fast is not None:
                items, reader = fast
                yield from items
                continue
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                ctx.counters.records_skipped += 1
                ctx.skip(name, record, None, f"invalid JSON line ({exc}); line skipped")
                continue
            if is_bulk_action(value):  # Elasticsearch/OpenSearch bulk action: read, not a record
                continue
            value = unwrap_hits(value)
            if reader is None or self.input_format is None and _format_changed(reader, value):
                reader = self._reader(value, name, record)
                if reader is None:
                    continue
            yield from guarded(reader(value, name, record, ctx), name, record)

    def _fast_record(self, data: Any, name: str, record: str | None,
                     reader: DocumentReader | None) -> tuple[list[Item], DocumentReader] | None:
        """The items of a clean record read on a fast path, and the reader its format would take
        (``reader``: the one the NDJSON lines so far took); None: read it the careful way."""
        if self.input_format in _FAST_FORMATS:
            batch = fast_items(data, name, record)
            if batch is not None:  # a clean OTLP record (so its format is OTLP JSON)
                return [batch], otlp_json.read_document
        return None


_FAST_FORMATS = (None, "otlp-json", "otlp-proto")  # where a line with resourceSpans is read as OTLP


def _format_changed(reader: DocumentReader, value: Any) -> bool:
    """Cheap check that an NDJSON line still has the shape the first line had."""
    if isinstance(value, dict):
        if "resourceSpans" in value:
            return reader is not otlp_json.read_document
        if "traceId" in value and "id" in value:
            return reader is not zipkin.read_document
    return False


def read_traces(sources: Sequence[str | Path], *, input_format: str | None = None,
                mapping: dict[str, str] | None = None, strict: bool = False,
                window: int = DEFAULT_WINDOW, shard: tuple[int, int] | None = None) -> TraceStream:
    """Read traces from files, directories, globs or ``-`` (stdin); see :class:`TraceStream`.

    ``shard=(k, n)`` keeps only the traces whose :func:`~graphtrace.model.shard_of`
    is ``k`` (every record is still read, and reported by shard 0 only): ``n`` processes with
    ``k = 0 .. n-1`` together yield each trace once, as one unsharded read would.
    """
    return TraceStream(sources, input_format=input_format, mapping=mapping, strict=strict,
                       window=window, shard=shard)
