"""``graphtrace check``: Neo4j (recipes, annotate, REMOTE_CALL, slow-edges) against networkx.

The big one ingests hypothesis-generated traces (overlaps, async children, clipping, several
roots, orphans, equal timestamps, skew, PRODUCER/CONSUMER) and every trace found in the fixture
files and examples, annotates them, and requires zero disagreements.  Trace ids get a
per-run prefix and times are moved into a far-future window of their own, so the shared
server's other data never mixes in (and the edge check can be restricted to that window).
"""

from __future__ import annotations

import random
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphtrace.jobs.check import check_traces
from graphtrace.errors import GraphtraceError
from graphtrace.model import SpanKind, Trace
from graphtrace.recipes.annotate import annotate_traces
from graphtrace.store.delete import delete_traces
from tests.analysis.strategies import traces as random_traces

ROOT = Path(__file__).resolve().parents[2]
RUN = uuid.uuid4().hex[:8]
# A window of 10^12 ns per use, far beyond any real timestamp (2096 and later), random per run.
_rng = random.Random()
WINDOW = 10**12


def new_base() -> int:
    return 4 * 10**18 + _rng.randrange(10**6) * WINDOW


def relabel(trace: Trace, trace_id: str, base: int) -> Trace:
    """The same trace under ``trace_id`` with every time moved so that the earliest start is ``base``."""
    shift = base - min(s.start_ns for s in trace.spans)
    spans = [s.model_copy(update={"trace_id": trace_id, "start_ns": s.start_ns + shift,
                                  "end_ns": s.end_ns + shift,
                                  "events": [e.model_copy(update={"time_ns": e.time_ns + shift})
                                             for e in s.events]})
             for s in trace.spans]
    return Trace(trace_id=trace_id, spans=spans)


def assert_agree(report) -> None:
    assert report.ok, "\n".join(d.text for d in report.disagreements[:30])


@st.composite
def with_remote_calls(draw, trace: Trace) -> Trace:
    """Turn some children of CLIENT spans into SERVER spans, so remote calls and edges are common."""
    kinds = {s.span_id: s.kind for s in trace.spans}
    spans = []
    for s in trace.spans:
        if kinds.get(s.parent_span_id) == SpanKind.CLIENT and draw(st.booleans()):
            s = s.model_copy(update={"kind": SpanKind.SERVER})
        spans.append(s)
    return Trace(trace_id=trace.trace_id, spans=spans)


@st.composite
def trace_sets(draw):
    n = draw(st.integers(1, 3))
    return [draw(with_remote_calls(draw(random_traces(max_spans=10, trace_id="x")))) for _ in range(n)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(trace_sets())
def test_random_traces_agree(store, traces):
    base = new_base()
    tagged = [relabel(t, f"gt6a-{RUN}-h{uuid.uuid4().hex[:10]}", base + i * 10**9) for i, t in enumerate(traces)]
    ids = store(tagged)
    try:
        report = check_traces(store.driver, database=store.database, trace_ids=ids,
                              edge_window=(base, base + WINDOW))
        assert report.traces_checked == len(ids)
        assert report.spans_checked == sum(len(t.spans) for t in tagged)
        assert_agree(report)
    finally:
        delete_traces(store.driver, ids, database=store.database)


def _fixture_traces() -> list[Trace]:
    from graphtrace.readers import read_traces

    files = [p for d in (ROOT / "tests" / "fixtures", ROOT / "examples") if d.is_dir()
             for p in sorted(d.rglob("*")) if p.is_file() and p.suffix not in (".py", ".md")]
    found: list[Trace] = []
    for path in files:
        try:
            found.extend(read_traces([path]))
        except (GraphtraceError, ValueError):
            continue  # deliberately broken reader fixtures
    return found


def test_fixture_and_example_traces_agree(store):
    traces = _fixture_traces()
    if not traces:
        pytest.skip("no readable traces under tests/fixtures or examples yet")
    base = new_base()
    tagged = [relabel(t, f"gt6a-{RUN}-f{i}", base + i * 10**10) for i, t in enumerate(traces)]
    ids = store(tagged)
    report = check_traces(store.driver, database=store.database, trace_ids=ids,
                          edge_window=(base, base + len(tagged) * 10**10))
    assert report.traces_checked == len(ids)
    assert_agree(report)
    assert report.edges_checked is not None


def _seed_like(trace_id: str, base: int) -> Trace:
    # web SERVER [0,100] -> web CLIENT [10,90] -> cart SERVER [30,70]: one remote call,
    # gap = 80 - 40 = 40, before = 30 - 10 = 20, after = 90 - 70 = 20, ratio = 2.0
    from graphtrace.model import Span

    mk = lambda i, p, svc, kind, s, e: Span(trace_id=trace_id, span_id=i, parent_span_id=p, service=svc,  # noqa: E731
                                            name="Get", kind=kind, start_ns=base + s, end_ns=base + e)
    return Trace(trace_id=trace_id, spans=[mk("r", None, "web", "SERVER", 0, 100),
                                           mk("c", "r", "web", "CLIENT", 10, 90),
                                           mk("s", "c", "cart", "SERVER", 30, 70)])


def test_tampering_is_reported(store):
    base = new_base()
    trace = _seed_like(f"gt6a-{RUN}-tamper", base)
    [tid] = store([trace])
    drv, db = store.driver, store.database
    assert_agree(check_traces(drv, database=db, trace_ids=[tid], edge_window=(base, base + WINDOW)))
    # walk by hand: r: c is the only child -> r [90,100], c: s -> c [70,90], s [30,70], c [10,30], r [0,10]
    # so cp_ns: r 20, c 40, s 40.  Set c's cp_ns to 41 and the remote call's gap to 39.
    drv.execute_query("MATCH (c:Span {trace_id: $t, span_id: 'c'})-[r:REMOTE_CALL]->() "
                      "SET c.cp_ns = 41, r.gap_ns = 39", t=tid, database_=db)
    report = check_traces(drv, database=db, trace_ids=[tid])
    got = {(d.span_id, d.quantity, d.neo4j, d.networkx) for d in report.disagreements}
    assert got == {("c", "Span.cp_ns (annotate)", 41, 40), ("c->s", "REMOTE_CALL gap_ns", 39, 40)}
    assert report.edges_checked is None and report.notes
    # the CLI exits 2 and names the disagreement
    proc = _cli(["check", "--trace-id", tid], store)
    assert proc.returncode == 2, proc.stderr
    assert "Span.cp_ns (annotate): neo4j 41, networkx 40" in proc.stdout
    assert proc.stderr.startswith("Error: Neo4j and the in-memory engine disagree on 2 quantities")
    annotate_traces(drv, [tid], database=db)  # repairs cp_ns, not the REMOTE_CALL
    drv.execute_query("MATCH (:Span {trace_id: $t, span_id: 'c'})-[r:REMOTE_CALL]->() SET r.gap_ns = 40",
                      t=tid, database_=db)
    ok = _cli(["check", "--trace-id", tid, "--format", "json"], store)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert '"disagreements": []' in ok.stdout


def _cli(args: list[str], store) -> subprocess.CompletedProcess:
    """The real console script, against the same server as the fixtures."""
    settings_ = store.settings
    return subprocess.run(
        [str(Path(sys.executable).with_name("graphtrace")), *args, "--uri", settings_.uri, "--user", settings_.user,
         "--password", settings_.password.get_secret_value(), "--database", settings_.database],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
