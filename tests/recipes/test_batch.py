"""``graphtrace.recipes.batch``: many traces per query must give exactly the one-trace-per-query answers.

The independent path is :func:`graphtrace.recipes.run.run_recipe`, one query per trace with the
real ``$trace_id`` parameter: every batched answer (rows, values *and* order) must equal it, on
random traces (orphans, several roots, skew, async children, PRODUCER/CONSUMER, equal timestamps),
generated traces and a trace id that is not stored.  A corrupted stored relationship in one trace
of a batch must be reported for that trace, and only for it.
"""

from __future__ import annotations

import random
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphtrace.jobs.check import check_traces
from graphtrace.errors import RecipeError
from graphtrace.model import Span, Trace
from graphtrace.recipes.batch import BatchedRecipe, per_value_body
from graphtrace.recipes.catalog import builtin_dir
from graphtrace.recipes.catalog import load_recipe
from graphtrace.recipes.header import parse_recipe
from graphtrace.recipes.run import run_recipe
from graphtrace.store.delete import delete_traces
from graphtrace.synth import GenOptions, generate
from tests.analysis.strategies import traces as random_traces

RUN = uuid.uuid4().hex[:8]
_rng = random.Random()
PER_TRACE = {"call-tree": {}, "self-time": {}, "critical-path": {}, "bottlenecks": {"limit": 1000}}


def _base() -> int:
    return 4 * 10**18 + _rng.randrange(10**6) * 10**12  # a far-future window of its own


def _relabel(trace: Trace, trace_id: str, base: int) -> Trace:
    shift = base - min(s.start_ns for s in trace.spans)
    return Trace(trace_id=trace_id, spans=[
        s.model_copy(update={"trace_id": trace_id, "start_ns": s.start_ns + shift, "end_ns": s.end_ns + shift,
                             "events": [e.model_copy(update={"time_ns": e.time_ns + shift}) for e in s.events]})
        for s in trace.spans])


# --- the substitution (no server) ---------------------------------------------------------------

def test_only_real_parameter_tokens_are_replaced():
    body = ("MATCH (t:Trace {trace_id: $trace_id}) /* $trace_id */ // $trace_id\n"
            "WHERE t.x <> '$trace_id' AND t.y <> \"$trace_id\" AND $trace_idx IS NULL\n"
            "RETURN $trace_id AS `$trace_id`")
    assert per_value_body(body, "trace_id") == (
        "MATCH (t:Trace {trace_id: __gt_value}) /* $trace_id */ // $trace_id\n"
        "WHERE t.x <> '$trace_id' AND t.y <> \"$trace_id\" AND $trace_idx IS NULL\n"
        "RETURN __gt_value AS `$trace_id`")


@pytest.mark.parametrize("body", [
    "MATCH (n {id: $trace_id}) WITH * RETURN n",              # * would carry the extra variable
    "MATCH (n {id: $trace_id}) RETURN DISTINCT *",
    "MATCH (n {id: $trace_id}) WITH n AS __gt_value RETURN 1",  # capture
    "MATCH (n {id: $`trace_id`}) RETURN n",                   # a quoted parameter name stays a parameter
    "MATCH (n) RETURN n",                                     # nothing to replace
])
def test_unsafe_substitutions_are_refused(body):
    assert per_value_body(body, "trace_id") is None


# --- against a server ---------------------------------------------------------------------------

def _one_at_a_time(store, name: str, ids: list[str]) -> dict[str, list[dict]]:
    recipe = load_recipe(builtin_dir() / f"{name}.cypher")
    return {t: run_recipe(store.driver, recipe, {"trace_id": t, **PER_TRACE[name]}, database=store.database)[1]
            for t in ids}


def _assert_batched_equal(store, ids: list[str]) -> None:
    for name, params in PER_TRACE.items():
        recipe = load_recipe(builtin_dir() / f"{name}.cypher")
        expected = _one_at_a_time(store, name, ids)
        every = BatchedRecipe(store.driver, recipe, "trace_id", database=store.database)
        assert every.rows(ids, **params) == expected, name
        assert every.batched, every.note
        cols = ["span_id", "self_ns"] if name != "critical-path" else ["end_ns", "span_id"]
        packed = BatchedRecipe(store.driver, recipe, "trace_id", database=store.database, columns=cols)
        assert packed.rows(ids, **params) == {t: [{c: r[c] for c in cols} for r in rows]
                                              for t, rows in expected.items()}, name
        assert packed.batched, packed.note


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(st.lists(random_traces(max_spans=10, trace_id="x"), min_size=1, max_size=4))
def test_random_traces_batched_equal_one_at_a_time(store, drawn):
    base = _base()
    tagged = [_relabel(t, f"gt-b-{RUN}-h{uuid.uuid4().hex[:10]}", base + i * 10**9) for i, t in enumerate(drawn)]
    ids = store(tagged)
    try:
        _assert_batched_equal(store, [*ids, f"gt-b-{RUN}-missing"])
    finally:
        delete_traces(store.driver, ids, database=store.database)


def test_generated_traces_batched_equal_one_at_a_time(store):
    opts = GenOptions(traces=40, async_fraction=0.3, skew_fraction=0.3, spans_per_trace=12, seed=7,
                      start_ns=_base())
    tagged = [t.model_copy(update={"trace_id": f"gt-b-{RUN}-g{i}",
                                   "spans": [s.model_copy(update={"trace_id": f"gt-b-{RUN}-g{i}"}) for s in t.spans]})
              for i, t in enumerate(generate(opts))]
    ids = store(tagged)
    _assert_batched_equal(store, ids)
    # duplicates are answered once; order of the answer follows the first occurrence
    rec = BatchedRecipe(store.driver, load_recipe(builtin_dir() / "self-time.cypher"), "trace_id",
                        database=store.database)
    assert list(rec.rows([ids[1], ids[0], ids[1]])) == [ids[1], ids[0]]


def _span(tid: str, sid: str, parent: str | None, start: int, end: int, base: int) -> Span:
    return Span(trace_id=tid, span_id=sid, parent_span_id=parent, service="svc", name="op", kind="INTERNAL",
                start_ns=base + start, end_ns=base + end)


def test_corrupted_parent_edge_is_reported_for_its_trace_only(store):
    # r [0,100] -> a [10,60] -> b [20,50]; deleting the stored a->b PARENT_OF makes b a root for the
    # recipes while the engine (which reads parent_span_id) still nests it.
    base = _base()
    ids = [f"gt-b-{RUN}-c{i}" for i in range(5)]
    store([Trace(trace_id=t, spans=[_span(t, "r", None, 0, 100, base + i * 10**9),
                                    _span(t, "a", "r", 10, 60, base + i * 10**9),
                                    _span(t, "b", "a", 20, 50, base + i * 10**9)])
           for i, t in enumerate(ids)])
    assert check_traces(store.driver, database=store.database, trace_ids=ids).ok
    bad = ids[3]
    store.driver.execute_query("MATCH (:Span {trace_id: $t, span_id: 'a'})-[p:PARENT_OF]->(:Span {span_id: 'b'}) "
                               "DELETE p", t=bad, database_=store.database)
    report = check_traces(store.driver, database=store.database, trace_ids=ids)
    assert {d.trace_id for d in report.disagreements} == {bad}
    got = {(d.span_id, d.quantity): (d.neo4j, d.networkx) for d in report.disagreements}
    # by hand: neo4j sees roots r [0,100] (child a) and b [20,50]; a has no children -> self 50, not 20;
    # b is depth 0, not 2; the self-time recipe gives a children_ns 0, not 30.
    assert got[("b", "call-tree depth")] == (0, 2)
    assert got[("a", "call-tree self_ns")] == (50, 20)
    assert got[("a", "self-time self_ns")] == (50, 20)
    assert got[("a", "self-time children_ns")] == (0, 30)
    assert (None, "call-tree pre-order") not in got  # r, a, then the new root b: same order by chance


def test_unbatchable_body_runs_one_value_per_query(store):
    # $trace_id inside a CALL that does not import the variable: Neo4j rejects the wrapped query
    recipe = parse_recipe("// name: nested\n// question: q?\n// param: trace_id string -- t\n"
                          "CALL () { MATCH (s:Span {trace_id: $trace_id}) RETURN count(s) AS n }\nRETURN n")
    base = _base()
    tid = f"gt-b-{RUN}-n"
    store([Trace(trace_id=tid, spans=[_span(tid, "r", None, 0, 10, base), _span(tid, "a", "r", 1, 2, base)])])
    rec = BatchedRecipe(store.driver, recipe, "trace_id", database=store.database)
    assert rec.rows([tid, "nope"]) == {tid: [{"n": 2}], "nope": [{"n": 0}]}
    assert not rec.batched and "one query per value" in rec.note


def test_writing_recipe_is_refused(store):
    recipe = parse_recipe("// name: w\n// question: q?\n// param: trace_id string -- t\n// mode: maintenance\n"
                          "MATCH (t:Trace {trace_id: $trace_id}) SET t.touched = true RETURN t.trace_id AS id")
    rec = BatchedRecipe(store.driver, recipe, "trace_id", database=store.database)
    with pytest.raises(RecipeError, match="run it with --write"):
        rec.rows([f"gt-b-{RUN}-none"])
