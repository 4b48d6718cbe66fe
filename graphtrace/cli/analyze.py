"""``graphtrace analyze FILE...``: read traces, analyse each one, print the report.

Reading streams (one trace at a time) and so does printing: text and Markdown
reports are printed as each trace is analysed, and the one JSON document is
written a trace report at a time (warnings and skips close it), so memory
follows the largest trace, not the input.  With ``--strict`` JSON is buffered:
nothing is printed unless every record is good.
Warnings and skipped records go to stderr (text, Markdown) or into the JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from enum import Enum
from typing import Annotated, Any

import typer

from graphtrace.cli.app import app
from graphtrace.cli.common import (OutputOption, console, emit, err_console, format_option, is_stdout, output_writer,
                                   usable_cpus)
from graphtrace.cli.progress import bar_wanted, progress_bar
from graphtrace.errors import InputError
from graphtrace.model import Diagnostic
from graphtrace.jobs.analyze import analysed_reports, check_outcome, normalize_trace_id
from graphtrace.readers.columns import MAPPABLE, parse_mapping

class OutputFormat(str, Enum):
    """What ``analyze`` prints."""

    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


FormatOption = format_option(OutputFormat)
Write = Callable[[str], None]
"""Where the report goes: stdout, or the ``-o`` file (:func:`graphtrace.cli.common.output_writer`)."""

MAP_HELP = ("Column of a flat-row field (repeatable), e.g. trace_id=TraceId or duration_us=Duration "
            f"(a duration's unit is in its field's name). Fields: {', '.join(MAPPABLE)}.")
"""``--map``'s help for ``analyze`` and ``ingest``: the fields come from readers.columns.MAPPABLE."""


def ignored_warning(ignored: Sequence[str], shown: int = 5) -> str:
    """The warning line for the files of the directories given that are not trace data (not read).

    >>> ignored_warning(["d/README.md", "d/make.py"])
    'warning: 2 files ignored (not trace data): d/README.md, d/make.py'
    >>> ignored_warning([f"d/{i}.py" for i in range(7)], shown=2)
    'warning: 7 files ignored (not trace data): d/0.py, d/1.py and 5 more'
    """
    from graphtrace.render.safe import literal

    names = ", ".join(literal(name) for name in ignored[:shown])
    more = f" and {len(ignored) - shown} more" if len(ignored) > shown else ""
    return f"warning: {len(ignored)} file{'s' if len(ignored) != 1 else ''} ignored (not trace data): {names}{more}"


def _renderer(fmt: OutputFormat, *, pieces: bool = False) -> Callable[[Any], Any]:
    """Report (either engine's) -> its text: the whole text or Markdown report, or its body in the JSON
    document (with ``pieces``, the body as consecutive pieces, for the one-process writer)."""
    from graphtrace.jobs.analyze import json_body, json_pieces
    from graphtrace.render.markdown import render_markdown
    from graphtrace.render.text import render_text

    if fmt is OutputFormat.json:
        return json_pieces if pieces else json_body
    render = {OutputFormat.text: render_text, OutputFormat.markdown: render_markdown}[fmt]
    return lambda report: render(report.model_dump(mode="json"))


def _print_rendered(write: Write, text: str, fmt: OutputFormat, first: bool, styled: bool) -> None:
    from graphtrace.render.text import styled_text

    if fmt is OutputFormat.markdown:
        write(("" if first else "\n---\n\n") + text + "\n")
        return
    if not first:
        write("\n" + "─" * 100 + "\n\n")
    if styled:
        console.print(styled_text(text), markup=False, highlight=False)
    else:
        write(text + "\n")


Diagnostics = Callable[[], tuple[list[Diagnostic], list[Diagnostic], list[Diagnostic], list[str]]]
"""() -> (warnings, skipped by the readers, failed analyses, ignored files): complete once the
reports are consumed."""


def _stream_json(write: Write, files: Sequence[str], bodies: Iterator[Any], diagnostics: Diagnostics,
                 wanted: str | None) -> None:
    """Print the JSON document one report body at a time (memory bounded by a trace, not the input).

    The document starts only with the first report, so when nothing is found the
    error is the whole output, as with the buffered path.
    """
    from graphtrace.analysis.report import AnalysisOutput
    from graphtrace.render.json import join_report_bodies

    found = 0

    def counted() -> Iterator[Any]:
        nonlocal found
        for body in bodies:
            found += 1
            yield body

    def tail() -> dict[str, Any]:
        warnings, skipped, failed, ignored = diagnostics()
        check_outcome(files, found, wanted, False, [*skipped, *failed], failed)
        rest = AnalysisOutput(traces=[], warnings=list(warnings), skipped=[*skipped, *failed])
        return {k: v for k, v in rest.model_dump(mode="json").items() if k != "traces"} | files_ignored(ignored)

    for chunk in join_report_bodies(counted(), tail):
        write(chunk)


def files_ignored(ignored: Sequence[str]) -> dict[str, int]:
    """The JSON document's ``files_ignored`` field, present only when files were ignored.

    >>> files_ignored([]), files_ignored(["d/README.md"])
    ({}, {'files_ignored': 1})
    """
    return {"files_ignored": len(ignored)} if ignored else {}


def _print_texts(write: Write, files: Sequence[str], texts: Iterator[str], diagnostics: Diagnostics,
                 fmt: OutputFormat, wanted: str | None, strict: bool, styled: bool) -> None:
    """Print text or Markdown reports as they come, then the diagnostics summary on stderr."""
    from graphtrace.render.diagnostics import summarize_diagnostics

    found = 0
    for text in texts:
        _print_rendered(write, text, fmt, first=found == 0, styled=styled)
        found += 1
    warnings, skipped, failed, ignored = diagnostics()
    if ignored:
        err_console.print(ignored_warning(ignored), markup=False, highlight=False)
    check_outcome(files, found, wanted, strict, [*skipped, *failed], failed)
    summary = summarize_diagnostics([d.model_dump() for d in warnings],
                                    [d.model_dump() for d in [*skipped, *failed]])
    if summary:
        err_console.print(summary, markup=False, highlight=False)


def _strict_json(write: Write, files: Sequence[str], stream: Any, reports: Iterator[Any],
                 failed: list[Diagnostic], wanted: str | None) -> None:
    """--strict JSON: buffered, so nothing is printed unless every record is good."""
    from graphtrace.analysis.report import AnalysisOutput
    from graphtrace.jobs.analyze import json_body
    from graphtrace.render.json import join_report_bodies

    bodies = [json_body(report) for report in reports]
    skipped = [*stream.skipped, *failed]
    check_outcome(files, len(bodies), wanted, True, skipped, failed)
    rest = AnalysisOutput(traces=[], warnings=list(stream.warnings), skipped=skipped).model_dump(mode="json")
    tail = {k: v for k, v in rest.items() if k != "traces"} | files_ignored([str(p) for p in stream.ignored])
    write("".join(join_report_bodies(bodies, lambda: tail)))


def _jobs(jobs: int, files: Sequence[str], strict: bool, trace_id: str | None) -> int:
    """Worker processes to use: 0 means one per CPU; one process for stdin, --strict or --trace-id."""
    if strict or trace_id is not None or "-" in files:
        return 1
    return max(1, (usable_cpus() or 1) if jobs == 0 else jobs)


def _check_input_format(input_format: str | None) -> None:
    from graphtrace.readers import FORMATS
    from graphtrace.readers.sniff import canonical_format

    if input_format is not None and canonical_format(input_format) not in FORMATS:
        raise InputError(f"unknown input format {input_format!r}; choose one of {', '.join(FORMATS)}",
                         field="--input-format")


@app.command("analyze")
def analyze(
    files: Annotated[list[str], typer.Argument(
        metavar="FILE", help="Trace files, directories or globs; '-' reads stdin; .gz is read transparently.")],
    trace_id: Annotated[str | None, typer.Option("--trace-id", help="Analyse only this trace.")] = None,
    fmt: FormatOption = OutputFormat.text,
    output: OutputOption = None,
    input_format: Annotated[str | None, typer.Option(
        "--input-format", help="otlp-json, otlp-proto, jaeger, zipkin or rows (default: sniff).")] = None,
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", metavar="FIELD=COLUMN", help=MAP_HELP)] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 2) on the first skipped record.")] = False,
    limit_traces: Annotated[int | None, typer.Option(
        "--limit-traces", min=1, help="Stop after this many analysed traces.")] = None,
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", min=0, help="Worker processes (0 = one per CPU). Each reads the whole input and "
        "analyses its share of the traces; same output, warnings grouped by worker. One process for "
        "stdin, --strict and --trace-id.")] = 1,
) -> None:
    """Analyse traces: call tree, self time, critical path, bottlenecks, anomalies, narrative.

    Text, Markdown, JSON: columnar (numpy) engine; dict engine for times beyond +-2^62 ns and html.
    """
    _check_input_format(input_format)
    wanted = normalize_trace_id(trace_id) if trace_id is not None else None
    read_options = {"input_format": input_format, "mapping": parse_mapping(mapping or []) or None}
    if fmt is OutputFormat.html:  # one self-contained page (jobs.trace_view), whole, not streamed
        from graphtrace.jobs.trace_view import html_report

        emit(html_report(files, read_options=read_options, trace_id=wanted, limit=limit_traces, strict=strict),
             output, end="")
        return
    workers = _jobs(jobs, files, strict, wanted)
    show_bar = bar_wanted(data=fmt is OutputFormat.json, output=output, streams=True)
    with output_writer(output) as write, progress_bar(show_bar) as progress:
        _analyze(write, files, fmt, wanted, read_options, strict, limit_traces, workers,
                 styled=console.is_terminal and is_stdout(output), progress=progress)


def _analyze(write: Write, files: Sequence[str], fmt: OutputFormat, wanted: str | None, read_options: dict[str, Any],
             strict: bool, limit: int | None, workers: int, *, styled: bool, progress: Any) -> None:
    """Read, analyse and print, in one process or ``workers``: each trace by the columnar engine
    when its times fit it, else by the dict engine (``jobs.analyze.analyze_item``; the same report)."""
    from graphtrace.jobs.analyze import ParallelAnalysis, analyze_item, read_items

    if workers > 1:
        run = ParallelAnalysis(files, jobs=workers, analyze=analyze_item, render=_renderer(fmt), read=read_items,
                               read_options=read_options, limit=limit, progress=progress)
        texts, diagnostics = iter(run), lambda: (run.warnings, run.skipped, run.failed, run.ignored)
    else:
        stream = read_items(files, strict=strict, **read_options)
        failed: list[Diagnostic] = []
        reports = analysed_reports(iter(stream), analyze_item, trace_id=wanted, limit=limit,
                                   strict=strict, skipped=failed, progress=progress)
        if strict and fmt is OutputFormat.json:
            _strict_json(write, files, stream, reports, failed, wanted)
            return
        texts = map(_renderer(fmt, pieces=True), reports)
        diagnostics = lambda: (stream.warnings, stream.skipped, failed, [str(p) for p in stream.ignored])  # noqa: E731
    if fmt is OutputFormat.json:
        _stream_json(write, files, texts, diagnostics, wanted)
    else:
        _print_texts(write, files, texts, diagnostics, fmt, wanted, strict, styled)
