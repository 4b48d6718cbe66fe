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


@dataclass
class Loaded:
    """What one load wrote: the ingest summary, its seconds, and what annotate did (a sentence, or "")."""

    summary: IngestSummary
    seconds: float
    annotated: str = ""


def annotate_note(driver: neo4j.Driver, trace_ids: list[str], database: str) -> str:
    """Run the annotate maintenance recipe when it is installed; say what happened."""
    try:
        from graphtrace.recipes.annotate import annotate_traces
    except ImportError:
        return "annotate recipe not installed: self time / critical path not written"
    done = annotate_traces(driver, trace_ids, database=database)
    return f"annotated {done['traces']} traces ({done['spans']} spans)"


def load_stream(
    driver: neo4j.Driver, traces: Iterable[Trace], *, database: str, batch_spans: int = 10_000,
    annotate: bool = True, strict: bool = False,
    on_progress: Callable[[IngestSummary, float], None] | None = None,
) -> Loaded:
    """Schema, ingest (``on_progress(summary, seconds)`` after each batch), then annotate."""
    init_schema(driver, database=database)
    started = time.perf_counter()

    def progress(summary: IngestSummary) -> None:
        if on_progress is not None:
            on_progress(summary, time.perf_counter() - started)

    summary = ingest(driver, traces, database=database, batch_spans=batch_spans, on_progress=progress,
                     strict=strict)
    took = time.perf_counter() - started
    note = annotate_note(driver, list(dict.fromkeys(summary.trace_ids)), database) if (
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
