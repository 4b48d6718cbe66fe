"""Ingest benchmark: ``python tests/store/bench_ingest.py [traces] [batch_spans]``.

Builds ``traces`` synthetic 30-span traces (default 3,400, about 100k spans)
with a distinctive id prefix, ingests them into the dev Neo4j
(``NEO4J_URI``, default bolt://127.0.0.1:7688), prints spans/s, then deletes
them.  Not collected by pytest (no ``test_`` prefix); importing it does nothing.
"""

from __future__ import annotations

import os
import sys
import time


def main(argv: list[str]) -> None:
    """Run the benchmark (see the module docstring)."""
    import neo4j

    from graphtrace.store.ingest import ingest
    from graphtrace.store.delete import delete_traces
    from graphtrace.store.read import counts
    from graphtrace.store.schema import init_schema
    from tests.store.synth import make_traces

    n = int(argv[0]) if argv else 3_400
    batch = int(argv[1]) if len(argv) > 1 else 10_000
    uri = os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7688")
    auth = (os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", "devpassword123"))
    db = os.environ.get("NEO4J_DATABASE", "neo4j")
    prefix = f"bench-{os.getpid()}-"
    t0 = time.perf_counter()
    traces = make_traces(prefix, n)
    t1 = time.perf_counter()
    with neo4j.GraphDatabase.driver(uri, auth=auth) as driver:
        init_schema(driver, database=db)
        try:
            t2 = time.perf_counter()
            summary = ingest(driver, traces, database=db, batch_spans=batch)
            t3 = time.perf_counter()
            print(f"built {n} traces in {t1 - t0:.1f}s; ingested {summary.spans} spans, "
                  f"{summary.relationships_created} relationships in {t3 - t2:.2f}s: "
                  f"{summary.spans / (t3 - t2):,.0f} spans/s (batch_spans={batch})")
            print(counts(driver, database=db))
        finally:
            delete_traces(driver, [t.trace_id for t in traces], database=db)


if __name__ == "__main__":
    main(sys.argv[1:])
