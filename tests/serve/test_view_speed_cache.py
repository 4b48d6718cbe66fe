"""The view cache of large traces: served while the stored trace is unchanged, never after it changed.

In-process against the real Neo4j (``stored_view_body`` is what ``GET /api/traces/{id}/view`` and
serve's writer call).  ``min_spans=1`` makes the 25-span example "large".
"""

from __future__ import annotations

import copy
import gzip
import json
import os
import time
from pathlib import Path

import orjson

from graphtrace.jobs.load import load
from graphtrace.jobs.trace_view import stored_trace_view, stored_view_body
from graphtrace.jobs.view_cache import ViewCache

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "otel-demo-add-to-cart.json"
TRACE_ID = "971a659583cb354ebf2a7babf50db2f8"


def _uncached(driver, database) -> bytes:
    return orjson.dumps(stored_trace_view(driver, TRACE_ID, database=database), option=orjson.OPT_NON_STR_KEYS)


def _service(neo4j_settings, tmp_path: Path, *, min_spans: int, **config):
    """serve's service in-process (not started), without annotate, its view cache under ``tmp_path/views``
    counting traces of ``min_spans`` spans or more as large."""
    from graphtrace.jobs.serve import ServeConfig, ServeService

    service = ServeService(ServeConfig(settings=neo4j_settings, spool_dir=tmp_path / "spool", annotate=False,
                                       **config))
    service.view_cache = ViewCache(tmp_path / "views", min_spans=min_spans)
    return service


def _wait_for_a_view(views: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not list(views.glob("*.view")) and time.monotonic() < deadline:
        time.sleep(0.1)


def _late_piece(path: Path) -> Path:
    """The example's first span again under a new span id and name: one more span of the same trace."""
    doc = json.loads(EXAMPLE.read_text())
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    extra = copy.deepcopy(spans[0])
    extra.update(spanId="00000000000000ee", name="late piece")
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"] = [extra]
    path.write_text(json.dumps(doc))
    return path


def test_cache_serves_unchanged_trace_and_drops_a_changed_one(clean_db, neo4j_settings, tmp_path):
    database = neo4j_settings.database
    load([EXAMPLE], neo4j_settings)
    cache = ViewCache(tmp_path / "views", min_spans=1)
    body, gzipped = stored_view_body(clean_db, TRACE_ID, database=database, cache=cache)
    assert gzipped and gzip.decompress(body) == _uncached(clean_db, database)
    assert len(list((tmp_path / "views").glob("*.view"))) == 1

    # a second request is answered from the cache: plant a marker under the same content key
    path = next((tmp_path / "views").glob("*.view"))
    key = path.read_bytes().split(b"\n", 1)[0]
    path.write_bytes(key + b"\n" + b"planted")
    assert stored_view_body(clean_db, TRACE_ID, database=database, cache=cache) == (b"planted", True)

    # the trace is sent again with one more span: the planted view is not served, the new one is
    load([_late_piece(tmp_path / "late.json")], neo4j_settings)
    body, gzipped = stored_view_body(clean_db, TRACE_ID, database=database, cache=cache)
    fresh = _uncached(clean_db, database)
    assert gzipped and gzip.decompress(body) == fresh
    assert orjson.loads(fresh)["span_count"] == 26  # 25 + the late span
    assert path.read_bytes().split(b"\n", 1)[0] != key


def test_small_traces_are_not_cached(clean_db, neo4j_settings, tmp_path):
    database = neo4j_settings.database
    load([EXAMPLE], neo4j_settings)
    cache = ViewCache(tmp_path / "views", min_spans=26)  # the example has 25 spans
    body, gzipped = stored_view_body(clean_db, TRACE_ID, database=database, cache=cache)
    assert not gzipped and body == _uncached(clean_db, database)
    assert not (tmp_path / "views").exists()


def test_cache_is_bounded(tmp_path):
    cache = ViewCache(tmp_path, max_bytes=100)
    for n in range(5):  # each file: key (2) + newline (1) + 40 bytes = 43; 2 fit in 100, a 3rd does not
        cache.put(f"t{n}", "k1", b"x" * 40)
        os.utime(cache._path(f"t{n}"), ns=(n * 10**9, n * 10**9))  # noqa: SLF001 -- t0 oldest, t4 newest
    assert [cache.get(f"t{n}", "k1") is not None for n in range(5)] == [False, False, False, True, True]


def test_serve_writer_caches_the_view_of_a_large_trace_it_stores(clean_db, neo4j_settings, tmp_path):
    """serve's writer (in-process, its cache made to count the 25-span example as large) caches the
    view of the trace it has just stored; the cached view is the view of the stored trace."""
    from graphtrace.spool.records import JSON

    service = _service(neo4j_settings, tmp_path, min_spans=1, decision_wait=0.2)
    service.start()
    try:
        assert service.accept(JSON, EXAMPLE.read_bytes()) == (25, 0)
        _wait_for_a_view(tmp_path / "views")
    finally:
        service.stop()
    (path,) = (tmp_path / "views").glob("*.view")
    cached = path.read_bytes().split(b"\n", 1)[1]
    assert gzip.decompress(cached) == _uncached(clean_db, neo4j_settings.database)
    # and /view answers with exactly that file's body (no analysis)
    cache = ViewCache(tmp_path / "views", min_spans=1)
    assert stored_view_body(clean_db, TRACE_ID, database=neo4j_settings.database, cache=cache) == (cached, True)


def test_serve_warms_the_view_of_a_large_trace_loaded_by_ingest(clean_db, neo4j_settings, tmp_path):
    """A large trace stored by ``graphtrace ingest`` (not by serve's writer) gets its view kept by an idle
    serve, without any request: the kept view is the view of the stored trace."""
    load([EXAMPLE], neo4j_settings)  # the CLI's load job: serve never sees this trace arrive
    service = _service(neo4j_settings, tmp_path, min_spans=25)  # the example (25 spans) counts as large
    service.start()
    try:
        _wait_for_a_view(tmp_path / "views")
    finally:
        service.stop()
    (path,) = (tmp_path / "views").glob("*.view")
    assert gzip.decompress(path.read_bytes().split(b"\n", 1)[1]) == _uncached(clean_db, neo4j_settings.database)


def test_serve_does_not_warm_traces_under_the_size(clean_db, neo4j_settings, tmp_path):
    load([EXAMPLE], neo4j_settings)
    service = _service(neo4j_settings, tmp_path, min_spans=26)  # one span more than the example
    service.start()
    try:
        deadline = time.monotonic() + 3
        while not service.metrics.neo4j_up and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # the idle pump has looked (it looks as soon as Neo4j is up)
        assert service._warm_at > 0, "the pump never looked for large traces"
    finally:
        service.stop()
    assert not list((tmp_path / "views").glob("*.view"))
