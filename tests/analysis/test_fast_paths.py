"""The hot-path shortcuts of graphtrace.analysis agree with the plain definitions they replace.

Each test puts a shortcut beside an independent reference computed here (networkx on the
tree's graph, pydantic validation, ``model.operation_key``, brute force) on random traces
(tests/analysis/strategies.py) and on the bundled examples.
"""

from __future__ import annotations

import gc
import re
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphtrace.analysis.analyze import analyze_trace
from graphtrace.model import is_connection_setup
from graphtrace.analysis.anomalies.common import call_groups_of, calls_of, is_call
from graphtrace.analysis.anomalies.options import DEFAULT_CONNECTION_PATTERN
from graphtrace.analysis.anomalies.orphan_span import descendants
from graphtrace.analysis.critical_path import critical_path, critical_path_times, path_and_times
from graphtrace.analysis.gaps import RemoteCall, client_server_pairs
from graphtrace.analysis.report import TraceReport
from graphtrace.analysis.tree import TraceTree, build_tree
from graphtrace.model import STATEMENT_KEYS, Trace, normalize_operation, operation_key
from graphtrace.readers import read_traces
from tests.analysis.strategies import traces, trees

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXAMPLES = sorted(Path(__file__).resolve().parents[2].joinpath("examples").glob("otel-demo-*.json"))
STATEMENTS = st.sampled_from(["db.statement", "db.query.text", "http.route", "url.path", "http.target",
                              "rpc.method", "peer.service", "other"])
TEXTS = st.sampled_from(["HGET cart:17", "HGET cart:18", "SELECT * FROM t WHERE id = 4", "/orders/123",
                         "GET /api/products/0PUK6V6EV0", "", "'quoted' 12.5", "9f86d081884c7d65"])


def example_traces() -> list[Trace]:
    return [t for path in EXAMPLES for t in read_traces([path])]


@st.composite
def traces_with_statements(draw) -> Trace:
    """:func:`traces` whose spans carry statement/route attributes (strings, empty, or not strings)."""
    trace = draw(traces(max_spans=14))
    spans = []
    for span in trace.spans:
        attrs = draw(st.dictionaries(STATEMENTS, st.one_of(TEXTS, st.integers(0, 9)), max_size=2))
        name = draw(st.one_of(TEXTS, st.just(span.name)))
        spans.append(span.model_copy(update={"attributes": attrs, "name": name}))
    return Trace(trace_id=trace.trace_id, spans=spans)


def check_tree_against_graph(tree: TraceTree) -> None:
    graph = tree.graph
    assert set(graph.nodes) == set(tree.spans)
    key = lambda i: (tree.spans[i].start_ns, tree.spans[i].end_ns, i)  # noqa: E731
    for sid in tree.spans:
        preds = list(graph.predecessors(sid))
        assert tree.parent(sid) == (preds[0] if preds else None)
        assert tree.children(sid) == sorted(graph.successors(sid), key=key)
        assert descendants(tree, sid) == len(nx.descendants(graph, sid))
    depth = {}
    for root in tree.roots:
        depth.update(nx.single_source_shortest_path_length(graph, root))
    assert {sid: tree.depth(sid) for sid in tree.spans} == depth
    in_start_order = lambda ids: sorted(ids, key=key)  # noqa: E731
    assert tree.preorder() == [sid for root in tree.roots
                               for sid in nx.dfs_preorder_nodes(graph, root, sort_neighbors=in_start_order)]
    assert tree._parents == [(sid, tree.children(sid)) for sid in tree.preorder() if tree.children(sid)]


@SETTINGS
@given(trees())
def test_tree_indexes_agree_with_the_networkx_graph(tree: TraceTree) -> None:
    check_tree_against_graph(tree)


def test_tree_indexes_on_the_examples() -> None:
    for trace in example_traces():
        check_tree_against_graph(build_tree(trace))


@SETTINGS
@given(trees())
def test_path_and_times_is_critical_path_plus_times(tree: TraceTree) -> None:
    sections, times = path_and_times(tree)
    assert sections == critical_path(tree)
    assert times == critical_path_times(critical_path(tree))


def check_reports_equal_validated(trace: Trace) -> None:
    """Reports built without validation equal the same data validated by pydantic, and dump alike."""
    report = analyze_trace(trace)
    validated = TraceReport.model_validate(report.model_dump())
    assert validated == report
    assert validated.model_dump_json() == report.model_dump_json()
    for call in client_server_pairs(build_tree(trace)):
        assert RemoteCall.model_validate(call.model_dump()) == call


@SETTINGS
@given(traces_with_statements())
def test_built_reports_equal_validated_reports(trace: Trace) -> None:
    check_reports_equal_validated(trace)


def test_built_reports_equal_validated_reports_on_the_examples() -> None:
    for trace in example_traces():
        check_reports_equal_validated(trace)


@SETTINGS
@given(traces_with_statements())
def test_cached_operation_keys_and_call_groups(trace: Trace) -> None:
    tree = build_tree(trace)
    for span in trace.spans:
        # operation_key normalises through a cache: it must equal the uncached derivation
        statement = next((v for key in STATEMENT_KEYS
                          if isinstance(v := span.attributes.get(key), str) and v), None)
        direct = normalize_operation(span.name)
        assert operation_key(span) == (direct if statement is None else f"{direct} | {normalize_operation(statement)}")
    spans = tree.spans
    expected_calls = {pid: [c for c in tree.children(pid) if is_call(spans[pid], spans[c])]
                      for pid in tree.preorder()}
    assert calls_of(tree) == {pid: calls for pid, calls in expected_calls.items() if calls}
    for pid, calls in expected_calls.items():
        groups: dict = {}
        for cid in calls:
            groups.setdefault((spans[cid].service, operation_key(spans[cid])), []).append(cid)
        assert call_groups_of(tree, pid) == groups


@pytest.mark.parametrize("name", ["dns.lookup", " TCP.Connect ", "tls.handshake", "HGET", "connect",
                                  "x.connect.y"])
def test_cached_connection_setup_matches_the_regex(name: str) -> None:
    direct = re.fullmatch(DEFAULT_CONNECTION_PATTERN, name.strip().lower()) is not None
    assert is_connection_setup(name, DEFAULT_CONNECTION_PATTERN) is direct
    assert is_connection_setup(name, r"^hget$") is (name.strip().lower() == "hget")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traces_with_statements())
def test_analysis_leaves_no_cyclic_garbage_and_restores_the_collector(trace: Trace) -> None:
    """analyze_trace pauses the cyclic GC, which is only sound if it never creates cycles."""
    gc.collect()
    gc.disable()
    try:
        analyze_trace(trace)
        assert not gc.isenabled()
        assert gc.collect() == 0
    finally:
        gc.enable()
    analyze_trace(trace)
    assert gc.isenabled()
