"""``ingest --bulk`` (neo4j-admin import) builds the same graph as the driver path, and refuses what it must.

The bulk path stops the server, so it gets a Neo4j of its own: a local server
in a temporary home on a free port, assembled from the Maven cache (``~/.m2``).
The expected graph is never written down here: it is what
``graphtrace.store.ingest.ingest`` builds from the same traces on the same
server (wiped in between), compared as a canonical dump of every node and
relationship.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphtrace import localdb
from graphtrace.errors import StoreError
from graphtrace.localdb.config import configured_options
from graphtrace.model import Event, Link, Span, Trace
from graphtrace.readers import read_traces
from graphtrace.jobs.bulk import bulk_ingest
from graphtrace.model import shard_of
from graphtrace.store.connection import Neo4jSettings, connect
from graphtrace.store.ingest import ingest
from graphtrace.store.schema import init_schema, schema_status
from graphtrace.synth import GenOptions, generate
from tests.conftest import wipe
from tests.store.rich_trace import other_trace, rich_trace
from tests.store.synth import make_trace

pytestmark = pytest.mark.neo4j
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "otel-demo-add-to-cart.json"

NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
RELS = """
MATCH (a)-[r]->(b)
RETURN type(r) AS type, properties(r) AS props, labels(a) AS la, properties(a) AS pa,
       labels(b) AS lb, properties(b) AS pb
"""
KEYS = {"Trace": ("trace_id",), "Span": ("trace_id", "span_id"), "Service": ("name",)}


def _key(labels: list[str], props: dict) -> tuple:
    label = next(lb for lb in ("Trace", "Span", "Service") if lb in labels)
    return (label, *(props[k] for k in KEYS[label]))


def _canon(value):
    if isinstance(value, list):
        return tuple(_canon(v) for v in value)
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return (type(value).__name__, value)


def _props(props: dict) -> tuple:
    return tuple(sorted((k, _canon(v)) for k, v in props.items()))


def dump(settings: Neo4jSettings) -> tuple[list, list]:
    """Every node (labels, properties) and relationship (type, properties, endpoint keys), sorted."""
    with connect(settings) as driver:
        nodes = driver.execute_query(NODES, database_=settings.database).records
        rels = driver.execute_query(RELS, database_=settings.database).records
    return (sorted((tuple(sorted(r["labels"])), _props(r["props"])) for r in nodes),
            sorted((r["type"], _props(r["props"]), _key(r["la"], r["pa"]), _key(r["lb"], r["pb"])) for r in rels))


def _span(tid: str, sid: str, **kw) -> Span:
    return Span(trace_id=tid, span_id=sid, start_ns=kw.pop("start_ns", 100), end_ns=kw.pop("end_ns", 200), **kw)


def awkward_trace(tid: str) -> Trace:
    """Text CSV has to quote, escape or cannot carry: commas, quotes, newlines, unicode, odd keys and arrays."""
    attrs = {
        "text": 'a,b "c"\nline2\r\nline3 \\ back', "blank": "", " spaced key ": "  padded  ",
        "k:colon": "v", 'k,comma "q"': 1, "uni\u2713": "\u00e9\U0001F600", "neg": -(2**63), "max": 2**63 - 1,
        "inf": float("inf"), "tiny": 5e-324, "ratio": 0.1, "flags": [True, False], "floats": [1.5, -0.0],
        "ints": [1, -2], "strs": ["", "x", "a,b", 'q"', "nl\nx"], "one_blank": [""], "sep": ["a\x1fb", "c"],
    }
    return Trace(trace_id=tid, spans=[
        _span(tid, "root|1,\"x\"", service="svc, \"quoted\"\nname", name="GET /a,b \"c\"\n", kind="CLIENT",
              status_message="", attributes=attrs, resource={"service.name": "svc", "k": [1, "mixed"]},
              events=[Event(name="e,\"1\"\n", time_ns=150, attributes={"x": "y\nz"})]),
        _span(tid, "srv", parent_span_id="root|1,\"x\"", service="", name="", kind="SERVER", start_ns=120,
              end_ns=120, status_code="ERROR", status_message="bad \"thing\",\nreally"),
        _span(tid, "ff", parent_span_id="srv", ref_type="FOLLOWS_FROM", kind="PRODUCER", start_ns=130, end_ns=300,
              links=[Link(trace_id=tid, span_id="root|1,\"x\"", attributes={"a": 1}),
                     Link(trace_id=tid, span_id="root|1,\"x\"", ref_type="FOLLOWS_FROM", attributes={"a": 2}),
                     Link(trace_id="never-loaded", span_id="zz"), Link(trace_id="also-missing", span_id="y"),
                     Link(trace_id="never-loaded", span_id="zz2")]),
    ])


def split(trace: Trace, first: set[str]) -> tuple[Trace, Trace]:
    """Two pieces of ``trace``: the spans named in ``first``, then the rest."""
    a = [s for s in trace.spans if s.span_id in first]
    b = [s for s in trace.spans if s.span_id not in first]
    return Trace(trace_id=trace.trace_id, spans=a), Trace(trace_id=trace.trace_id, spans=b)


def fixture_traces() -> list[Trace]:
    """Examples, hand-made and generated traces, pieces, a re-sent trace, a bad trace, links both ways."""
    rich = rich_trace("rich", "other")
    children, parents = split(make_trace("pieces", seed=5), {f"pieces-s{i}" for i in range(7)} | {"pieces-render"})
    over = Trace(trace_id="too-big", spans=[Span.model_construct(
        trace_id="too-big", span_id="x", parent_span_id=None, ref_type=None, service="s", name="n",
        kind=rich.spans[0].kind, start_ns=0, end_ns=2**63, status_code=rich.spans[0].status_code,
        status_message="", attributes={}, resource={}, events=[], links=[])])
    early, late = split(rich_trace("rich-split", "other"), {"s", "q"})
    traces = [
        rich, *read_traces([str(EXAMPLE)]), children, make_trace("synth-1", seed=1), early,
        awkward_trace("awk\u2713,\"id\""), other_trace("other"), parents, late, make_trace("synth-1", seed=1),
        over, *generate(GenOptions(traces=12, fan_out=4, seed=7)),
    ]
    return traces


def _bulk_then_driven(settings: Neo4jSettings, home: Path, make, workers: int):
    """Bulk-load ``make()`` with ``workers`` processes, dump; wipe, ingest ``make()`` with the driver, dump."""
    summary = bulk_ingest(make(), settings, home=home, workers=workers, reread=make if workers > 1 else None,
                          rollups=False)  # the driver path below writes no rollups
    bulk = dump(settings)
    with connect(settings) as driver:
        assert schema_status(driver, settings.database).ok
        wipe(driver, settings.database)
        init_schema(driver, database=settings.database)
        driven = ingest(driver, make(), database=settings.database, batch_spans=40)
    return summary, bulk, driven, dump(settings)


@pytest.mark.parametrize("workers", [1, 2])
def test_bulk_graph_equals_driver_graph(empty_db, bulk_home, workers):
    settings = empty_db
    summary, bulk, driven, expected = _bulk_then_driven(settings, bulk_home, fixture_traces, workers)
    assert summary.counts.workers == workers

    assert bulk[0] == expected[0]  # nodes
    assert bulk[1] == expected[1]  # relationships
    assert [(d.record, d.field) for d in summary.counts.skipped] == [(d.record, d.field) for d in driven.skipped]
    assert len(driven.skipped) == 1  # too-big: its duration does not fit 64 bits
    labels = [n[0] for n in bulk[0]]
    assert labels.count(("LinkPending", "Span")) == 1  # ff: links to two traces never loaded
    assert summary.counts.spans == sum(1 for n in labels if "Span" in n)
    assert summary.counts.relationship_count == len(bulk[1])
    assert summary.counts.fixups  # [""] and the delimiter array went through the driver
    assert summary.import_seconds > 0 and summary.csv_seconds > 0


def _one_per_shard(prefix: str) -> tuple[str, str]:
    """Two trace ids starting with ``prefix``: one of shard 0, one of shard 1 (of 2)."""
    found: dict[int, str] = {}
    for i in range(1000):
        found.setdefault(shard_of(f"{prefix}{i}", 2), f"{prefix}{i}")
    return found[0], found[1]


def _too_big(tid: str, span_id: str = "x") -> Trace:
    """A trace the driver refuses: its span lasts longer than 64 bits of nanoseconds."""
    proto = rich_trace("p", "q").spans[0]
    return Trace(trace_id=tid, spans=[Span.model_construct(
        trace_id=tid, span_id=span_id, parent_span_id=None, ref_type=None, service="s", name="n",
        kind=proto.kind, start_ns=0, end_ns=2**63, status_code=proto.status_code, status_message="",
        attributes={}, resource={}, events=[], links=[])])


def crossing_traces() -> list[Trace]:
    """Pieces of one trace far apart and links between the two shards of 2 workers (see the test)."""
    r0, r1 = _one_per_shard("rich-")
    o0, o1 = _one_per_shard("other-")
    bad0, linker1 = _one_per_shard("bad-")
    piece0, piece1 = _one_per_shard("piece-")
    early0, late0 = split(rich_trace(r0, o1), {"r", "c", "o"})  # s (links to f, o1) comes late
    early1, late1 = split(rich_trace(r1, o0), {"r", "c", "s"})  # s comes early, its target f late
    linker = Trace(trace_id=linker1, spans=[_span(linker1, "l", service="svc", links=[
        Link(trace_id=bad0, span_id="x"), Link(trace_id=o0, span_id="nope"), Link(trace_id=o0, span_id="o1")])])
    filler = list(generate(GenOptions(traces=20, fan_out=3, seed=11)))
    return [early0, early1, make_trace(piece1, seed=2), *filler[:10], other_trace(o1), linker, _too_big(bad0),
            *filler[10:], late1, _too_big(piece1, span_id="late-bad"), make_trace(piece0, seed=4),
            late0, other_trace(o0)]


def test_two_workers_split_traces_and_cross_shard_links(empty_db, bulk_home):
    """A trace in two pieces 20+ traces apart, and links from each shard into the other, with 2 workers.

    Hand-derived: ``r0/s -> r0/f``, ``r0/s -> o1/o1``, ``r1/s -> r1/f``, ``r1/s -> o0/o1`` and
    ``linker/l -> o0/o1`` are the five ``LINKS_TO``; ``linker/l`` is the one ``LinkPending`` (its
    targets ``bad0`` (refused) and ``o0/nope`` (no such span) are not in the load).
    """
    r0, r1 = _one_per_shard("rich-")
    o0, o1 = _one_per_shard("other-")
    traces = crossing_traces()
    assert [t.trace_id for t in traces].index(r0) == 0 and [t.trace_id for t in traces][-2] == r0
    summary, bulk, driven, expected = _bulk_then_driven(empty_db, bulk_home, crossing_traces, 2)

    assert bulk[0] == expected[0]
    assert bulk[1] == expected[1]
    assert [(d.record, d.field, d.message) for d in summary.counts.skipped] == [
        (d.record, d.field, d.message) for d in driven.skipped]
    assert len(summary.counts.skipped) == 2  # bad0, and the late piece of piece1
    links = sorted((r[2][1:], r[3][1:]) for r in bulk[1] if r[0] == "LINKS_TO")
    assert links == sorted([((r0, "s"), (r0, "f")), ((r0, "s"), (o1, "o1")), ((r1, "s"), (r1, "f")),
                            ((r1, "s"), (o0, "o1")), ((_one_per_shard("bad-")[1], "l"), (o0, "o1"))])
    assert [n[0] for n in bulk[0]].count(("LinkPending", "Span")) == 1
    assert summary.counts.trace_ids == list(dict.fromkeys(
        t.trace_id for t in traces if t.trace_id != _one_per_shard("bad-")[0]))


def test_refuses_a_database_that_holds_nodes(empty_db, bulk_home):
    with connect(empty_db) as driver:
        driver.execute_query("CREATE (:Service {name: 'already-here'})", database_=empty_db.database)
    with pytest.raises(StoreError, match="EMPTY database"):
        bulk_ingest([make_trace("t", seed=1)], empty_db, home=bulk_home)
    assert localdb.status(bulk_home).running  # refused before stopping anything
    with connect(empty_db) as driver:
        records = driver.execute_query("MATCH (n) RETURN n.name AS name", database_=empty_db.database).records
    assert [r["name"] for r in records] == ["already-here"]


@pytest.mark.parametrize("uri", ["bolt://db.example.com:7687", "neo4j+s://x.databases.neo4j.io"])
def test_refuses_a_remote_server(bulk_home, bulk_settings, uri):
    remote = bulk_settings.model_copy(update={"uri": uri})
    with pytest.raises(StoreError, match="not on this machine"):
        bulk_ingest([make_trace("t", seed=1)], remote, home=bulk_home)


def test_refuses_another_local_port(bulk_home, bulk_settings):
    other = bulk_settings.model_copy(update={"uri": "bolt://127.0.0.1:1"})
    with pytest.raises(StoreError, match="is not the local server"):
        bulk_ingest([make_trace("t", seed=1)], other, home=bulk_home)


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("graphtrace")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env={**os.environ, **env}, timeout=600)


def test_cli_bulk_refusal_exits_2(bulk_home):
    done = _cli(["ingest", "--bulk", "--home", str(bulk_home), str(EXAMPLE)],
                {"NEO4J_URI": "bolt://db.example.com:7687", "NEO4J_PASSWORD": "x"})
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("Error: --bulk only loads the local Neo4j")
    assert "db.example.com:7687 is not on this machine" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_bulk_loads_the_example(empty_db, bulk_home, jobs):
    env = {k: "" for k in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE")}
    done = _cli(["ingest", "--bulk", "--no-annotate", "--jobs", jobs, "--home", str(bulk_home), str(EXAMPLE)], env)
    assert done.returncode == 0, done.stderr
    (trace,) = read_traces([str(EXAMPLE)])
    assert f"Bulk-loaded 1 traces, {len(trace.spans)} spans" in done.stdout
    assert empty_db.password.get_secret_value() not in done.stdout + done.stderr
    with connect(empty_db) as driver:
        count = driver.execute_query("MATCH (s:Span) RETURN count(s) AS c", database_=empty_db.database).records
    assert count[0]["c"] == len(trace.spans)


def test_failed_import_leaves_an_empty_usable_database(empty_db, bulk_home):
    # A real neo4j-admin failure: its JVM cannot start with a 1 KB heap.
    with pytest.raises(StoreError, match="reset to empty and is usable") as info:
        bulk_ingest([make_trace("t", seed=1)], empty_db, home=bulk_home, heap="1k")
    assert "neo4j-admin import failed" in info.value.message
    assert localdb.status(bulk_home).running  # it was running before, so it runs again
    with connect(empty_db) as driver:
        count = driver.execute_query("MATCH (n) RETURN count(n) AS c", database_=empty_db.database).records
        assert count[0]["c"] == 0
        assert schema_status(driver, empty_db.database).ok


def test_cli_bulk_into_a_stopped_server_annotates_and_rolls_up_before_stopping_it(empty_db, bulk_home):
    # The issue: with the server stopped, the import finished and the annotate step then failed with
    # "cannot reach Neo4j at bolt://127.0.0.1:PORT" (the job had stopped the server again).  bulk_home's
    # Bolt port is a free port, not 7687: the moved-ports case of the same issue.
    (trace,) = read_traces([str(EXAMPLE)])
    spans = len(trace.spans)
    localdb.stop(bulk_home)
    env = {k: "" for k in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE")}
    done = _cli(["ingest", "--bulk", "--jobs", "1", "--home", str(bulk_home), str(EXAMPLE)], env)
    assert done.returncode == 0, done.stderr
    assert f"Annotated 1 traces ({spans} spans)." in done.stdout
    assert not localdb.status(bulk_home).running  # stopped before, so stopped again
    localdb.start(bulk_home, configured_options(localdb.Layout.for_home(bulk_home)), mode="java")
    with connect(empty_db) as driver:
        rows = driver.execute_query(
            "MATCH (t:Trace) RETURN count(t) AS traces, sum(CASE WHEN t.annotated THEN 1 ELSE 0 END) AS annotated, "
            "sum(CASE WHEN t.rollup THEN 1 ELSE 0 END) AS rolled, "
            "sum(COUNT { (t)-[:HAS_SPAN]->(s:Span) WHERE s.self_ns IS NOT NULL }) AS with_self",
            database_=empty_db.database).records[0]
    assert (rows["traces"], rows["annotated"], rows["rolled"], rows["with_self"]) == (1, 1, 1, spans)


def test_bulk_rollups_equal_the_driver_load_rollups(empty_db, bulk_home):
    # The rollups ingest --bulk rebuilds are those the driver load (jobs.load) keeps while writing.
    from graphtrace.jobs.load import load_stream

    def rollups(settings):
        with connect(settings) as driver:
            rows = driver.execute_query("MATCH (r:Rollup) RETURN properties(r) AS p",
                                        database_=settings.database).records
        return sorted(_props(r["p"]) for r in rows)

    bulk_ingest(fixture_traces(), empty_db, home=bulk_home)
    bulk = rollups(empty_db)
    with connect(empty_db) as driver:
        wipe(driver, empty_db.database)
        load_stream(driver, fixture_traces(), database=empty_db.database, annotate=False)
    assert bulk and bulk == rollups(empty_db)
