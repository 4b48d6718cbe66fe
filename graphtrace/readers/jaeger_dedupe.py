"""Span ids used twice in one Jaeger trace: keep every distinct span, as Jaeger UI does.

Jaeger UI (``transformTraceData``) gives the n-th repeat of a span id the id
``<span id>_<n>`` and keeps it; references to the id still mean the first span.
graphtrace does the same for spans with *different* content; identical copies
(a span written twice, e.g. a retried bulk request) are merged into one and
counted in ``duplicates_merged``.  ``n`` counts the distinct spans in the order
they were read, so the derived id is stable for a given input; should
``<id>_<n>`` already be taken, ``n`` grows until it is free.  One warning per
trace names the ids that were derived.  A span read again from *another* input
(two exports of one trace) is not renamed: the assembler's rule for repeated
inputs applies to it.

Spans are handed to the assembler as :class:`JaegerSpan` drafts, so the renaming
sees every span of the trace however scattered they are over the input
(a storage dump holds one span per line).

>>> from graphtrace.readers.build import make_span
>>> from graphtrace.readers.context import ReadContext
>>> ctx = ReadContext()
>>> a, b = (make_span("t", "0000000000000002", None, "svc", op, "INTERNAL", 0, 5) for op in "ab")
>>> items = JaegerSpan.build_group([JaegerSpan(a, "f", None), JaegerSpan(b, "f", None),
...                                JaegerSpan(a, "f", None)], ctx)
>>> [i.span.span_id for i in items], ctx.counters.duplicates_merged
(['0000000000000002', '0000000000000002_1'], 1)
>>> print(ctx.warnings[0].message)
span id 0000000000000002 is used by spans with different content; all kept, the later ones under derived ids as Jaeger UI does: 0000000000000002_1 (span b)
"""

from __future__ import annotations

from graphtrace.model import Span
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
        taken = {d.span.span_id for d in drafts}
        variants: dict[str, list[Span]] = {}
        files: dict[str, str | None] = {}  # span id -> the input it was first read from
        derived: list[tuple[str, str, Span]] = []
        out: list[SpanItem | BadItem] = []
        for draft in drafts:
            span = draft.span
            seen = variants.get(span.span_id)
            if seen is None:
                variants[span.span_id] = [span]
                files[span.span_id] = draft.file
            elif files[span.span_id] != draft.file:
                pass  # read again from another input: the assembler's rule for repeated inputs
            elif any(span == other for other in seen):
                ctx.counters.duplicates_merged += 1
                continue
            else:
                seen.append(span)
                new_id = _free_id(span.span_id, len(seen) - 1, taken)
                derived.append((span.span_id, new_id, span))
                span = span.model_copy(update={"span_id": new_id})
            out.append(SpanItem(span, draft.file, draft.record))
        if derived:
            _warn(drafts, derived, ctx)
        return out


def _free_id(span_id: str, n: int, taken: set[str]) -> str:
    """``<span_id>_<n>``, with ``n`` raised until the id is not used in the trace."""
    while f"{span_id}_{n}" in taken:
        n += 1
    new_id = f"{span_id}_{n}"
    taken.add(new_id)
    return new_id


def _warn(drafts: list[JaegerSpan], derived: list[tuple[str, str, Span]], ctx: ReadContext) -> None:
    first = next(d for d in drafts if d.span.span_id == derived[0][0])
    ids = sorted({old for old, _, _ in derived})
    listed = ", ".join(f"{new} (span {span.name})" for _, new, span in derived)
    uses = "is used" if len(ids) == 1 else "are each used"
    ctx.warn(first.file, span_record(first.record, derived[0][0]), "spanID",
             f"span id{'s' if len(ids) > 1 else ''} {', '.join(ids)} {uses} by spans with different "
             f"content; all kept, the later ones under derived ids as Jaeger UI does: {listed}")
