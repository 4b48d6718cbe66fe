"""Span ids used twice in one Jaeger trace: keep every distinct span, as Jaeger does.

* Identical copies (a span written twice, e.g. a retried bulk request) are merged
  into one and counted in ``duplicates_merged``.
* Spans with *different* content are all kept.  As Jaeger UI's
  ``transformTraceData`` does, the n-th distinct span with id ``X`` (in reading
  order, n = 1, 2, ...) gets the id ``X_n``; references to ``X`` still mean the
  span that kept it.  Should ``X_n`` be taken, ``n`` grows until it is free.
* A CLIENT and a SERVER sharing the id (Zipkin-style instrumentation, stored raw in
  Jaeger's storage): as Jaeger's query service does before the UI sees the trace
  (its ``SpanIDDeduper`` adjuster), the SERVER is the one that gets a new id
  (``X_n`` here), whatever the reading order; it becomes a CHILD_OF the CLIENT,
  which keeps ``X``, and the other spans naming ``X`` as parent become children of
  the SERVER.  Exports from the query API have this applied already.
* One warning per trace names the derived ids.  A span read again from *another*
  input (two exports of one trace) is left alone: the assembler's rule for
  repeated inputs applies to it.

Spans are handed to the assembler as :class:`JaegerSpan` drafts, so this sees every
span of the trace however scattered they are over the input (a storage dump holds
one span per line).

>>> from graphtrace.readers.build import make_span
>>> from graphtrace.readers.context import ReadContext
>>> ctx = ReadContext()
>>> a, b = (make_span("t", "0000000000000002", None, "svc", op, "INTERNAL", 0, 5) for op in "ab")
>>> items = JaegerSpan.build_group([JaegerSpan(a, "f", None), JaegerSpan(b, "f", None),
...                                JaegerSpan(a, "f", None)], ctx)
>>> [i.span.span_id for i in items], ctx.counters.duplicates_merged
(['0000000000000002', '0000000000000002_1'], 1)
>>> print(ctx.warnings[0].message)
span id 0000000000000002 is used by spans with different content; all kept as Jaeger does, the others under derived ids: 0000000000000002_1 (span b)
"""

from __future__ import annotations

from graphtrace.model import RefType, Span, SpanKind
from graphtrace.readers.build import BadItem, Draft, SpanItem, span_record
from graphtrace.readers.context import ReadContext


class JaegerSpan(Draft):
    """One checked Jaeger span, held until its trace is complete."""

    __slots__ = ("trace_id", "span", "file", "record")

    def __init__(self, span: Span, file: str | None, record: str | None) -> None:
        self.trace_id, self.span, self.file, self.record = span.trace_id, span, file, record

    @staticmethod
    def build_group(drafts: list["JaegerSpan"], ctx: ReadContext) -> list[SpanItem | BadItem]:
        """The trace's spans: identical copies merged, different ones kept under derived ids."""
        kept, variants = _distinct(drafts, ctx)
        spans = [draft.span for draft in kept]
        taken = {d.span.span_id for d in drafts}
        derived: list[tuple[str, str, Span, bool]] = []  # (id, derived id, span, shared client/server)
        moved: dict[str, str] = {}  # shared id -> the SERVER's new id, its children's new parent
        for span_id, indexes in variants.items():
            if len(indexes) > 1:
                _derive(span_id, indexes, spans, taken, derived, moved)
        if moved:
            for i, span in enumerate(spans):
                parent = moved.get(span.parent_span_id)  # type: ignore[arg-type]
                if parent is not None and parent != span.span_id:
                    spans[i] = span.model_copy(update={"parent_span_id": parent})
        if derived:
            _warn(kept, derived, ctx)
        return [SpanItem(span, draft.file, draft.record) for draft, span in zip(kept, spans)]


def _distinct(drafts: list[JaegerSpan], ctx: ReadContext) -> tuple[list[JaegerSpan], dict[str, list[int]]]:
    """The drafts without identical copies, and per span id the indexes of its distinct spans."""
    kept: list[JaegerSpan] = []
    variants: dict[str, list[int]] = {}
    for draft in drafts:
        span = draft.span
        indexes = variants.get(span.span_id)
        if indexes is None:
            variants[span.span_id] = [len(kept)]
        elif kept[indexes[0]].file != draft.file:
            pass  # read again from another input: the assembler's rule for repeated inputs
        elif any(span == kept[i].span for i in indexes):
            ctx.counters.duplicates_merged += 1
            continue
        else:
            indexes.append(len(kept))
        kept.append(draft)
    return kept, variants


def _derive(span_id: str, indexes: list[int], spans: list[Span], taken: set[str],
            derived: list[tuple[str, str, Span, bool]], moved: dict[str, str]) -> None:
    """Give every distinct span of ``span_id`` but one its derived id (in place in ``spans``)."""
    kinds = {spans[i].kind for i in indexes}
    shared = SpanKind.CLIENT in kinds and SpanKind.SERVER in kinds
    keeper = next(i for i in indexes if spans[i].kind is not SpanKind.SERVER) if shared else indexes[0]
    n = 0
    for i in indexes:
        if i == keeper:
            continue
        n += 1
        new_id = _free_id(span_id, n, taken)
        update: dict[str, object] = {"span_id": new_id}
        server = shared and spans[i].kind is SpanKind.SERVER
        if server:
            update.update(parent_span_id=span_id, ref_type=RefType.CHILD_OF)
            moved.setdefault(span_id, new_id)
        derived.append((span_id, new_id, spans[i], server))
        spans[i] = spans[i].model_copy(update=update)


def _free_id(span_id: str, n: int, taken: set[str]) -> str:
    """``<span_id>_<n>``, with ``n`` raised until the id is not used in the trace."""
    while f"{span_id}_{n}" in taken:
        n += 1
    new_id = f"{span_id}_{n}"
    taken.add(new_id)
    return new_id


def _warn(kept: list[JaegerSpan], derived: list[tuple[str, str, Span, bool]], ctx: ReadContext) -> None:
    first = next(d for d in kept if d.span.span_id == derived[0][0])
    ids = sorted({old for old, _, _, _ in derived})
    listed = ", ".join(f"{new} (span {span.name}"
                       + (f", the SERVER half of a CLIENT/SERVER pair: now the CLIENT's child)"
                          if server else ")") for _, new, span, server in derived)
    uses = "is used" if len(ids) == 1 else "are each used"
    ctx.warn(first.file, span_record(first.record, derived[0][0]), "spanID",
             f"span id{'s' if len(ids) > 1 else ''} {', '.join(ids)} {uses} by spans with different "
             f"content; all kept as Jaeger does, the others under derived ids: {listed}")
