"""The columnar report equals the dict engine's report: ``model_dump`` and the JSON body, byte for byte.

The reference is :func:`graphtrace.analysis.analyze.analyze_trace` (the dict engine, itself checked
against networkx and hand derivations in tests/analysis), so agreement with it is an independent check
of the assembly.  ``test_assembly_*`` feed :func:`table_report` the dict engine's kernel results mapped
to rows (they test the assembly alone: columns, order, types, narrative, JSON); ``test_analyze_table_*``
run the whole columnar engine (``analyze_table``: the table kernels and detectors).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphtrace.analysis.analyze import analyze_trace
from graphtrace.analysis.anomalies import find_anomalies
from graphtrace.analysis.bottlenecks import bottlenecks
from graphtrace.analysis.critical_path import path_and_times
from graphtrace.analysis.self_time import self_times
from graphtrace.analysis.table.analyze import analyze_table
from graphtrace.analysis.table.report import TableReport, table_report
from graphtrace.analysis.table.tree import table_tree
from graphtrace.analysis.tree import build_tree
from graphtrace.errors import InputError
from graphtrace.model import Span, StatusCode, Trace
from graphtrace.readers import read_traces
from graphtrace.render.json import report_body, report_body_columns
from graphtrace.spantable import from_trace
from tests.analysis.strategies import traces

ROOT = Path(__file__).resolve().parents[3]
FILES = sorted(p for p in [*(ROOT / "examples").glob("*.json"), *(ROOT / "tests/fixtures/readers").iterdir()]
               if p.is_file())
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assembled(trace: Trace) -> TableReport:
    """:func:`table_report` of the dict engine's kernel results, mapped from span ids to rows."""
    ref, tree = build_tree(trace), table_tree(from_trace(trace))
    ids = tree.table.span_id
    row = {sid: i for i, sid in enumerate(ids)}
    st_ns = self_times(ref)
    sections, cp = path_and_times(ref)
    self_ns = np.array([st_ns.get(sid, 0) for sid in ids], dtype=np.int64)
    cp_ns = np.array([cp.get(sid, 0) for sid in ids], dtype=np.int64)
    path = (np.array([row[s.span_id] for s in sections], dtype=np.int64),
            np.array([s.start_ns for s in sections], dtype=np.int64),
            np.array([s.end_ns for s in sections], dtype=np.int64))
    return table_report(tree, self_ns, cp_ns, path, bottlenecks(ref, st_ns, cp), find_anomalies(ref, cp))


def body(report: TableReport, size: int = 3) -> str:
    """The JSON body from the columns, in small chunks so that chunk joins are exercised."""
    return report_body_columns(report.head(), report.tables(size))


def assert_same(got: TableReport, trace: Trace, size: int = 3) -> None:
    want = analyze_trace(trace).model_dump(mode="json")
    dump = got.model_dump(mode="json")
    # equal as JSON bytes: same keys in the same order, same types (an int is not a float here)
    assert orjson.dumps(dump) == orjson.dumps(want)
    assert dump == want
    assert body(got, size) == report_body(want)


@SETTINGS
@given(traces(), st.integers(1, 5))
def test_assembly_equals_the_dict_report(trace: Trace, size: int) -> None:
    assert_same(assembled(trace), trace, size)


# failed spans and several roots, so that every sentence of the narrative is reached
_ERRORS = traces(root_chance=0.3, orphan_chance=0.2).map(lambda t: Trace(trace_id=t.trace_id, spans=[
    s.model_copy(update={"status_code": StatusCode.ERROR}) if i % 2 else s for i, s in enumerate(t.spans)]))


@SETTINGS
@given(_ERRORS)
def test_assembly_narrates_failures_and_roots_as_the_dict_engine(trace: Trace) -> None:
    assert_same(assembled(trace), trace)


def readable(path: Path) -> list[Trace]:
    """The traces of ``path`` (none for a fixture that only a mapping option makes readable)."""
    try:
        return list(read_traces([path]))
    except InputError:
        return []


@pytest.mark.parametrize("path", [p for p in FILES if readable(p)], ids=lambda p: p.name)
def test_assembly_on_examples_and_reader_fixtures(path: Path) -> None:
    for trace in readable(path):
        try:
            analyze_trace(trace)
        except InputError:  # e.g. a repeated span id: the tree raises the same error (test_tree)
            continue
        assert_same(assembled(trace), trace, size=4)


def test_the_columns_have_the_dict_reports_types() -> None:
    # a: [0, 100] with b: [10, 70]: a owns [0, 10] and [70, 100] of the path (40 ns), b [10, 70] (60 ns)
    mk = lambda i, p, s, e: Span(trace_id="ab", span_id=i, parent_span_id=p, service="shop",  # noqa: E731
                                 name=i, start_ns=s, end_ns=e)
    trace = Trace(trace_id="ab", spans=[mk("b", "a", 10, 70), mk("a", None, 0, 100)])
    got = assembled(trace)
    rows = got.model_dump()["spans"]
    assert [(r["span_id"], r["self_time_ns"], r["critical_path_ns"], r["duration_ns"]) for r in rows] == \
        [("a", 40, 40, 100), ("b", 60, 60, 60)]
    assert all(type(v) is int for r in rows for k, v in r.items() if k.endswith("_ns") or k == "depth")
    assert [(s["span_id"], s["start_ns"], s["end_ns"]) for s in got.model_dump()["critical_path"]] == \
        [("a", 0, 10), ("b", 10, 70), ("a", 70, 100)]
    assert [b["share"] for b in got.model_dump()["bottlenecks"]] == [0.6, 0.4]  # 60/100, 40/100


def test_a_long_trace_is_written_in_chunks_equal_to_one_dump() -> None:
    # 10,000 spans: several default-size chunks (4,096) for both columns
    n = 10_000
    trace = Trace(trace_id="ab", spans=[Span(trace_id="ab", span_id=f"{k:05d}", parent_span_id=f"{k - 1:05d}"
                                             if k else None, start_ns=k, end_ns=2 * n - k) for k in range(n)])
    got = assembled(trace)
    assert report_body_columns(got.head(), got.tables()) == report_body(analyze_trace(trace).model_dump())


@SETTINGS
@given(traces())
def test_analyze_table_equals_analyze_trace(trace: Trace) -> None:
    assert_same(analyze_table(from_trace(trace)), trace)


@SETTINGS
@given(_ERRORS)
def test_analyze_table_with_failures_and_roots_equals_analyze_trace(trace: Trace) -> None:
    assert_same(analyze_table(from_trace(trace)), trace)


@pytest.mark.parametrize("path", [p for p in FILES if readable(p)], ids=lambda p: p.name)
def test_analyze_table_on_examples_and_reader_fixtures(path: Path) -> None:
    for trace in readable(path):
        try:
            analyze_trace(trace)
        except InputError as ref:
            with pytest.raises(InputError) as got:
                analyze_table(from_trace(trace))
            assert (got.value.message, got.value.record) == (ref.message, ref.record)
            continue
        assert_same(analyze_table(from_trace(trace)), trace, size=4)


def test_strings_that_json_escapes_are_written_as_the_dict_engine_writes_them() -> None:
    # quotes, backslashes, control characters, a newline, non-ASCII and a line separator in ids,
    # names and services: the chunked writer must escape them exactly as one orjson dump does
    odd = ['q"1', "b\\2", "c\x013", "n\n4", "é5", "l\u20286", '","7']
    spans = [Span(trace_id="ab", span_id=sid, parent_span_id=odd[i - 1] if i else None, service=f"s{sid}",
                  name=f"op{sid}", start_ns=i, end_ns=20 - i, status_code=StatusCode.ERROR if i % 2 else "UNSET")
             for i, sid in enumerate(odd)]
    trace = Trace(trace_id="ab", spans=spans)
    for size in (1, 2, 4096):
        assert_same(assembled(trace), trace, size)
    assert_same(analyze_table(from_trace(trace)), trace)
