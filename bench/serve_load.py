"""Load benchmark of ``graphtrace serve``: a bounded loopback OTLP/HTTP protobuf sender.

Usage (from the repo root; the Neo4j of NEO4J_URI / the local ``graphtrace db`` server receives
the traces -- use a scratch database)::

    .venv/bin/python -m bench.serve_load --rates 5000 10000 20000 40000 --seconds 10 --connections 4
    .venv/bin/python -m bench.serve_load --no-neo4j ...   # spool only: Neo4j unreachable

Starts ``graphtrace serve`` as a subprocess (fresh spool in a temporary directory, decision wait
1 s), then for each target rate sends for ``--seconds`` from ``--connections`` threads, each with
its own keep-alive connection, pacing its requests.  Every request is a distinct protobuf
``ExportTraceServiceRequest`` of ``--traces-per-request`` traces of 10 spans (made before the clock
starts, from one SDK-encoded template with fresh trace ids).  Reports accepted spans/s, p50/p99
acknowledgement latency (the 200 comes only after the spool's fsync), refused requests, and the
rate at which spans reach Neo4j (``graphtrace_spans_written_total`` while sending, then until
drained, at most ``--drain-timeout`` s).  Writes ``bench/results/serve-load.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from tests.helpers import free_port

SPANS_PER_TRACE = 10


def template(traces: int) -> tuple[bytes, list[bytes]]:
    """One SDK-encoded request of ``traces`` traces x 10 spans, and the trace ids in it."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "loadgen"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("bench")
    for i in range(traces):
        with tracer.start_as_current_span(f"GET /item/{i % 7}", attributes={"http.method": "GET"}):
            for j in range(SPANS_PER_TRACE - 1):
                with tracer.start_as_current_span(f"step {j}", attributes={"db.system": "postgresql"}):
                    pass
    spans = memory.get_finished_spans()
    ids = sorted({s.context.trace_id.to_bytes(16, "big") for s in spans})
    return encode_spans(spans).SerializeToString(), ids


def bodies(count: int, traces: int) -> list[bytes]:
    """``count`` distinct requests: the template with fresh random trace ids."""
    base, ids = template(traces)
    out = []
    for _ in range(count):
        body = base
        for old in ids:
            body = body.replace(old, os.urandom(16))
        out.append(body)
    return out


def start_serve(spool: Path, no_neo4j: bool) -> tuple[subprocess.Popen, int, int]:
    api, http, grpc = free_port(), free_port(), free_port()
    env = dict(os.environ)
    if no_neo4j:
        env["NEO4J_URI"] = f"bolt://127.0.0.1:{free_port()}"
    cmd = [sys.executable, "-c", "from graphtrace.cli import main; main()", "serve", "--port", str(api),
           "--otlp-http-port", str(http), "--otlp-grpc-port", str(grpc), "--decision-wait", "1",
           "--spool", str(spool), "--spool-max-mb", "4096"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=open(spool.parent / "serve.log", "wb"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{api}/healthz", timeout=1).status_code == 200:
                return proc, api, http
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("serve did not start")


def written(api: int) -> float:
    text = httpx.get(f"http://127.0.0.1:{api}/metrics", timeout=10).text
    return next(float(line.split()[1]) for line in text.splitlines() if line.startswith("graphtrace_spans_written_total"))


def send(url: str, work: list[bytes], interval: float, stop_at: float, out: dict) -> None:
    """Send ``work`` one request per ``interval`` s until ``stop_at``; record latencies and outcomes."""
    headers = {"content-type": "application/x-protobuf"}
    with httpx.Client(timeout=30) as client:
        due = time.monotonic()
        for body in work:
            now = time.monotonic()
            if now >= stop_at:
                break
            if due > now:
                time.sleep(due - now)
            started = time.monotonic()
            status = client.post(url, content=body, headers=headers).status_code
            out["latencies"].append(time.monotonic() - started) if status == 200 else None
            out["ok" if status == 200 else "refused"] += 1
            due += interval


def step(rate: int, seconds: float, connections: int, traces_per_request: int, http: int, api: int,
         drain_timeout: float) -> dict:
    per_request = traces_per_request * SPANS_PER_TRACE
    total = int(rate * seconds / per_request) + connections
    work = bodies(total, traces_per_request)
    interval = connections * per_request / rate
    outs = [{"latencies": [], "ok": 0, "refused": 0} for _ in range(connections)]
    before = written(api)
    start = time.monotonic()
    threads = [threading.Thread(target=send, args=(f"http://127.0.0.1:{http}/v1/traces", work[i::connections],
                                                   interval, start + seconds, outs[i])) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    during = written(api) - before
    ok = sum(o["ok"] for o in outs)
    lat = sorted(x for o in outs for x in o["latencies"])
    deadline = time.monotonic() + drain_timeout
    while written(api) - before < ok * per_request and time.monotonic() < deadline:
        time.sleep(0.5)
    drained = time.monotonic() - start
    stored = written(api) - before
    return {"target_spans_per_s": rate, "accepted_spans_per_s": round(ok * per_request / elapsed),
            "requests_ok": ok, "requests_refused": sum(o["refused"] for o in outs),
            "ack_p50_ms": round(1000 * lat[len(lat) // 2], 1) if lat else None,
            "ack_p99_ms": round(1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))], 1) if lat else None,
            "neo4j_spans_per_s_while_sending": round(during / elapsed),
            "neo4j_spans_per_s_until_drained": round(stored / drained),
            "drained": stored >= ok * per_request, "seconds_to_drain": round(drained, 1)}


def reference(requests: int, traces_per_request: int) -> dict:
    """The library's own rate on the same kind of traces: ``ingest`` then ``annotate``, as ``graphtrace ingest``."""
    from graphtrace.jobs.settings import resolve_settings
    from graphtrace.readers.context import ReadContext
    from graphtrace.recipes.annotate import annotate_traces
    from graphtrace.spool.decode import decode_spans
    from graphtrace.spool.grouper import Grouper
    from graphtrace.store.connection import connect
    from graphtrace.store.ingest import ingest

    grouper = Grouper(0)
    for body in bodies(requests, traces_per_request):
        grouper.add(1, decode_spans(1, body, "bench", ReadContext())[0], now=0)
    traces = [piece.to_trace() for piece in grouper.due(now=1, max_spans=10**9)]
    spans = sum(len(t.spans) for t in traces)
    settings = resolve_settings(None, None, None, None)
    driver = connect(settings)
    try:
        started = time.monotonic()
        summary = ingest(driver, traces, database=settings.database)
        ingested = time.monotonic() - started
        annotate_traces(driver, summary.trace_ids, database=settings.database)
        both = time.monotonic() - started
    finally:
        driver.close()
    return {"reference_spans": spans, "driver_ingest_spans_per_s": round(spans / ingested),
            "driver_ingest_and_annotate_spans_per_s": round(spans / both)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=int, nargs="+", default=[5000, 10000, 20000, 40000])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--traces-per-request", type=int, default=50)
    parser.add_argument("--drain-timeout", type=float, default=120.0)
    parser.add_argument("--no-neo4j", action="store_true", help="point serve at a closed port: spool only")
    parser.add_argument("--reference", type=int, default=0, metavar="REQUESTS",
                        help="then ingest + annotate this many requests' traces directly (the library's rate)")
    args = parser.parse_args()
    results: list[dict] = []
    out = Path("bench/results") / ("serve-load-spool-only.json" if args.no_neo4j else "serve-load.json")
    with tempfile.TemporaryDirectory() as tmp:
        proc, api, http = start_serve(Path(tmp) / "spool", args.no_neo4j)
        try:
            for rate in args.rates:
                result = step(rate, args.seconds, args.connections, args.traces_per_request, http, api,
                              0.0 if args.no_neo4j else args.drain_timeout)
                print(json.dumps(result), flush=True)
                results.append(result)
                out.write_text(json.dumps({"args": vars(args), "cpus": os.cpu_count(),
                                           "load_average": os.getloadavg(), "results": results}, indent=2) + "\n")
        finally:
            proc.terminate()
            proc.wait(30)
    if args.reference and not args.no_neo4j:
        results.append(reference(args.reference, args.traces_per_request))
        print(json.dumps(results[-1]), flush=True)
        out.write_text(json.dumps({"args": vars(args), "cpus": os.cpu_count(),
                                   "load_average": os.getloadavg(), "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
