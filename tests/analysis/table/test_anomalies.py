"""The columnar detectors (graphtrace.analysis.table.anomalies) give exactly the dict engine's anomalies.

The reference is ``graphtrace.analysis.anomalies.find_anomalies`` on ``build_tree`` of the same trace:
that engine is itself checked against hand derivations (tests/analysis/test_anomalies.py) and its
indexes against networkx (tests/analysis/test_fast_paths.py), so agreement with it is an independent
check here.  Compared: type, span ids, every metric (key order, Python type and value, recursively) and
the message string, in order, on random traces (orphans, skew, ties, zero-length spans), on random
traces with statements, peer attributes, exception events, hosts and FOLLOWS_FROM references, with
random non-default options, on the bundled examples, on the reader fixtures, and on every hand-written
case of tests/analysis/test_anomalies.py.  The critical-path input is the dict engine's
(``path_and_times``), mapped to rows.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from graphtrace.analysis import anomalies as dict_engine
from graphtrace.analysis.anomalies import AnomalyOptions
from graphtrace.analysis.critical_path import path_and_times
from graphtrace.analysis.report import Anomaly
from graphtrace.analysis.table.anomalies import find_anomalies
from graphtrace.analysis.table.tree import table_tree
from graphtrace.analysis.tree import TraceTree, build_tree
from graphtrace.errors import InputError
from graphtrace.model import PEER_KEYS, STATEMENT_KEYS, Event, RefType, Span, SpanKind, Trace
from graphtrace.readers import read_traces
from graphtrace.spantable import HOST_KEYS, fits_table, from_trace
from tests.analysis import test_anomalies as hand_cases
from tests.analysis.strategies import traces

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted(ROOT.joinpath("examples").glob("otel-demo-*.json"))
FIXTURES = sorted(ROOT.joinpath("tests", "fixtures", "readers").iterdir())

NAMES = st.sampled_from(["dns.lookup", " TCP.connect", "connect", "tls.handshake", "HGET", "GET /orders/123",
                         "GET /orders/77", "op0", "op1"])
ATTR_KEYS = st.sampled_from([*STATEMENT_KEYS, *PEER_KEYS, "other"])
VALUES = st.sampled_from(["HGET cart:17", "HGET cart:18", "SELECT * FROM t WHERE id = 4", "/orders/123",
                          "", "redis", "cart", 0, 7, None])
HOSTS = st.sampled_from([None, None, "h1", "h2", "", 3])
EVENTS = st.lists(st.builds(
    Event, name=st.sampled_from(["exception", "log"]), time_ns=st.integers(0, 9),
    attributes=st.dictionaries(st.sampled_from(["exception.type", "exception.message", "other"]),
                               st.sampled_from(["KeyError", "no such key", 42]), max_size=3)), max_size=3)
OPTIONS = st.builds(
    AnomalyOptions,
    min_gap_ms=st.sampled_from([0.0, 0.000001, 0.00001, 10.0]), min_ratio=st.sampled_from([1.0, 1.5, 5.0]),
    connection_pattern=st.sampled_from([r"^op[01]$", r"^(?:hget|connect)$", AnomalyOptions().connection_pattern]),
    min_serial_calls=st.integers(2, 4), min_serial_saving_ms=st.sampled_from([0.0, 0.000001, 0.00002]),
    min_repeated_calls=st.integers(2, 5), min_skew_ns=st.integers(1, 6))


@st.composite
def rich_traces(draw, **kwargs: Any) -> Trace:
    """:func:`traces` whose spans carry statements, peer attributes, exception events (with status
    messages), hosts (missing, empty, numbers) and CHILD_OF / FOLLOWS_FROM references."""
    trace = draw(traces(**kwargs))
    spans = []
    for span in trace.spans:
        host = draw(HOSTS)
        resource = {"service.name": span.service} | ({} if host is None else {draw(st.sampled_from(HOST_KEYS)): host})
        spans.append(span.model_copy(update={
            "name": draw(st.one_of(NAMES, st.just(span.name))),
            "attributes": draw(st.dictionaries(ATTR_KEYS, VALUES, max_size=3)),
            "resource": resource,
            "events": draw(EVENTS),
            "status_message": draw(st.sampled_from(["", "", "boom"])),
            "ref_type": draw(st.sampled_from([None, RefType.CHILD_OF, RefType.FOLLOWS_FROM]))
            if span.parent_span_id else None,
        }))
    return Trace(trace_id=trace.trace_id, spans=spans)


@st.composite
def wide_traces(draw) -> Trace:
    """:func:`rich_traces` with most spans moved under the first root (``s00``, never anyone's
    descendant, so no cycle), few names and statements: many sibling calls with one operation key
    (repeated_calls, retry), CLIENT parents of SERVER children (client_server_gap)."""
    trace = draw(rich_traces(min_spans=4, max_spans=18))
    spans = []
    for span in trace.spans:
        update: dict[str, Any] = {}
        if span.span_id == "s00":
            update["kind"] = draw(st.sampled_from([span.kind, SpanKind.CLIENT]))
        elif draw(st.integers(0, 9)) < 7:
            update["parent_span_id"] = "s00"
        if draw(st.booleans()):
            update["service"] = "redis"
            update["kind"] = draw(st.sampled_from([SpanKind.CLIENT, SpanKind.CLIENT, SpanKind.SERVER, SpanKind.INTERNAL]))
            update["name"] = draw(st.sampled_from(["HGET", "op0"]))
            update["attributes"] = draw(st.sampled_from([{}, {"db.statement": "HGET cart:1"}, {"db.statement": 5},
                                                         {"http.route": "HGET cart:2"}, {"peer.service": "redis"}]))
        spans.append(span.model_copy(update=update))
    return Trace(trace_id=trace.trace_id, spans=spans)


def typed(value: Any) -> Any:
    """A value with its Python type at every level (so 1 != 1.0 != True, and key order counts)."""
    if isinstance(value, dict):
        return ("dict", [(k, typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, value)


def as_rows(found: list[Anomaly]) -> list[tuple]:
    return [(a.type, typed(a.span_ids), typed(a.metrics), a.message) for a in found]


def check_tree(tree: TraceTree, cp_times: dict[str, int], options: AnomalyOptions | None = None) -> list[Anomaly]:
    """The dict engine's anomalies of ``tree``, after checking the columnar engine gives the same."""
    expected = dict_engine.find_anomalies(tree, cp_times, options=options)
    t = table_tree(from_trace(tree.trace))
    cp_ns = np.array([cp_times.get(sid, 0) for sid in t.table.span_id], dtype=np.int64)
    got = find_anomalies(t, cp_ns, options=options)
    assert as_rows(got) == as_rows(expected)
    assert got == expected
    return expected


def check(trace: Trace, options: AnomalyOptions | None = None) -> list[Anomaly]:
    tree = build_tree(trace)
    return check_tree(tree, path_and_times(tree)[1], options)


@SETTINGS
@given(traces())
def test_random_traces(trace: Trace) -> None:
    check(trace)


@SETTINGS
@given(rich_traces(max_spans=14))
def test_random_traces_with_attributes_events_hosts_and_references(trace: Trace) -> None:
    check(trace)


@SETTINGS
@given(rich_traces(max_spans=16, root_chance=0.03, orphan_chance=0.03), OPTIONS)
def test_random_traces_with_other_options(trace: Trace, options: AnomalyOptions) -> None:
    check(trace, options)


@SETTINGS
@given(wide_traces(), st.one_of(st.none(), OPTIONS))
def test_random_wide_traces(trace: Trace, options: AnomalyOptions | None) -> None:
    check(trace, options)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(traces(max_spans=8), st.sampled_from([2 ** 55, 2 ** 56]))
def test_times_spread_over_the_whole_int64_range(trace: Trace, scale: int) -> None:
    """Times ``t * scale - 2**62 + 1``: durations, gaps and skews near 2**63, the edge of int64 arithmetic."""
    spans = [s.model_copy(update={"start_ns": s.start_ns * scale - 2 ** 62 + 1, "end_ns": s.end_ns * scale - 2 ** 62 + 1})
             for s in trace.spans]
    wide = Trace(trace_id=trace.trace_id, spans=spans)
    assume(fits_table(wide))
    check(wide)


def test_the_extreme_times_a_table_accepts() -> None:
    edge = 2 ** 62 - 1  # fits_table's bounds
    mk = lambda i, p, svc, kind, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, service=svc,  # noqa: E731
                                            kind=kind, start_ns=s, end_ns=e)
    trace = Trace(trace_id="t", spans=[mk("c", None, "a", "CLIENT", -edge, edge), mk("s", "c", "b", "SERVER", -edge, edge - 5),
                                       mk("k", "s", "c", "SERVER", -edge, edge)])
    assert fits_table(trace)
    # c -> s: client 2**63 - 2 ns, server 2**63 - 7: gap 5 ns < 10 ms, not reported; k (another service)
    # ends 5 ns after s: clock skew
    assert [(a.type, a.span_ids) for a in check(trace)] == [("clock_skew", ["k", "s"])]


def test_the_bundled_examples() -> None:
    types = set()
    for path in EXAMPLES:
        for trace in read_traces([path]):
            types.update(a.type for a in check(trace))
            check(trace, AnomalyOptions(min_gap_ms=0.5, min_ratio=1.2, min_repeated_calls=2, min_serial_calls=3))
    assert len(EXAMPLES) == 4 and types  # the demo traces do have anomalies to agree on


def test_the_reader_fixtures() -> None:
    compared = 0
    for path in FIXTURES:
        try:
            found = list(read_traces([path]))
        except InputError:  # rows_unitless_duration.csv needs a --map: nothing to compare
            continue
        for trace in found:
            assert fits_table(trace)
            try:
                tree = build_tree(trace)
            except InputError:  # jaeger_dup_ids.json: tests/analysis/table/test_tree.py checks the same error
                with pytest.raises(InputError):
                    table_tree(from_trace(trace))
                continue
            check_tree(tree, path_and_times(tree)[1])
            compared += 1
    assert compared >= 30  # 31 fixture files, most with one trace or more


def test_every_hand_written_case_of_the_dict_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each case of tests/analysis/test_anomalies.py runs with its ``find_anomalies`` replaced by one that
    also runs the columnar engine on the same tree and demands the same answer (and returns the dict
    engine's, so the case's own hand-derived assertions still hold)."""
    calls = []

    def both(tree: TraceTree, cp_times: dict[str, int], *, options: AnomalyOptions | None = None) -> list[Anomaly]:
        calls.append(tree.trace.trace_id)
        return check_tree(tree, cp_times, options)

    monkeypatch.setattr(hand_cases, "find_anomalies", both)
    cases = [f for name, f in vars(hand_cases).items()
             if name.startswith("test_") and callable(f) and not inspect.signature(f).parameters]
    for case in cases:
        case()
    assert len(cases) >= 30 and len(calls) >= len(cases)


def test_an_inferred_call_is_reported_only_when_its_child_is_alone() -> None:
    ms = 1_000_000
    mk = lambda i, p, svc, s, e: Span(trace_id="t", span_id=i, parent_span_id=p, service=svc,  # noqa: E731
                                      kind="INTERNAL", name=i, start_ns=s * ms, end_ns=e * ms)
    spans = [mk("w1", None, "web", 0, 100), mk("d1", "w1", "db", 10, 20), mk("d2", "w1", "db", 30, 40),
             mk("w2", None, "web", 0, 100), mk("d3", "w2", "db", 10, 20)]
    # w1 has two kind-less db children: their gaps are unknown, never reported.  w2's only child d3:
    # client 100 ms, server 10 ms, gap 90 ms >= 10 ms, ratio 10 >= 5: reported
    gaps = [a for a in check(Trace(trace_id="t", spans=spans)) if a.type == "client_server_gap"]
    assert [(a.span_ids, a.metrics["gap_ns"], a.metrics["inferred"]) for a in gaps] == [(["w2", "d3"], 90 * ms, True)]
