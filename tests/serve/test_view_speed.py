"""``GET /api/traces/{id}/view`` of a stored trace is the document built in memory from the file.

The view is built from the trace read back from Neo4j (``LOAD_TRACES`` returns only the properties
a span needs); it must equal (as JSON: the store keeps attributes with sorted keys) :func:`trace_view`
of the same trace read from its file by ``graphtrace.readers``: for the example and for a 2,000-span generated trace.  Large answers are
gzipped for a client that accepts gzip (and only then); the gzip decodes to the same bytes.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import httpx
import orjson
import pytest

from graphtrace.jobs.load import load
from graphtrace.jobs.trace_view import trace_view
from graphtrace.readers import read_traces
from tests.conftest import wipe
from tests.serve.conftest import ServeProcess

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "otel-demo-add-to-cart.json"


def _file_views(path: Path) -> dict[str, bytes]:
    """Each trace of ``path``, read from the file, as the JSON bytes of its view (what the API sends)."""
    return {t.trace_id: orjson.dumps(trace_view(t), option=orjson.OPT_NON_STR_KEYS)
            for t in read_traces([path])}


@pytest.fixture(scope="module")
def served(neo4j_target, neo4j_driver, neo4j_settings, tmp_path_factory):
    """The example and one 2,000-span generated trace, stored; one ``graphtrace serve`` on them."""
    if not neo4j_target.wipe_allowed:
        pytest.fail(f"refusing to wipe the test database: {neo4j_target.wipe_refusal}", pytrace=False)
    tmp = tmp_path_factory.mktemp("view-speed")
    big = tmp / "big.jsonl"
    subprocess.run([sys.executable, "-c", "from graphtrace.cli import main; main()", "generate", "-n", "1",
                    "--spans-per-trace", "2000", "-o", str(big)], check=True, capture_output=True)
    wipe(neo4j_driver, neo4j_settings.database)
    load([EXAMPLE, big], neo4j_settings)
    serve = ServeProcess(neo4j_settings, tmp / "spool").start()
    try:
        yield serve, {**_file_views(EXAMPLE), **_file_views(big)}
    finally:
        if serve.proc is not None and serve.proc.poll() is None:
            serve.stop()
        wipe(neo4j_driver, neo4j_settings.database)


def _raw(serve: ServeProcess, trace_id: str, accept_encoding: str) -> httpx.Response:
    """The answer with its body exactly as sent (httpx does not decode it when streamed raw)."""
    with httpx.Client(timeout=60) as client:
        with client.stream("GET", f"{serve.api}/api/traces/{trace_id}/view",
                           headers={"accept-encoding": accept_encoding}) as r:
            r._sent = b"".join(r.iter_raw())  # noqa: SLF001 -- the bytes on the wire
            return r


def test_stored_view_is_the_in_memory_view(served):
    serve, expected = served
    sizes = {}
    for trace_id, body in expected.items():
        r = _raw(serve, trace_id, "identity")
        assert r.status_code == 200
        assert "content-encoding" not in r.headers
        # equal as JSON: the store keeps attributes as sorted-key JSON, so key order may differ from the file's
        assert orjson.loads(r._sent) == orjson.loads(body), trace_id
        sizes[trace_id] = len(orjson.loads(body)["spans"])
    # the example has the seed's 25 span ids (examples/README.md), the generated trace the 2,000 asked for
    assert sorted(sizes.values()) == [25, 2000]


def test_large_view_is_gzipped_only_when_accepted(served):
    serve, expected = served
    (big_id,) = [tid for tid, body in expected.items() if len(body) > 64 * 1024]
    r = _raw(serve, big_id, "gzip, deflate, br")
    assert (r.status_code, r.headers.get("content-encoding")) == (200, "gzip")
    assert len(r._sent) < len(expected[big_id]) / 2
    refused = _raw(serve, big_id, "gzip;q=0, identity")
    assert "content-encoding" not in refused.headers
    assert gzip.decompress(r._sent) == refused._sent
    assert orjson.loads(refused._sent) == orjson.loads(expected[big_id])


def test_small_view_is_not_gzipped(served):
    serve, expected = served
    (small_id,) = [tid for tid, body in expected.items() if len(body) < 64 * 1024]
    r = _raw(serve, small_id, "gzip")
    assert "content-encoding" not in r.headers and orjson.loads(r._sent) == orjson.loads(expected[small_id])
