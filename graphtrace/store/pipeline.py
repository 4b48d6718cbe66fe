"""Batches written by worker threads, merged into one summary in input order.

:class:`Pipeline` is the scheduling half of :func:`graphtrace.store.ingest.ingest`:
it takes batches of prepared traces, hands each to a ``write`` function on one of
``workers`` threads (with one worker, in the calling thread), and merges their
:class:`IngestSummary` parts in input order, so counts, progress calls and the
first error are those of a serial run.  Two batches in flight never share a trace
(a trace's pieces are written one after the other), and a batch with links is
written alone: its pending links and the batches that resolve them must see each
other's commits.

>>> s = IngestSummary(traces=2, spans=7)
>>> merge(s, IngestSummary(traces=1, spans=3, trace_ids=["x"]))
>>> s.traces, s.spans, s.trace_ids
(3, 10, ['x'])
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from graphtrace.errors import StoreError
from graphtrace.model import Diagnostic
from graphtrace.store.rows import Prepared


@dataclass
class IngestSummary:
    """What one :func:`~graphtrace.store.ingest.ingest` call wrote (counts are of traces/spans sent, not only created)."""

    traces: int = 0
    spans: int = 0
    nodes_created: int = 0
    relationships_created: int = 0
    batches: int = 0
    trace_ids: list[str] = field(default_factory=list)
    skipped: list[Diagnostic] = field(default_factory=list)


def merge(total: IngestSummary, part: IngestSummary) -> None:
    """Add ``part`` (one batch's summary) to ``total``."""
    total.batches += part.batches
    total.traces += part.traces
    total.spans += part.spans
    total.nodes_created += part.nodes_created
    total.relationships_created += part.relationships_created
    total.trace_ids.extend(part.trace_ids)
    total.skipped.extend(part.skipped)


def one_line(exc: Exception) -> str:
    """The error's message on one line (driver messages contain newlines).

    >>> one_line(ValueError("a\\n  b"))
    'a b'
    """
    return " ".join(str(getattr(exc, "message", None) or exc).split())


class BatchFailed(Exception):
    """A batch could not be written: ``lost`` when the connection or the server went away.

    ``part`` is what the batch committed before failing (a refused trace split off and
    skipped, the halves written before the failure).
    """

    def __init__(self, cause: Exception, traces: int, lost: bool) -> None:
        super().__init__(one_line(cause))
        self.cause, self.traces, self.lost = cause, traces, lost
        self.part = IngestSummary()


def failure(failed: BatchFailed, number: int, total: IngestSummary) -> StoreError:
    """The ``StoreError`` for a failed batch, saying what is committed (whole traces only)."""
    done = f"{total.traces} traces ({total.spans} spans) were committed"
    if failed.lost:
        return StoreError(
            f"lost Neo4j while writing batch {number} ({failed.traces} traces): {failed}; "
            f"{done}, each whole; rerun the same command to complete")
    return StoreError(f"Neo4j failed batch {number} ({failed.traces} traces): {failed}; {done}")


class Pipeline:
    """``write(batch, part)`` run by ``workers`` threads, merged into ``summary`` in input order.

    ``write`` fills ``part`` (this batch's own summary) or raises :class:`BatchFailed`;
    ``on_progress`` is called with the running summary after every merged batch.
    """

    def __init__(self, write: Callable[[list[Prepared], IngestSummary], None], workers: int,
                 summary: IngestSummary, on_progress: Callable[[IngestSummary], None] | None) -> None:
        self.write, self.workers = write, workers
        self.summary, self.on_progress = summary, on_progress
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="graphtrace-ingest")
        self.flight: deque[tuple[Future[IngestSummary], set[str]]] = deque()
        self.error: BaseException | None = None
        self.failed_number = 0

    def _job(self, batch: list[Prepared]) -> IngestSummary:
        part = IngestSummary()
        try:
            self.write(batch, part)
        except BatchFailed as exc:
            exc.part = part
            raise
        return part

    def _finish_one(self) -> None:
        """Wait for the oldest batch in flight and merge it (or remember its error)."""
        future, _ = self.flight.popleft()
        try:
            part = future.result()
        except BatchFailed as exc:
            merge(self.summary, exc.part)
            if self.error is None:
                self.error, self.failed_number = exc, self.summary.batches + 1
            self.summary.batches += 1
            return
        except BaseException as exc:  # noqa: BLE001 -- re-raised by drain() once the others are merged
            if self.error is None:
                self.error = exc
            return
        merge(self.summary, part)
        if self.error is None and self.on_progress is not None:
            self.on_progress(self.summary)

    def submit(self, batch: list[Prepared]) -> None:
        """Write ``batch`` (now, or on a worker once it shares no trace with a batch in flight)."""
        ids = {p.trace_id for p in batch}
        alone = any(p.links for p in batch)
        while self.flight and (alone or len(self.flight) >= self.workers
                               or any(ids & other for _, other in self.flight)):
            self._finish_one()
        self._raise()
        if self.workers == 1:  # in this thread, before the next trace is read: the serial behaviour
            future: Future[IngestSummary] = Future()
            try:
                future.set_result(self._job(batch))
            except BaseException as exc:  # noqa: BLE001 -- raised by drain() below
                future.set_exception(exc)
        else:
            future = self.pool.submit(self._job, batch)
        self.flight.append((future, ids))
        if alone or self.workers == 1:
            self.drain()

    def drain(self) -> None:
        """Wait for every batch in flight; raise the first error."""
        while self.flight:
            self._finish_one()
        self._raise()

    def _raise(self) -> None:
        """Raise the first error once every batch in flight is merged (their commits are counted)."""
        if self.error is None:
            return
        self.drain_quietly()
        if isinstance(self.error, BatchFailed):
            raise failure(self.error, self.failed_number, self.summary) from self.error.cause
        raise self.error

    def drain_quietly(self) -> None:
        """Wait for every batch in flight and stop the threads (errors stay in ``self.error``)."""
        while self.flight:
            self._finish_one()
        self.pool.shutdown(wait=True)
