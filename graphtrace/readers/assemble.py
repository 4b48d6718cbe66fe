"""Grouping span items into whole, validated traces with bounded memory.

A trace is held until the input is done with it: at the end of all input, or
when no span of it has arrived for ``window`` span records (default 10 000).
Memory is therefore bounded by the traces still "open" in the window, not by
the file.  A trace whose spans re-appear after it was flushed is emitted
again as a separate piece, with a warning (the Neo4j store merges pieces;
in-memory analysis sees two traces with the same id).

Per trace:

* identical duplicate spans are merged silently (counted);
* duplicates with different content: the first is kept, a warning names both records;
* spans read again from *another input* (the same trace given in two files or formats):
  the first read is kept and the trace gets one warning naming the inputs, with counts;
* flat-row spans (one row per span *event*) merge their events and attributes when
  their core fields agree; otherwise the first is kept and the conflict is reported;
* a bad record with a known trace id, a self-parent or a parent cycle makes the
  *whole* trace skipped with a Diagnostic (cycles are found without recursion).

>>> from graphtrace.readers.build import make_span
>>> from graphtrace.readers.context import ReadContext
>>> ctx = ReadContext()
>>> asm = Assembler(ctx)
>>> items = [SpanItem(make_span("t", i, p, "svc", i, "INTERNAL", 0, 5), "f", None)
...          for i, p in (("a", None), ("b", "a"), ("b", "a"))]
>>> [asm.add(it) for it in items]
[None, None, None]
>>> [(t.trace_id, [s.span_id for s in t.spans]) for t in asm.finish()], ctx.counters.duplicates_merged
([('t', ['a', 'b'])], 1)
"""

from __future__ import annotations

from collections import OrderedDict, deque
from typing import Any, Iterator

from graphtrace.model import Diagnostic, Span, Trace, shard_of
from graphtrace.readers.build import (UNEXPECTED, BadItem, Draft, Item, SpanBatch, SpanItem, _fast_factory,
                                      plain_reason, span_record)
from graphtrace.readers.context import ReadContext
from graphtrace.readers.seen import SeenIds

DEFAULT_WINDOW = 10_000
_CHECK_EVERY = 64  # a power of two
_CORE = ("name", "parent_span_id", "start_ns", "end_ns", "kind", "service")
_new_trace = _fast_factory(Trace, {"trace_id": "t", "spans": []})


Source = SpanItem | SpanBatch  # where a span was read: ``file``, ``record``, ``mergeable``


class _Pending:
    __slots__ = ("trace_id", "spans", "sources", "drafts", "bad", "last", "ordered", "repeats")

    def __init__(self, trace_id: str) -> None:
        self.trace_id = trace_id
        self.spans: dict[str, Span] = {}
        self.sources: dict[str, Source] = {}  # span id -> where it was read (shared per record)
        self.drafts: list[Draft] = []
        self.bad: list[BadItem] = []
        self.last = 0
        # every span so far came after its parent (or has none): then there is no cycle
        self.ordered = True
        # spans read again from another input: [inputs involved, repeated ids, how many differ]
        self.repeats: list[Any] | None = None


_PROBABLY = ("probably re-appeared (its id matched the Bloom filter of older trace ids, "
             "which a new id does by chance at most once in 1,000)")


class Assembler:
    """Feed items with :meth:`add` (yields traces that left the window), then :meth:`finish`."""

    pending_type = _Pending  # what holds an open trace (a subclass may add fields: :mod:`.tables`)

    def __init__(self, ctx: ReadContext, window: int = DEFAULT_WINDOW, seen: SeenIds | None = None,
                 shard: tuple[int, int] | None = None) -> None:
        self.ctx = ctx
        self.window = max(1, window)
        self._open: OrderedDict[str, _Pending] = OrderedDict()
        # the emitted ids, in bounded memory: exact for recent ids, a Bloom filter for older ones
        self._flushed = SeenIds() if seen is None else seen
        self._clock = 0
        self._current: _Pending | None = None
        # sharded reading (see :func:`shard_of`): only this shard's traces are kept, but every
        # span ticks the clock, so they flush exactly when an unsharded read flushes them
        self._shard = shard
        self._mine_cache: tuple[str | None, bool] = (None, False)
        self.tags: deque[tuple[int, int]] | None = None if shard is None else deque()
        # trace id -> the input its first span was read from, for the traces handed out last
        # (TraceStream clears it before reading on): a consumer's message about a trace names it
        self.files: dict[str, str | None] = {}

    def add(self, item: Item) -> list[Trace] | None:
        """Take one item; return the traces that are now complete (usually None).

        The window is checked every ``_CHECK_EVERY`` items, so a trace may stay
        open up to that many span records longer than ``window``.
        """
        if type(item) is SpanBatch:
            return self._add_batch(item)
        if self._shard is not None:
            trace_id = item.span.trace_id if type(item) is SpanItem else item.trace_id
            if not self._mine(trace_id):  # another shard's: it ticks the clock as it would there
                return None if trace_id is None else self._tick()
        if type(item) is SpanItem:
            span = item.span
            pending = self._touch(span.trace_id)
            span_id = span.span_id
            if span_id in pending.spans:
                self._add_span(pending, span, item)
            else:
                _insert(pending, span, item)
        elif isinstance(item, BadItem):
            if item.trace_id is None:
                self.ctx.counters.spans_skipped += 1
                self.ctx.skip_diagnostic(item.diagnostic)
                return None
            self._touch(item.trace_id).bad.append(item)
        else:
            self._touch(item.trace_id).drafts.append(item)
        return self._tick()

    def _tick(self) -> list[Trace] | None:
        self._clock += 1
        if self._clock & (_CHECK_EVERY - 1) == 0:
            self.ctx.counters.spans_read = self._clock
            return self._expire()
        return None

    def _mine(self, trace_id: str | None) -> bool:
        """Is this trace in our shard?  A record without a trace id belongs to shard 0 (it reports it)."""
        if trace_id is None:
            return self._shard[0] == 0
        cached_id, mine = self._mine_cache
        if cached_id != trace_id:
            mine = shard_of(trace_id, self._shard[1]) == self._shard[0]
            self._mine_cache = (trace_id, mine)
        return mine

    def _add_batch(self, batch: SpanBatch) -> list[Trace] | None:
        """:meth:`add` for each span of ``batch`` in order (same clock, same window checks)."""
        out: list[Trace] | None = None
        pending, clock, mask = self._current, self._clock, _CHECK_EVERY - 1
        sharded = self._shard is not None
        for span in batch.spans:
            if sharded and not self._mine(span.trace_id):
                pass  # another shard's span: it only ticks the clock
            else:
                if pending is None or pending.trace_id != span.trace_id:
                    self._clock = clock
                    pending = self._touch(span.trace_id)
                else:
                    pending.last = clock
                span_id = span.span_id
                if span_id in pending.spans:
                    self._add_span(pending, span, batch)
                else:
                    spans = pending.spans
                    if pending.ordered:
                        parent = span.parent_span_id
                        pending.ordered = parent is None or parent in spans
                    spans[span_id] = span
                    pending.sources[span_id] = batch
            clock += 1
            if clock & mask == 0:
                self._clock = self.ctx.counters.spans_read = clock
                done = self._expire()
                if done:
                    out = done if out is None else out + done
                pending = self._current
        self._clock = clock
        return out

    def finish(self) -> Iterator[Trace]:
        """Flush every open trace, oldest first."""
        while self._open:
            _, pending = self._open.popitem(last=False)
            trace = self._close(pending)
            if trace is not None:
                if self.tags is not None:
                    self.tags.append((self._clock + 1, pending.last))
                yield trace
        self._current = None
        self.ctx.counters.spans_read = self._clock

    def _touch(self, trace_id: str) -> _Pending:
        pending = self._current
        if pending is None or pending.trace_id != trace_id:
            pending = self._open.get(trace_id)
            if pending is None:
                pending = self._open[trace_id] = self.pending_type(trace_id)
            else:
                self._open.move_to_end(trace_id)
            self._current = pending
        pending.last = self._clock
        return pending

    def _expire(self) -> list[Trace]:
        out: list[Trace] = []
        limit = self._clock - self.window
        while self._open:
            trace_id, oldest = next(iter(self._open.items()))
            if oldest.last > limit:
                break
            del self._open[trace_id]
            if oldest is self._current:
                self._current = None
            trace = self._close(oldest)
            if trace is not None:
                if self.tags is not None:
                    self.tags.append((self._clock, oldest.last))
                out.append(trace)
        return out

    def _add_span(self, pending: _Pending, span: Span, source: Source) -> None:
        span_id = span.span_id
        first = pending.spans.get(span_id)
        if first is None:
            _insert(pending, span, source)
            return
        first_source = pending.sources[span_id]
        self.ctx.counters.duplicates_merged += 1
        if first_source.mergeable and source.mergeable:
            conflict = [f for f in _CORE if getattr(first, f) != getattr(span, f)]
            if not conflict:
                pending.spans[span_id] = _merge_rows(first, span)
                return
            detail = f"rows disagree on {', '.join(conflict)}"
        elif first == span:
            if first_source.file != source.file:
                _repeat(pending, first_source, source, differs=False)
            return
        else:
            detail = "duplicate span id with different content"
        if first_source.file != source.file:  # one warning for the whole trace, when it closes
            _repeat(pending, first_source, source, differs=True)
            return
        self.ctx.warn(source.file, span_record(source.record, span_id), "span_id",
                      f"{detail}; kept the first ({_where(first_source, span_id)}) for span {span_id}")

    def _close(self, pending: _Pending) -> Trace | None:
        for item in _build_drafts(pending.drafts, self.ctx):
            if isinstance(item, BadItem):
                if item.trace_id is None:
                    self.ctx.counters.spans_skipped += 1
                    self.ctx.skip_diagnostic(item.diagnostic)
                else:
                    pending.bad.append(item)
            else:
                self._add_span(pending, item.span, item)
        spans = list(pending.spans.values())
        problem = pending.bad[0].diagnostic if pending.bad else \
            None if pending.ordered else _cycle(pending)
        if problem is not None:
            self._skip_trace(pending, problem, len(spans) + len(pending.bad))
            return None
        if not spans:
            return None
        if pending.repeats is not None:
            self._warn_repeats(pending)
        self._emit(pending.trace_id, pending.sources[spans[0].span_id].file)
        return _new_trace({"trace_id": pending.trace_id, "spans": spans})

    def _emit(self, trace_id: str, file: str | None) -> None:
        """The bookkeeping of a trace handed out (``file``: its first span's input)."""
        seen = self._flushed.check(trace_id)
        if seen is not None:
            how = "re-appeared" if seen == "exact" else _PROBABLY
            self.ctx.warn(file, f"trace {trace_id}", None,
                          f"trace {how} after it was flushed from the read window; "
                          "emitted again as a separate piece", once=f"piece:{trace_id}")
        self._flushed.add(trace_id)
        self.ctx.counters.traces_yielded += 1
        self.files[trace_id] = file

    def _warn_repeats(self, pending: _Pending) -> None:
        """The one warning for a trace whose spans came from several inputs (e.g. two formats)."""
        inputs, repeated, differ = pending.repeats
        names = [str(name) for name in inputs]
        self.ctx.warn(names[0], f"trace {pending.trace_id}", None,
                      f"read from {len(names)} inputs ({', '.join(names)}): {repeated} span ids "
                      f"read more than once, {differ} with different content; the first read of each "
                      "span was kept", once=f"inputs:{pending.trace_id}")

    def _skip_trace(self, pending: _Pending, problem: Diagnostic, n_spans: int) -> None:
        extra = len(pending.bad) - 1
        more = f" (and {extra} more bad span records)" if extra > 0 else ""
        self.ctx.counters.traces_skipped += 1
        self.ctx.counters.spans_skipped += n_spans
        self.ctx.skip(problem.file, problem.record, problem.field,
                      skipped_trace_message(f"{problem.message}{more}", pending.trace_id, n_spans))


def _insert(pending: _Pending, span: Span, source: Source) -> None:
    """Add a span whose id is new to the trace (keeping ``pending.ordered`` up to date)."""
    if pending.ordered:
        parent = span.parent_span_id
        pending.ordered = parent is None or parent in pending.spans
    pending.spans[span.span_id] = span
    pending.sources[span.span_id] = source


def _repeat(pending: _Pending, first: Source, again: Source, differs: bool) -> None:
    """Count a span read again from another input than its first read (reported per trace)."""
    if pending.repeats is None:
        pending.repeats = [{first.file: None}, 0, 0]
    inputs = pending.repeats[0]
    inputs.setdefault(first.file, None)
    inputs.setdefault(again.file, None)
    pending.repeats[1] += 1
    pending.repeats[2] += differs


def _where(source: Source, span_id: str) -> str:
    return ": ".join(p for p in (source.file, span_record(source.record, span_id)) if p)


def _merge_rows(first: Span, other: Span) -> Span:
    """Union of events (first's order, new ones appended) and attributes (first wins)."""
    events = list(first.events)
    seen = {(e.name, e.time_ns, repr(e.attributes)) for e in events}
    for event in other.events:
        key = (event.name, event.time_ns, repr(event.attributes))
        if key not in seen:
            seen.add(key)
            events.append(event)
    update: dict[str, Any] = {"events": events}
    if other.attributes.keys() - first.attributes.keys():
        update["attributes"] = {**other.attributes, **first.attributes}
    if other.links and other.links != first.links:
        update["links"] = first.links + [link for link in other.links if link not in first.links]
    return first.model_copy(update=update)


def _build_drafts(drafts: list[Draft], ctx: ReadContext) -> list[SpanItem | BadItem]:
    groups: dict[type, list[Draft]] = {}
    for draft in drafts:
        groups.setdefault(type(draft), []).append(draft)
    out: list[SpanItem | BadItem] = []
    for cls, group in groups.items():
        try:
            out.extend(cls.build_group(group, ctx))
        except UNEXPECTED as exc:  # a safety net: the format's own checks name the field
            first = group[0]
            out.append(BadItem(first.trace_id, Diagnostic(
                file=first.file, record=first.record, field=None,
                message=f"cannot build the spans of trace {first.trace_id} ({plain_reason(exc)})")))
    return out


def _cycle(pending: _Pending) -> Diagnostic | None:
    """A Diagnostic naming a span on a parent cycle, or None (iterative, O(n))."""
    cycle = parent_cycle({sid: span.parent_span_id for sid, span in pending.spans.items()})
    if cycle is None:
        return None
    source = pending.sources[cycle[0]]
    return Diagnostic(file=source.file, record=span_record(source.record, cycle[0]),
                      field="parent_span_id", message=cycle_message(cycle))


def cycle_message(cycle: list[str]) -> str:
    """The skip reason for a trace with the parent cycle ``cycle`` (closed: first id repeated).

    >>> cycle_message(["a", "b", "a"])
    'parent cycle a -> b -> a'
    """
    return f"parent cycle {' -> '.join(cycle)}"


def skipped_trace_message(reason: str, trace_id: str, n_spans: int) -> str:
    """The message of a whole trace skipped for ``reason`` (the readers' and ``serve``'s one wording).

    >>> skipped_trace_message("parent cycle a -> a", "t1", 2)
    'parent cycle a -> a; whole trace t1 skipped (2 span records)'
    """
    return f"{reason}; whole trace {trace_id} skipped ({n_spans} span records)"


def parent_cycle(parents: dict[str, str | None]) -> list[str] | None:
    """One parent cycle among ``span id -> parent id`` (closed: ``[a, b, a]``), or None; iterative, O(n).

    A parent that is not in ``parents`` ends a chain (a missing parent is no cycle).

    >>> parent_cycle({"r": None, "a": "c", "b": "a", "c": "b", "x": "gone"})
    ['a', 'c', 'b', 'a']
    >>> parent_cycle({"r": None, "a": "r", "b": "gone"}) is None
    True
    """
    done: set[str] = set()
    for sid, parent in parents.items():  # one pass settles every span whose parent came first
        if parent is None or parent in done or parent not in parents:
            done.add(sid)
    if len(done) == len(parents):
        return None
    for start in parents:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node in parents and node not in done:
            if node in on_path:
                return path[path.index(node):] + [node]
            path.append(node)
            on_path.add(node)
            node = parents[node]
        done.update(path)
    return None
