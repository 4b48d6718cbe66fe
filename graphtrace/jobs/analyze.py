"""The analyze job: read -> analyse -> render, in one process or several (``graphtrace analyze --jobs N``).

:func:`analysed_reports` analyses a stream of traces, recording the traces whose
analysis fails.  :class:`ParallelAnalysis` does the same work in ``jobs``
forked worker processes: worker ``k`` reads *every* record of the input with
``read_traces(..., shard=(k, jobs))`` (or the reader given, e.g. :func:`read_items`), keeps the traces
of its shard, analyses
and renders them (with the caller's ``render``), and sends the texts back with
their tags; the parent merges the workers' streams by tag, which gives the
reports in exactly the order one process gives them.  Reading is repeated in
every worker (the input is read ``jobs`` times, so it must be files, not
stdin); the analysis and rendering, most of the cost, are split.

Warnings and skipped records come out once each, as with one process, but
grouped by worker: those of whole records (a bad line, a span without a trace
id) and shard 0's traces first, then shard 1's traces, and so on.

>>> from graphtrace.model import Span, Trace
>>> t = lambda i: Trace(trace_id=i, spans=[Span(trace_id=i, span_id="s", start_ns=0, end_ns=1)])
>>> list(analysed_reports(iter([t("a"), t("b"), t("c")]), lambda tr: tr.trace_id,
...                       trace_id=None, limit=2, strict=False, skipped=[]))
['a', 'b']

A trace whose analysis fails is not an error here: it becomes a skipped-record
:class:`~graphtrace.model.Diagnostic` (``analysis failed: ...``), reported with the
readers' skips; :func:`check_outcome` turns "nothing found" (or any skip under
``--strict``) into an ``InputError`` for the front end to print.
"""

from __future__ import annotations

import heapq
import multiprocessing
import re
import signal
import traceback
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphtrace.errors import GraphtraceError, InputError
from graphtrace.gcpause import gc_paused
from graphtrace.model import Diagnostic, Trace

if TYPE_CHECKING:
    from graphtrace.spantable import SpanTable

_BATCH = 32  # rendered reports per message from a worker
PHASE = "analysing traces"
Progress = Callable[[str, int, "int | None"], None]
"""``progress(phase, done, total)``: the progress convention (total None when unknown)."""


Item = "Trace | SpanTable"
"""What the job analyses: a reader's ``Trace`` or a ``SpanTable`` (both have ``trace_id``)."""


# Where the columnar path starts paying: below these sizes the span readers and the dict engine cost
# less per trace (per-record and per-numpy-call overheads); measured in docs/performance.md.
TABLE_MIN_BYTES = 1 << 20
"""A record (line or document) shorter than this is read the span way (``read_tables(table_min_bytes=)``)."""
TABLE_MIN_SPANS = 10_000
"""A trace read the span way with fewer spans than this is analysed by the dict engine."""


def read_items(files: Sequence[str | Path], **options: Any) -> Any:
    """The stream the job reads (``read_traces``'s API: iterate, ``tagged()``, ``warnings``,
    ``skipped``, ``ignored``): ``read_tables``, whose items are ``SpanTable`` (``read_traces``,
    whose items are ``Trace``, would do as well: :func:`analyze_item` takes both)."""
    from graphtrace.readers import read_tables

    return read_tables(files, table_min_bytes=TABLE_MIN_BYTES, keep_traces=True, **options)


def _read_traces(files: Sequence[str | Path], **options: Any) -> Any:
    from graphtrace.readers import read_traces

    return read_traces(files, **options)


def analyze_item(item: Item) -> Any:
    """The report of one item: the columnar engine (``analyze_table``) for a table whose times fit it
    (``spantable.fits_table``) and for a ``Trace`` of :data:`TABLE_MIN_SPANS` spans or more, the dict
    engine (``analyze_trace``) for the others (a table is turned back into the spans the analysis
    reads, :func:`trace_of`); the two give the same report (``model_dump`` equal; tests/analysis/table).

    >>> from graphtrace.model import Span
    >>> from graphtrace.spantable import from_trace
    >>> mk = lambda e: Trace(trace_id="t", spans=[Span(trace_id="t", span_id="a", start_ns=0, end_ns=e)])
    >>> type(analyze_item(from_trace(mk(5)))).__name__, type(analyze_item(from_trace(mk(2 ** 63 - 1)))).__name__
    ('TableReport', 'TraceReport')
    >>> type(analyze_item(mk(5))).__name__  # a small trace read the span way
    'TraceReport'
    """
    from graphtrace.analysis.analyze import analyze_trace
    from graphtrace.analysis.table.analyze import analyze_table
    from graphtrace.spantable import SpanTable, fits_table, from_trace, table_fits

    if isinstance(item, SpanTable):
        return analyze_table(item) if table_fits(item) else analyze_trace(trace_of(item))
    if len(item.spans) >= TABLE_MIN_SPANS and fits_table(item):
        with gc_paused():
            table = from_trace(item)
        return analyze_table(table)
    return analyze_trace(item)


def trace_of(table: SpanTable) -> Trace:
    """A ``Trace`` of the table's spans with what the analysis reads of them (ids, parents, services,
    names, kinds, times, statuses, references, the host as ``host.name``, the analysis attributes,
    the events of failed spans): the dict engine's input for a table whose times do not fit the
    columnar engine, where its report equals that of the spans the table was read from."""
    from graphtrace.model import Span
    from graphtrace.spantable import KINDS, REF_TYPES, STATUSES

    services, hosts, events = table.services, table.hosts, table.error_events
    spans = []
    for i, (start, end, service, kind, status, ref, host) in enumerate(zip(
            table.start_ns.tolist(), table.end_ns.tolist(), table.service.tolist(), table.kind.tolist(),
            table.status.tolist(), table.ref_type.tolist(), table.host.tolist())):
        name = hosts[host]
        spans.append(Span(
            trace_id=table.trace_id, span_id=table.span_id[i], parent_span_id=table.parent_span_id[i],
            ref_type=REF_TYPES[ref] if ref >= 0 else None, service=services[service], name=table.name[i],
            kind=KINDS[kind], start_ns=start, end_ns=end, status_code=STATUSES[status],
            status_message=table.status_message[i], attributes=dict(table.attrs[i] or {}),
            resource={} if name is None else {"host.name": name}, events=list(events.get(i, ()))))
    return Trace(trace_id=table.trace_id, spans=spans)


def json_body(report: Any) -> str:
    """The report's text in the JSON document (``render.json.report_body``): a ``TableReport``'s
    is written from its columns, a few thousand rows at a time; a ``TraceReport``'s from its dump."""
    from graphtrace.analysis.table.report import TableReport
    from graphtrace.render.json import report_body, report_body_columns

    with gc_paused():
        if isinstance(report, TableReport):
            return report_body_columns(report.head(), report.tables())
        return report_body(report.model_dump(mode="json"))


def json_pieces(report: Any) -> Iterator[str]:
    """:func:`json_body` as consecutive pieces (one per few thousand rows of a ``TableReport``), for a
    writer that prints them as they come: a 10^6-span report's text never exists whole.

    >>> from graphtrace.model import Span
    >>> r = analyze_item(Trace(trace_id="t", spans=[Span(trace_id="t", span_id="a", start_ns=0, end_ns=2)]))
    >>> "".join(json_pieces(r)) == json_body(r)
    True
    """
    from graphtrace.analysis.table.report import TableReport

    if not isinstance(report, TableReport):
        return iter([json_body(report)])
    return _paused_pieces(report)


def _paused_pieces(report: Any) -> Iterator[str]:
    """The pieces of a ``TableReport``'s body, made with the cyclic GC paused from the first to the
    last (the consumer between them only writes): re-enabling it between pieces costs a third more,
    each pause ending in a collection that rescans the report's objects (e.g. 33,000 anomalies)."""
    from graphtrace.render.json import report_body_pieces

    with gc_paused():
        yield from report_body_pieces(report.head(), report.tables())


def analysis_skip(trace: Item, exc: InputError) -> Diagnostic:
    """The skip a failed analysis of ``trace`` is reported as.

    >>> from graphtrace.model import Span
    >>> analysis_skip(Trace(trace_id="t", spans=[Span(trace_id="t", span_id="s", start_ns=0, end_ns=1)]),
    ...               InputError("no root")).text
    'trace t: analysis failed: no root'
    """
    record = exc.record or f"trace {trace.trace_id}"
    return Diagnostic(file=exc.file, record=record, field=exc.field, message=f"analysis failed: {exc.message}")


def analysed_reports(
    traces: Iterator[Item], analyze: Callable[[Item], Any], *, trace_id: str | None,
    limit: int | None, strict: bool, skipped: list[Diagnostic], progress: Progress | None = None,
) -> Iterator[Any]:
    """Reports of the traces wanted, in input order; a trace whose analysis raises InputError
    is recorded in ``skipped`` (re-raised when ``strict``).  ``progress(PHASE, done, limit)``
    follows the reports made."""
    done = 0
    for trace in traces:
        if trace_id is not None and trace.trace_id != trace_id:
            continue
        try:
            report = analyze(trace)
        except InputError as exc:
            if strict:
                raise
            skipped.append(analysis_skip(trace, exc))
            if trace_id is not None:
                return
            continue
        del trace  # only the report is used from here: a huge trace is freed before it is rendered
        yield report
        done += 1
        if progress is not None:
            progress(PHASE, done, limit)
        if trace_id is not None or (limit is not None and done >= limit):
            return


def _worker(conn: Any, files: Sequence[str | Path], shard: tuple[int, int], read: Callable[..., Any],
            read_options: dict[str, Any], analyze: Callable[[Item], Any], render: Callable[[Any], str]) -> None:
    """One shard: read, analyse, render; send ``("reports", [(tag, text)...])`` batches, then
    ``("done", warnings, skipped, failed, ignored files)``, or ``("error", GraphtraceError)`` / ``("crash", text)``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the workers
    try:
        stream = read(files, shard=shard, **read_options)
        batch: list[tuple[tuple[int, int], str]] = []
        failed: list[Diagnostic] = []
        for tag, trace in stream.tagged():
            try:
                batch.append((tag, render(analyze(trace))))
            except InputError as exc:
                failed.append(analysis_skip(trace, exc))
            if len(batch) >= _BATCH:
                conn.send(("reports", batch))
                batch = []
        conn.send(("reports", batch))
        conn.send(("done", stream.warnings, stream.skipped, failed, [str(p) for p in stream.ignored]))
    except GraphtraceError as exc:
        conn.send(("error", exc))
    except Exception:  # noqa: BLE001 - a bug: the parent raises it with this traceback
        conn.send(("crash", traceback.format_exc()))
    finally:
        conn.close()


class ParallelAnalysis:
    """Iterate for the rendered reports in input order; then ``warnings``, ``skipped`` (records and
    traces the readers skipped), ``failed`` (traces whose analysis failed) and ``ignored`` (files
    in the directories given that are not trace data, as each worker found them) are complete.

    ``limit`` stops after that many reports (the workers are stopped); ``progress(PHASE, done,
    limit)`` follows the reports merged.  ``read`` is the reader each worker runs (``read_traces`` by
    default, whose items are ``Trace``; the CLI gives :func:`read_items`).  Example::

        run = ParallelAnalysis(["traces.ndjson"], jobs=2, analyze=analyze_trace,
                               render=lambda r: render_text(r.model_dump(mode="json")))
        for text in run: ...
    """

    def __init__(self, files: Sequence[str | Path], *, jobs: int, analyze: Callable[[Item], Any],
                 render: Callable[[Any], str], read_options: dict[str, Any] | None = None,
                 limit: int | None = None, progress: Progress | None = None,
                 read: Callable[..., Any] | None = None) -> None:
        if jobs < 2:
            raise ValueError("ParallelAnalysis needs at least 2 jobs")
        self.files, self.jobs, self.limit = list(files), jobs, limit
        self.analyze, self.render, self.read_options = analyze, render, dict(read_options or {})
        self.read = read
        self.warnings: list[Diagnostic] = []
        self.skipped: list[Diagnostic] = []
        self.failed: list[Diagnostic] = []
        self.ignored: list[str] = []
        self.progress = progress
        self._done: dict[int, tuple[Any, ...]] = {}

    def __iter__(self) -> Iterator[str]:
        ctx = multiprocessing.get_context("fork")
        pipes, procs = [], []
        try:
            for k in range(self.jobs):
                receive, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_worker, daemon=True, args=(
                    send, self.files, (k, self.jobs), self.read or _read_traces, self.read_options, self.analyze,
                    self.render))
                proc.start()
                send.close()
                pipes.append(receive)
                procs.append(proc)
            merged = heapq.merge(*(self._receive(k, pipe) for k, pipe in enumerate(pipes)), key=itemgetter(0))
            for count, (_, text) in enumerate(merged, 1):
                yield text
                if self.progress is not None:
                    self.progress(PHASE, count, self.limit)
                if self.limit is not None and count >= self.limit:
                    return
            for k in range(self.jobs):
                warnings, skipped, failed, _ = self._done[k]
                self.warnings += warnings
                self.skipped += skipped
                self.failed += failed
            self.ignored = self._done[0][3]  # every worker expands the same inputs
        finally:
            for proc in procs:
                if proc.is_alive():
                    proc.terminate()
                proc.join()

    def _receive(self, k: int, pipe: Any) -> Iterator[tuple[tuple[int, int], str]]:
        while True:
            try:
                message = pipe.recv()
            except EOFError:
                raise RuntimeError(f"analysis worker {k} ended without a result") from None
            kind = message[0]
            if kind == "reports":
                yield from message[1]
            elif kind == "done":
                self._done[k] = message[1:]
                return
            elif kind == "error":
                raise message[1]
            else:
                raise RuntimeError(f"analysis worker {k} failed:\n{message[1]}")


_HEX = re.compile(r"^[0-9a-fA-F]+$")


def normalize_trace_id(text: str) -> str:
    """Hex ids compare in lowercase; any other id is kept as written.

    >>> normalize_trace_id(" 971A65 "), normalize_trace_id("trace-A")
    ('971a65', 'trace-A')
    """
    text = text.strip()
    return text.lower() if _HEX.match(text) else text


def source_names(files: Sequence[str]) -> str:
    """The inputs as the user gave them, ``-`` shown as ``<stdin>``.

    >>> source_names(["a.json", "-"])
    'a.json, <stdin>'
    """
    return ", ".join("<stdin>" if f == "-" else f for f in files)


def check_outcome(
    files: Sequence[str], found: int, trace_id: str | None, strict: bool,
    skipped: list[Diagnostic], failed: list[Diagnostic],
) -> None:
    """Raise the InputError a front end prints when the analysis found nothing (or skipped a record
    under ``strict``); a no-op when all is well.

    >>> check_outcome(["a.json"], 0, None, False, [], [])
    Traceback (most recent call last):
    ...
    graphtrace.errors.InputError: no traces found in a.json
    """
    if strict and skipped:
        raise InputError(f"--strict: {len(skipped)} record(s) skipped; first: {skipped[0].text}")
    if found:
        return
    names = source_names(files)
    detail = f" ({len(skipped)} record(s) skipped; first: {skipped[0].text})" if skipped else ""
    if trace_id is not None and failed:
        first = failed[0]
        raise InputError(first.message, file=first.file, record=first.record, field=first.field)
    if trace_id is not None:
        raise InputError(f"trace {trace_id} not found in {names}{detail}")
    raise InputError(f"no traces found in {names}{detail}")
