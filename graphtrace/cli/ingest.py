"""``graphtrace ingest PATH...``: read traces and write them into Neo4j.

Creates the schema (idempotent), streams the readers into
:func:`graphtrace.store.ingest.ingest` with a progress bar on stderr
(spans and spans/s), runs the ``annotate`` maintenance recipe on the traces
written (self time, critical path), then prints a summary: traces, spans,
and skipped records with their reasons.  ``--strict`` fails on the first
skipped record or trace; traces committed before it stay (each is whole).
A lost or unreachable Neo4j raises ``StoreError`` (exit 2).

``--bulk`` is the fast path for a first large load into the *empty local*
Neo4j (``graphtrace db start``, ``--home``): CSV files, then
``neo4j-admin database import full`` with the server stopped; see
:mod:`graphtrace.jobs.bulk`.  It refuses any other server or a database that
holds nodes.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Optional

import orjson
import typer

from graphtrace.cli.analyze import MAP_HELP
from graphtrace.cli.app import app
from graphtrace.cli.common import OutputOption, TextFormat, emit, err_console, format_option, usable_cpus
from graphtrace.cli.progress import bar_wanted, progress_bar
from graphtrace.cli.connection import DatabaseOption, PasswordOption, UriOption, UserOption, resolve_settings
from graphtrace.model import Diagnostic
from graphtrace.readers.columns import parse_mapping

SHOWN_DIAGNOSTICS = 20
FormatOption = format_option(TextFormat, "Output format: the summary for people, or JSON (counts, seconds, "
                             "skipped records and traces, warnings).")


def rate(spans: int, seconds: float) -> str:
    """Spans per second, for the progress bar and the summary.

    >>> rate(30_000, 1.5), rate(5, 0)
    ('20,000 spans/s', '- spans/s')
    """
    return f"{spans / seconds:,.0f} spans/s" if seconds > 0 else "- spans/s"


def diagnostic_lines(title: str, items: list[Diagnostic], shown: int = SHOWN_DIAGNOSTICS) -> list[str]:
    """``title (n):`` then one line per diagnostic, at most ``shown`` of them.

    >>> diagnostic_lines("Skipped", [Diagnostic(record="line 2", message="bad json")] * 3, shown=2)
    ['Skipped (3):', '  line 2: bad json', '  line 2: bad json', '  ... and 1 more']
    """
    if not items:
        return []
    lines = [f"{title} ({len(items)}):"] + [f"  {d.text}" for d in items[:shown]]
    if len(items) > shown:
        lines.append(f"  ... and {len(items) - shown} more")
    return lines


def _print_diagnostics(stream, skipped_traces: list[Diagnostic]) -> None:
    """Skipped records, skipped traces and reader warnings, to stderr (a few of each, then a count)."""
    for line in (diagnostic_lines("Skipped records", stream.skipped)
                 + diagnostic_lines("Skipped traces", skipped_traces)
                 + diagnostic_lines("Warnings", stream.warnings)):
        err_console.print(line, markup=False, highlight=False)


def _print_summary(fmt: TextFormat, output: Path | None, lines: list[str], doc: dict, stream,
                   skipped_traces: list[Diagnostic]) -> None:
    """The summary ``lines`` (text; diagnostics on stderr) or ``doc`` with the diagnostics (JSON)."""
    if fmt is TextFormat.json:
        doc = {**doc, "skipped_records": [d.model_dump(mode="json") for d in stream.skipped],
               "skipped_traces": [d.model_dump(mode="json") for d in skipped_traces],
               "warnings": [d.model_dump(mode="json") for d in stream.warnings]}
        emit(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode(), output)
        return
    emit("\n".join(lines), output)
    _print_diagnostics(stream, skipped_traces)


def default_jobs(cpus: int | None) -> int:
    """``--jobs`` by default: the CPUs this process may use, at most 4.

    >>> default_jobs(2), default_jobs(16), default_jobs(None)
    (2, 4, 1)
    """
    return max(1, min(cpus or 1, 4))


def _bulk(stream, settings, home: Path | None, strict: bool, annotate: bool, jobs: int, fmt: TextFormat,
          output: Path | None) -> None:
    """``ingest --bulk``: the library does the work; print its counts and time split.

    With ``jobs > 1`` and no stdin among the inputs, the CSV writing runs in ``jobs``
    processes, each re-reading the same files (``reread``) and keeping its share of the traces.
    """
    from graphtrace.readers import read_traces
    from graphtrace.readers.sources import STDIN
    from graphtrace.jobs.bulk import bulk_ingest

    def say(message: str) -> None:
        err_console.print(message, markup=False)

    reread = None
    if jobs > 1 and STDIN not in stream.paths:
        reread = functools.partial(read_traces, list(stream.paths), input_format=stream.input_format,
                                   mapping=stream.mapping or None, strict=strict)
    # annotate (and the rollups) run inside bulk_ingest, while the server is up: it stops a
    # server that was stopped before, so annotating here afterwards could not reach it
    with progress_bar(bar_wanted(data=fmt is TextFormat.json, output=output)) as bar:
        done = bulk_ingest(stream, settings, home=home, strict=strict, on_progress=say,
                           workers=jobs if reread is not None else 1, reread=reread, annotate=annotate,
                           progress=bar)
    c = done.counts
    if not c.traces:
        _print_diagnostics(stream, c.skipped)
        from graphtrace.jobs.load import nothing_stored

        raise nothing_stored([str(p) for p in stream.paths], [*stream.skipped, *c.skipped])
    note = done.annotated
    lines, doc = _bulk_summary(done, settings.describe(), note)
    _print_summary(fmt, output, lines, doc, stream, c.skipped)


def _bulk_summary(done, where: str, note: str) -> tuple[list[str], dict]:
    """``ingest --bulk``'s summary: the text lines and the JSON document."""
    c = done.counts
    lines = [
        f"Bulk-loaded {c.traces:,} traces, {c.spans:,} spans, {c.services:,} services and "
        f"{c.relationship_count:,} relationships into {where} in {done.total_seconds:.1f}s "
        f"({rate(c.spans, done.total_seconds)}): CSV {done.csv_seconds:.1f}s"
        f"{f' ({c.workers} processes)' if c.workers > 1 else ''}, stop {done.stop_seconds:.1f}s, "
        f"import {done.import_seconds:.1f}s, restart {done.restart_seconds:.1f}s, "
        f"schema {done.schema_seconds:.1f}s."] + ([note.capitalize() + "."] if note else [])
    phases = {"csv": done.csv_seconds, "stop": done.stop_seconds, "import": done.import_seconds,
              "restart": done.restart_seconds, "schema": done.schema_seconds}
    doc = {"traces": c.traces, "spans": c.spans, "services": c.services, "relationships": c.relationship_count,
           "database": where, "seconds": round(done.total_seconds, 3), "workers": c.workers,
           "seconds_by_phase": {k: round(v, 3) for k, v in phases.items()}, "annotated": note}
    return lines, doc


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[str], typer.Argument(
        metavar="PATH", help="Trace files, directories or globs; '-' reads stdin; .gz is read transparently.")],
    input_format: Annotated[str | None, typer.Option(
        "--input-format", help="otlp-json, otlp-proto, jaeger, zipkin or rows (default: sniff).")] = None,
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", metavar="FIELD=COLUMN", help=MAP_HELP)] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Fail (exit 2) on the first skipped record or trace; committed traces stay.")] = False,
    batch_spans: Annotated[int, typer.Option(
        "--batch-spans", min=1, help="Spans per write transaction (whole traces only).")] = 10_000,
    annotate: Annotated[bool, typer.Option(
        "--annotate/--no-annotate", help="Compute self time and critical path in Neo4j after ingest.")] = True,
    bulk: Annotated[bool, typer.Option(
        "--bulk", help="First load into the EMPTY local Neo4j with neo4j-admin import (stops and restarts it).")] = False,
    home: Annotated[Optional[Path], typer.Option(
        "--home", help="With --bulk: the local Neo4j's home (env GRAPHTRACE_HOME).")] = None,
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", "-j", min=1, help="With --bulk: processes writing the CSV files (default: the CPUs, "
        "at most 4; always 1 when reading stdin).")] = None,
    uri: UriOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    database: DatabaseOption = None,
    fmt: FormatOption = TextFormat.text,
    output: OutputOption = None,
) -> None:
    """Write traces into Neo4j (idempotent: re-ingesting the same files changes nothing)."""
    from graphtrace.readers import read_traces
    from graphtrace.jobs.load import load_stream
    from graphtrace.store.connection import connect

    settings = resolve_settings(uri, user, password, database, home=home)
    stream = read_traces(paths, input_format=input_format, mapping=parse_mapping(mapping or []) or None,
                         strict=strict)
    if bulk:
        _bulk(stream, settings, home, strict, annotate, jobs or default_jobs(usable_cpus()), fmt, output)
        return
    with connect(settings) as driver, progress_bar(bar_wanted(data=fmt is TextFormat.json, output=output)) as bar:
        done = load_stream(driver, stream, database=settings.database, batch_spans=batch_spans,
                           annotate=annotate, strict=strict, progress=bar)
    summary, took, note = done.summary, done.seconds, done.annotated
    if not summary.traces:
        _print_diagnostics(stream, summary.skipped)
        from graphtrace.jobs.load import nothing_stored

        raise nothing_stored(paths, [*stream.skipped, *summary.skipped])
    lines = [f"Ingested {summary.traces:,} traces, {summary.spans:,} spans into {settings.describe()}",  # 100 columns
             f"in {took:.1f}s ({rate(summary.spans, took)}); {summary.nodes_created:,} nodes and "
             f"{summary.relationships_created:,} relationships created."] + ([note.capitalize() + "."] if note else [])
    doc = {"traces": summary.traces, "spans": summary.spans, "database": settings.describe(),
           "seconds": round(took, 3), "nodes_created": summary.nodes_created,
           "relationships_created": summary.relationships_created, "annotated": note}
    _print_summary(fmt, output, lines, doc, stream, summary.skipped)
