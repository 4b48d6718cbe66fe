"""The load job (``graphtrace ingest``): schema, ingest and annotate, one call.

:func:`load_stream` writes a reader's stream into Neo4j: it creates the schema
(idempotent), streams the traces through :func:`graphtrace.store.ingest.ingest`
(each trace whole or not at all) and runs the ``annotate`` maintenance recipe on
the traces written.  Nothing is printed: the front end shows ``on_progress`` and
the :class:`Loaded` result.  Skipped records stay diagnostics (the stream's
``skipped`` and ``warnings``, the summary's skipped traces); :func:`nothing_stored`
is the error a front end raises when no trace was stored.  :func:`load` is the
same for a Python caller: paths in, settings resolved as the CLI resolves them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import neo4j

from graphtrace.errors import InputError
from graphtrace.model import Diagnostic, Trace
from graphtrace.store.connection import Neo4jSettings, connect
from graphtrace.store.ingest import IngestSummary, ingest
from graphtrace.store.schema import init_schema


READING, WRITING, ANNOTATING = "reading traces", "writing spans", "annotating traces"
Progress = Callable[[str, int, "int | None"], None]
"""``progress(phase, done, total)``: the progress convention (total None when unknown)."""


def _counted(traces: Iterable[Trace], progress: Progress | None) -> Iterable[Trace]:
    """``traces``, reporting ``progress(READING, traces read, None)`` as they are read.

    >>> seen = []
    >>> list(_counted(iter("ab"), lambda *a: seen.append(a))), seen
    (['a', 'b'], [('reading traces', 1, None), ('reading traces', 2, None)])
    """
    if progress is None:
        yield from traces
        return
    for n, trace in enumerate(traces, 1):
        yield trace
        progress(READING, n, None)


@dataclass
class Loaded:
    """What one load wrote: the ingest summary, its seconds, and what annotate did (a sentence, or "")."""

    summary: IngestSummary
    seconds: float
    annotated: str = ""


def annotate_note(driver: neo4j.Driver, trace_ids: list[str], database: str, progress: Progress | None = None) -> str:
    """Run the annotate maintenance recipe when it is installed (``progress("annotating traces",
    done, len(trace_ids))`` after each batch); say what happened."""
    try:
        from graphtrace.recipes.annotate import annotate_traces
    except ImportError:
        return "annotate recipe not installed: self time / critical path not written"
    shown = None if progress is None else (lambda traces, spans: progress(ANNOTATING, traces, len(trace_ids)))
    done = annotate_traces(driver, trace_ids, database=database, on_progress=shown)
    return f"annotated {done['traces']} traces ({done['spans']} spans)"


def load_stream(
    driver: neo4j.Driver, traces: Iterable[Trace], *, database: str, batch_spans: int = 10_000,
    annotate: bool = True, strict: bool = False,
    on_progress: Callable[[IngestSummary, float], None] | None = None, progress: Progress | None = None,
) -> Loaded:
    """Schema, ingest (``on_progress(summary, seconds)`` after each batch), then annotate.

    ``progress`` (the progress convention) follows the traces read (``READING``), the spans
    written (``WRITING``) and the traces annotated (``ANNOTATING``, out of those written).
    """
    init_schema(driver, database=database)
    stream_file_of = getattr(traces, "file_of", None)  # the wrappers below hide the stream's
    traces = _counted(traces, progress)
    started = time.perf_counter()
    from graphtrace.jobs.rollups import RollupStep  # the per-minute rollups (docs/rollups.md)

    step, rolled = RollupStep(driver, database=database), [0]

    def batch_written(summary: IngestSummary) -> None:
        step.written(summary.trace_ids[rolled[0]:])
        rolled[0] = len(summary.trace_ids)
        if on_progress is not None:
            on_progress(summary, time.perf_counter() - started)
        if progress is not None:
            progress(WRITING, summary.spans, None)

    summary = ingest(driver, step.wrap(traces, stream_file_of), database=database, batch_spans=batch_spans,
                     on_progress=batch_written, strict=strict, file_of=step.file_of)
    step.written(summary.trace_ids[rolled[0]:])
    step.finish()
    took = time.perf_counter() - started
    note = annotate_note(driver, list(dict.fromkeys(summary.trace_ids)), database, progress) if (
        annotate and summary.trace_ids) else ""
    return Loaded(summary, took, note)


def nothing_stored(paths: Sequence[str], skipped: list[Diagnostic]) -> InputError:
    """The error of a load that stored no trace: the inputs and the first reason.

    >>> str(nothing_stored(["a.json"], []))
    'no traces stored: none found in a.json'
    >>> str(nothing_stored(["-"], [Diagnostic(record="line 1", message="bad json")] * 2))
    'no traces stored from <stdin>: 2 skipped; first: line 1: bad json'
    """
    names = ", ".join("<stdin>" if f == "-" else f for f in paths)
    if not skipped:
        return InputError(f"no traces stored: none found in {names}")
    return InputError(f"no traces stored from {names}: {len(skipped)} skipped; first: {skipped[0].text}")


def load(
    sources: Sequence[str | Path], settings: Neo4jSettings | None = None, *, input_format: str | None = None,
    mapping: dict[str, str] | None = None, strict: bool = False, annotate: bool = True,
) -> Loaded:
    """Read ``sources`` and load them into Neo4j (``settings``: default as the CLI resolves them);
    raises ``InputError`` when no trace was stored."""
    from graphtrace.jobs.settings import resolve_settings
    from graphtrace.readers import read_traces

    settings = settings or resolve_settings()
    stream = read_traces(sources, input_format=input_format, mapping=mapping, strict=strict)
    with connect(settings) as driver:
        done = load_stream(driver, stream, database=settings.database, annotate=annotate, strict=strict)
    if not done.summary.traces:
        raise nothing_stored([str(s) for s in sources], [*stream.skipped, *done.summary.skipped])
    return done
