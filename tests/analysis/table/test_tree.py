"""The table tree is the dict engine's tree (itself checked against networkx in test_fast_paths), row for id."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from graphtrace.spantable import from_trace
from graphtrace.analysis.table.tree import table_tree
from graphtrace.analysis.tree import build_tree
from graphtrace.errors import InputError
from graphtrace.model import Span, Trace
from tests.analysis.strategies import traces

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(traces())
def test_table_tree_equals_the_dict_tree(trace: Trace) -> None:
    ref = build_tree(trace)
    t = table_tree(from_trace(trace))
    ids = t.table.span_id
    assert [ids[i] for i in t.roots] == ref.roots
    assert [ids[i] for i in t.orphans] == ref.orphans
    assert [ids[i] for i in t.preorder] == ref.preorder()
    for row, sid in enumerate(ids):
        assert [ids[k] for k in t.children(row)] == ref.children(sid)
        assert (ids[t.parent[row]] if t.parent[row] >= 0 else None) == ref.parent(sid)
        assert t.depth[row] == ref.depth(sid)
    assert [ids[i] for i in t.order] == [s.span_id for s in
                                        sorted(trace.spans, key=lambda s: (s.start_ns, s.end_ns, s.span_id))]


def _trace(*links: tuple[str, str | None]) -> Trace:
    return Trace(trace_id="t", spans=[Span(trace_id="t", span_id=i, parent_span_id=p, start_ns=0, end_ns=1)
                                      for i, p in links])


def test_a_cycle_and_a_repeated_id_raise_the_dict_engines_errors() -> None:
    for trace in (_trace(("r", None), ("a", "b"), ("b", "a")), _trace(("a", None), ("b", "a"), ("b", None))):
        with pytest.raises(InputError) as ref:
            build_tree(trace)
        with pytest.raises(InputError) as got:
            table_tree(from_trace(trace))
        assert (got.value.message, got.value.record, got.value.field) == \
            (ref.value.message, ref.value.record, ref.value.field)


def test_ids_with_nul_characters_sort_as_python_sorts_them() -> None:
    # "a" < "a\x00" < "a\x01" for Python; numpy's fixed-width strings would make the first two equal
    trace = Trace(trace_id="t", spans=[Span(trace_id="t", span_id=i, start_ns=0, end_ns=1)
                                       for i in ("a\x01", "a\x00", "a")])
    t = table_tree(from_trace(trace))
    assert [t.table.span_id[i] for i in t.roots] == ["a", "a\x00", "a\x01"]


@pytest.mark.parametrize("tied_runs", [0, 3, 40])
def test_sort_order_with_no_few_and_many_ties_is_pythons_tuple_order(tied_runs: int) -> None:
    from graphtrace.analysis.table.tree import sort_order

    # 100 spans on distinct intervals; the first `tied_runs` runs of 2-3 spans share one interval
    # (ids in reverse input order, so a stable sort on (start, end) alone would be wrong)
    spans, k = [], 0
    for run in range(100):
        size = 2 + run % 2 if run < tied_runs else 1
        for j in range(size):
            spans.append(Span(trace_id="t", span_id=f"s{999 - k:03d}", start_ns=run * 10, end_ns=run * 10 + 5))
            k += 1
    table = from_trace(Trace(trace_id="t", spans=spans))
    expected = sorted(range(len(spans)), key=lambda i: (spans[i].start_ns, spans[i].end_ns, spans[i].span_id))
    assert sort_order(table).tolist() == expected
