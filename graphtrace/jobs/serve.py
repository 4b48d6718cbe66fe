"""The ``graphtrace serve`` job: receiver -> spool -> grouper -> Neo4j, and the API's questions.

:class:`ServeService` is what both receivers (OTLP/HTTP and OTLP/gRPC) and the HTTP API call:

* :meth:`ServeService.accept` checks one request body, appends it to the durable spool and
  returns ``(spans, rejected)`` only once it is fsync'd; ``SpoolFull`` means backpressure.
* A pump thread reads the spool from its oldest segment (so a restart replays everything not
  yet stored), decodes records with the file readers, groups spans by trace, and once a trace
  has been quiet for the decision wait writes it whole with :func:`graphtrace.store.ingest.ingest`
  (one transaction per trace), then annotates it (:mod:`graphtrace.recipes.annotate`) and adds it
  to the rollups (:class:`graphtrace.jobs.rollups.RollupStep`, as ``ingest`` does).  A
  segment is deleted once every trace that came from it is stored.  While Neo4j is down, writes
  are retried with a growing pause; the pump stops reading the spool while ``max_pending_spans``
  spans wait in memory, so memory stays bounded and the spool (bounded by ``spool_max_bytes``)
  takes the rest.
* :meth:`trace_document`, :meth:`search`, :meth:`recipe_rows` answer the API with the same
  library calls the CLI uses.

>>> ServeConfig(settings=None, spool_dir="/tmp/x").decision_wait
10.0
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from graphtrace.errors import GraphtraceError, StoreError
from graphtrace.jobs.view_cache import ViewCache
from graphtrace.readers.context import ReadContext
from graphtrace.spool.decode import check_payload, decode_spans
from graphtrace.spool.grouper import Grouper, Handed
from graphtrace.spool.spool import DEFAULT_MAX_BYTES, DEFAULT_SEGMENT_BYTES, Spool

log = logging.getLogger("graphtrace.serve")

SEAL_AFTER_S = 2.0  # a quiet service still seals (and so can remove) its active segment this often
WARM_EVERY_S = 30.0  # how often an idle pump looks for large stored traces whose view is not kept


@dataclass
class ServeConfig:
    """Every setting of ``graphtrace serve`` that is not about sockets."""

    settings: Any                      # graphtrace.store.connection.Neo4jSettings
    spool_dir: str | Path
    decision_wait: float = 10.0
    max_pending_spans: int = 200_000
    spool_max_bytes: int = DEFAULT_MAX_BYTES
    segment_bytes: int = DEFAULT_SEGMENT_BYTES
    annotate: bool = True


@dataclass
class Metrics:
    """Counters behind ``/metrics``."""

    spans_received: int = 0
    spans_rejected: int = 0        # partial success: no trace or span id
    spans_refused: int = 0         # whole requests refused (bad payload, backpressure)
    spans_written: int = 0
    spans_dropped: int = 0         # read from the spool but not storable (decode or store refused them)
    traces_written: int = 0
    write_seconds_sum: float = 0.0
    write_count: int = 0
    corrupt_records: int = 0
    neo4j_up: bool = False
    extra: dict[str, int] = field(default_factory=dict)


class ServeService:
    """One running service; see the module docstring."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.spool = Spool(config.spool_dir, segment_bytes=config.segment_bytes, max_bytes=config.spool_max_bytes)
        self.grouper = Grouper(config.decision_wait)
        self.metrics = Metrics()
        self._driver: Any = None
        self._lock = threading.Lock()
        self._connect_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, name="graphtrace-serve-pump", daemon=True)
        self._cursor = self.spool.start_cursor()
        self._retry_at = 0.0
        self._backoff = 0.5
        self._problems_seen = 0
        self.view_cache = ViewCache(Path(str(config.spool_dir).rstrip("/\\") + ".views"))
        self._warm_at = 0.0  # when to look for large stored traces without a kept view
        self._warmed: set[str] = set()  # tried once by this process (a full cache must not thrash)

    # -- receiving -------------------------------------------------------------------------
    def accept(self, kind: int, payload: bytes) -> tuple[int, int]:
        """Check and spool one request body; ``(spans, rejected)`` once it is on disk."""
        try:
            spans, rejected = check_payload(kind, payload)
        except GraphtraceError:
            self._count("spans_refused", 0)
            raise
        if spans:
            try:
                self.spool.append(kind, payload)
            except GraphtraceError:
                self._count("spans_refused", spans)
                raise
            self._wake.set()
        self._count("spans_received", spans)
        self._count("spans_rejected", rejected)
        return spans, rejected

    def _count(self, name: str, n: int) -> None:
        with self._lock:
            setattr(self.metrics, name, getattr(self.metrics, name) + n)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the pump (replaying the spool first)."""
        self._thread.start()

    def stop(self, flush_timeout: float = 10.0) -> None:
        """Stop the pump, write what waits (for at most ``flush_timeout`` s); the rest stays in the spool."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(flush_timeout)
        self._flush(time.monotonic() + flush_timeout)
        self.spool.close()
        if self._driver is not None:
            self._driver.close()

    def _flush(self, deadline: float) -> None:
        """On stop: write the traces still waiting, without their decision wait, until ``deadline``.

        Whatever is not written (Neo4j down, time up) stays in the spool for the next start.
        """
        if self._thread.is_alive() or not self.metrics.neo4j_up:
            return
        while time.monotonic() < deadline and self.grouper.pending_spans < self.config.max_pending_spans:
            before = self._cursor
            batch, self._cursor = self.spool.read(self._cursor)
            for segment, record in batch:
                self._group(segment, record)
            if not batch and self._cursor == before:
                break
        while self.metrics.neo4j_up and time.monotonic() < deadline:
            due = self.grouper.due(everything=True, max_spans=5_000)
            if not due:
                return
            self._write(due)

    def ready(self) -> bool:
        """True when Neo4j answered the last write or connection attempt."""
        return self.metrics.neo4j_up

    def driver(self) -> Any:
        """The Neo4j driver, connected (and the schema created) on first use."""
        with self._connect_lock:
            if self._driver is None:
                from graphtrace.store.connection import connect
                from graphtrace.store.schema import init_schema

                driver = connect(self.config.settings)
                try:
                    init_schema(driver, database=self.config.settings.database)
                except GraphtraceError:
                    driver.close()
                    raise
                self._driver = driver
            return self._driver

    # -- the pump ----------------------------------------------------------------------------
    def _pump(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self._pump_once()
            except Exception:  # noqa: BLE001 -- the pump must outlive any one bad step
                log.exception("serve: unexpected error in the spool pump; retrying")
                busy = False
                time.sleep(0.5)
            if not busy:
                self._wake.wait(0.1)
                self._wake.clear()

    def _pump_once(self) -> bool:
        busy = False
        if self.grouper.pending_spans < self.config.max_pending_spans:
            batch, self._cursor = self.spool.read(self._cursor)
            for segment, record in batch:
                self._group(segment, record)
            busy = bool(batch)
            self._report_problems()
        now = time.monotonic()
        if now >= self._retry_at:
            due = self.grouper.due(now)
            if due:
                self._write(due)
                busy = True
            elif not self.metrics.neo4j_up:
                self._probe()
        self.spool.seal_older_than(SEAL_AFTER_S)
        self._remove_stored_segments()
        if not busy and self.metrics.neo4j_up and now >= self._warm_at:
            busy = self._warm_one_view(now)
        return busy

    def _warm_one_view(self, now: float) -> bool:
        """When idle, cache the view of one large stored trace that has none (one loaded by
        ``graphtrace ingest``, or stored before this start), so the UI opens it without analysing it.
        Looks again every WARM_EVERY_S while none is left; True when it computed one."""
        from graphtrace.store.read import large_trace_ids

        try:
            ids = large_trace_ids(self.driver(), database=self.config.settings.database,
                                  min_spans=self.view_cache.min_spans)
        except (GraphtraceError, OSError) as exc:
            log.warning("serve: cannot list large traces to cache their views: %s", exc)
            ids = []
        todo = [t for t in ids if t not in self._warmed and not self.view_cache.has(t)]
        if not todo:
            self._warm_at = now + WARM_EVERY_S
            return False
        self._warmed.add(todo[0])
        self._precompute_views(todo[:1])
        return True

    def _group(self, segment: int, record: Any) -> None:
        ctx = ReadContext()
        spans, bad = decode_spans(record.kind, record.payload, f"spool segment {segment}", ctx)
        for problem in ctx.skipped[:3]:
            log.warning("serve: span skipped: %s", problem.message)
        self._count("spans_dropped", bad)
        self.grouper.add(segment, spans)

    def _report_problems(self) -> None:
        for problem in self.spool.problems[self._problems_seen:]:
            log.warning("serve: spool: %s", problem)
            self._count("corrupt_records", 1)
        self._problems_seen = len(self.spool.problems)

    def _probe(self) -> None:
        """Is Neo4j back?  (A driver that exists already is asked, not trusted.)"""
        from neo4j.exceptions import DriverError, Neo4jError

        try:
            existed = self._driver is not None
            driver = self.driver()
            if existed:
                driver.verify_connectivity()
            self.metrics.neo4j_up, self._backoff = True, 0.5
        except (GraphtraceError, DriverError, Neo4jError, OSError) as exc:
            self._down(exc)

    def _down(self, exc: Exception) -> None:
        if self.metrics.neo4j_up or self._backoff <= 0.5:
            log.warning("serve: Neo4j unavailable, keeping traces in the spool: %s", exc)
        self.metrics.neo4j_up = False
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, 5.0)

    def _write(self, due: list[Handed]) -> None:
        from neo4j.exceptions import DriverError, Neo4jError

        from graphtrace.jobs.rollups import RollupStep
        from graphtrace.store.ingest import ingest

        traces = []
        for piece in due:
            if piece.problem is not None:  # a parent cycle: skipped whole, as ingest of a file does
                log.warning("serve: trace not stored: %s: %s", piece.problem.record, piece.problem.message)
                self._count("spans_dropped", len(piece.spans))
                continue
            try:
                traces.append(piece.to_trace())
            except ValidationError as exc:
                log.warning("serve: trace %s dropped: %s", piece.trace_id, str(exc).splitlines()[0])
                self._count("spans_dropped", len(piece.spans))
        started = time.monotonic()
        try:
            driver = self.driver()
            step = RollupStep(driver, database=self.config.settings.database)
            summary = ingest(driver, step.wrap(traces), database=self.config.settings.database)
        except (StoreError, DriverError, Neo4jError, OSError) as exc:
            self.grouper.retry(due)
            self._down(exc)
            return
        except Exception:  # noqa: BLE001 -- a bug: keep the traces (they are in the spool too) and go on
            log.exception("serve: unexpected error writing %d traces; retrying later", len(due))
            self.grouper.retry(due)
            self._retry_at = time.monotonic() + 5.0
            return
        self._after_write(due, summary, time.monotonic() - started)
        self._roll_up(step, summary.trace_ids)
        stored = set(summary.trace_ids)
        self._precompute_views([t.trace_id for t in traces
                                if t.span_count >= self.view_cache.min_spans and t.trace_id in stored])

    def _precompute_views(self, trace_ids: list[str]) -> None:
        """Cache the view of each large trace just written, so the UI opens it without analysing it.

        From the stored trace (a late piece merges into what was stored before); a failure only
        means the first ``/view`` computes it."""
        from graphtrace.jobs.trace_view import stored_view_body

        for trace_id in trace_ids:
            try:
                stored_view_body(self.driver(), trace_id, database=self.config.settings.database,
                                 cache=self.view_cache)
            except Exception as exc:  # noqa: BLE001 -- the trace is stored; only its view is not cached
                log.warning("serve: view of trace %s not cached: %s", trace_id, exc)

    def _roll_up(self, step: Any, trace_ids: list[str]) -> None:
        """Add the written traces to the rollups (after the metrics: the traces are stored either way).

        If this fails the traces stay out of the rollups, and the rollup recipes scan the spans (they
        see that some stored trace is not rolled up) until the trace is sent again."""
        from neo4j.exceptions import DriverError, Neo4jError

        try:
            step.written(trace_ids)
            step.finish()
        except (GraphtraceError, DriverError, Neo4jError, OSError) as exc:
            log.warning("serve: %d stored traces not added to the rollups (rollup recipes scan spans "
                        "until they are): %s", len(trace_ids), exc)

    def _after_write(self, due: list[Handed], summary: Any, seconds: float) -> None:
        self.metrics.neo4j_up, self._backoff = True, 0.5
        refused = {_trace_of(d.record) for d in summary.skipped}
        for diag in summary.skipped:
            log.warning("serve: trace not stored: %s: %s", diag.record, diag.message)
        dropped = sum(len(p.spans) for p in due if p.trace_id in refused)
        with self._lock:
            self.metrics.spans_written += summary.spans
            self.metrics.traces_written += summary.traces
            self.metrics.spans_dropped += dropped
            self.metrics.write_seconds_sum += seconds
            self.metrics.write_count += 1
        if self.config.annotate and summary.trace_ids:
            self._annotate(summary.trace_ids)
        self.grouper.written(due)

    def _annotate(self, trace_ids: list[str]) -> None:
        from graphtrace.recipes.annotate import annotate_traces

        try:
            annotate_traces(self._driver, trace_ids, database=self.config.settings.database, timeout_s=120.0)
        except GraphtraceError as exc:
            log.warning("serve: annotating %d stored traces failed (recipes that need it may miss them): %s",
                        len(trace_ids), exc)

    def _remove_stored_segments(self) -> None:
        for segment in self.spool.segments():
            if segment >= self._cursor[0] or not self.spool.is_sealed(segment):
                break
            if self.grouper.unused(segment) and self.spool.remove(segment):
                self.grouper.forget(segment)

    # -- what /metrics shows ------------------------------------------------------------------
    def snapshot(self) -> dict[str, float]:
        """Every metric as ``name -> value`` (see :data:`graphtrace.http.metrics.HELP`)."""
        m = self.metrics
        with self._lock:
            return {
                "graphtrace_spans_received_total": m.spans_received,
                "graphtrace_spans_rejected_total": m.spans_rejected,
                "graphtrace_spans_refused_total": m.spans_refused,
                "graphtrace_spans_written_total": m.spans_written,
                "graphtrace_spans_dropped_total": m.spans_dropped,
                "graphtrace_traces_written_total": m.traces_written,
                "graphtrace_traces_pending": self.grouper.pending_traces,
                "graphtrace_spans_pending": self.grouper.pending_spans,
                "graphtrace_spool_bytes": self.spool.pending_bytes,
                "graphtrace_spool_corrupt_records_total": m.corrupt_records,
                "graphtrace_neo4j_write_seconds_sum": round(m.write_seconds_sum, 6),
                "graphtrace_neo4j_write_seconds_count": m.write_count,
                "graphtrace_neo4j_up": int(m.neo4j_up),
            }


def _trace_of(record: str | None) -> str | None:
    """The trace id in an ingest diagnostic's record (``trace ab12, span 01`` -> ``ab12``).

    >>> _trace_of("trace ab12, span 01"), _trace_of("trace ab12"), _trace_of(None)
    ('ab12', 'ab12', None)
    """
    if not record or not record.startswith("trace "):
        return None
    return record[6:].split(",")[0].split()[0]
