"""The analyze job: read -> analyse -> render, in one process or several (``graphtrace analyze --jobs N``).

:func:`analysed_reports` analyses a stream of traces, recording the traces whose
analysis fails.  :class:`ParallelAnalysis` does the same work in ``jobs``
forked worker processes: worker ``k`` reads *every* record of the input with
``read_traces(..., shard=(k, jobs))``, keeps the traces of its shard, analyses
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
from typing import Any

from graphtrace.errors import GraphtraceError, InputError
from graphtrace.model import Diagnostic, Trace

_BATCH = 32  # rendered reports per message from a worker
PHASE = "analysing traces"
Progress = Callable[[str, int, "int | None"], None]
"""``progress(phase, done, total)``: the progress convention (total None when unknown)."""


def analysis_skip(trace: Trace, exc: InputError) -> Diagnostic:
    """The skip a failed analysis of ``trace`` is reported as.

    >>> from graphtrace.model import Span
    >>> analysis_skip(Trace(trace_id="t", spans=[Span(trace_id="t", span_id="s", start_ns=0, end_ns=1)]),
    ...               InputError("no root")).text
    'trace t: analysis failed: no root'
    """
    record = exc.record or f"trace {trace.trace_id}"
    return Diagnostic(file=exc.file, record=record, field=exc.field, message=f"analysis failed: {exc.message}")


def analysed_reports(
    traces: Iterator[Trace], analyze: Callable[[Trace], Any], *, trace_id: str | None,
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
        yield report
        done += 1
        if progress is not None:
            progress(PHASE, done, limit)
        if trace_id is not None or (limit is not None and done >= limit):
            return


def _worker(conn: Any, files: Sequence[str | Path], shard: tuple[int, int], read_options: dict[str, Any],
            analyze: Callable[[Trace], Any], render: Callable[[Any], str]) -> None:
    """One shard: read, analyse, render; send ``("reports", [(tag, text)...])`` batches, then
    ``("done", warnings, skipped, failed, ignored files)``, or ``("error", GraphtraceError)`` / ``("crash", text)``."""
    from graphtrace.readers import read_traces

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the workers
    try:
        stream = read_traces(files, shard=shard, **read_options)
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
    limit)`` follows the reports merged.  Example::

        run = ParallelAnalysis(["traces.ndjson"], jobs=2, analyze=analyze_trace,
                               render=lambda r: render_text(r.model_dump(mode="json")))
        for text in run: ...
    """

    def __init__(self, files: Sequence[str | Path], *, jobs: int, analyze: Callable[[Trace], Any],
                 render: Callable[[Any], str], read_options: dict[str, Any] | None = None,
                 limit: int | None = None, progress: Progress | None = None) -> None:
        if jobs < 2:
            raise ValueError("ParallelAnalysis needs at least 2 jobs")
        self.files, self.jobs, self.limit = list(files), jobs, limit
        self.analyze, self.render, self.read_options = analyze, render, dict(read_options or {})
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
                    send, self.files, (k, self.jobs), self.read_options, self.analyze, self.render))
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
