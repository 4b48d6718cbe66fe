"""Self time: duration minus the union of the children's intervals clipped to the span (min 0).

Expected values are derived by hand in the comments.  The first group ports the
cases of Jaeger UI's ``compute-span-self-time.test.ts`` as data (same intervals,
read as ns).
"""

from __future__ import annotations

import pytest

from graphtrace.analysis.self_time import covered_ns, self_time, self_times
from graphtrace.analysis.tree import build_tree
from graphtrace.model import Span, Trace
from tests.analysis.strategies import chain_trace


def mk(sid: str, parent: str | None, start: int, end: int, **kw) -> Span:
    return Span(trace_id="5e1f", span_id=sid, parent_span_id=parent, start_ns=start, end_ns=end, **kw)


JAEGER_CASES = [
    # (parent interval, child intervals, expected self time)
    ((0, 100), [], 100),                              # leaf: whole duration
    ((0, 100), [(10, 50)], 60),                       # 100 - 40
    ((0, 100), [(10, 30), (50, 70)], 60),             # 100 - (20 + 20)
    ((0, 100), [(10, 60), (30, 80)], 30),             # union [10,80] = 70
    ((0, 100), [(50, 150)], 50),                      # clipped to [50,100] = 50
    ((0, 100), [(120, 150)], 100),                    # entirely after: covers nothing
    ((0, 100), [(10, 70), (20, 50)], 40),             # second inside first: union [10,70] = 60
    ((0, 100), [(0, 100)], 0),                        # child equals parent
    ((0, 100), [(0, 60), (0, 120)], 0),               # union clipped [0,100]
    ((0, 100), [(10, 40), (30, 60), (70, 90)], 30),   # [10,60] + [70,90] = 70
    ((10, 50), [(0, 100)], 0),                        # covers both sides: 0, never negative
]


@pytest.mark.parametrize("parent, children, expected", JAEGER_CASES)
def test_jaeger_self_time_cases(parent, children, expected) -> None:
    p = mk("p", None, *parent)
    kids = [mk(f"c{i}", "p", s, e) for i, (s, e) in enumerate(children)]
    assert self_time(p, kids) == expected
    assert self_times(build_tree(Trace(trace_id="5e1f", spans=[p, *kids])))["p"] == expected


def test_guide_example_36us_parent() -> None:
    # GUIDE 1: a 36 us parent with children covering 3..34 us has 5 us: 36 - 31 = 5 us = 5,000 ns.
    p = mk("p", None, 0, 36_000)
    kids = [mk("a", "p", 3_000, 20_000), mk("b", "p", 18_000, 34_000)]
    assert self_times(build_tree(Trace(trace_id="5e1f", spans=[p, *kids]))) == {
        "p": 5_000, "a": 17_000, "b": 16_000,
    }


def test_child_before_parent_start_is_clipped() -> None:
    # p [10,30], a [5,20] (clock skew) -> clipped [10,20]: p self = 20 - 10 = 10; a itself keeps 15.
    tree = build_tree(Trace(trace_id="5e1f", spans=[mk("p", None, 10, 30), mk("a", "p", 5, 20)]))
    assert self_times(tree) == {"p": 10, "a": 15}


def test_self_time_uses_raw_children_not_sanitised_ones() -> None:
    # r [0,10]; a [5,20] outlives r; b [12,15] under a.  The critical path would drop b
    # (it starts after a's clipped end 10), but self time uses raw spans:
    # a = 15 - 3 = 12; r = 10 - |[5,10]| = 5; b = 3.
    tree = build_tree(Trace(trace_id="5e1f", spans=[
        mk("r", None, 0, 10), mk("a", "r", 5, 20), mk("b", "a", 12, 15)]))
    assert self_times(tree) == {"r": 5, "a": 12, "b": 3}


def test_zero_length_spans() -> None:
    # p [0,10] with z [4,4]: covers nothing -> p 10, z 0.  A zero-length parent has 0.
    tree = build_tree(Trace(trace_id="5e1f", spans=[
        mk("p", None, 0, 10), mk("z", "p", 4, 4), mk("y", "z", 2, 8)]))
    assert self_times(tree) == {"p": 10, "z": 0, "y": 6}


def test_equal_and_touching_children() -> None:
    # p [0,20]; a [2,6], b [6,9] touch at 6, c [2,6] equals a: union [2,9] = 7 -> 13.
    tree = build_tree(Trace(trace_id="5e1f", spans=[
        mk("p", None, 0, 20), mk("a", "p", 2, 6), mk("b", "p", 6, 9), mk("c", "p", 2, 6)]))
    assert self_times(tree)["p"] == 13


def test_covered_ns_helper() -> None:
    # [0,100] with [10,60],[30,80],[90,130] -> [10,80] (70) + [90,100] (10) = 80
    assert covered_ns(0, 100, [(10, 60), (30, 80), (90, 130)]) == 80
    assert covered_ns(0, 100, []) == 0


def test_seed_additem_self_time_is_union_not_sum() -> None:
    # GUIDE 4: AddItem 1,066,789,345 ns; dns.lookup [0, 1,361,055]; tcp.connect
    # [1,000,000, 1,778,763]; the cart server 382,800 ns, later (disjoint from both).
    # union = [0, 1,778,763] + 382,800 = 2,161,563 -> 1,066,789,345 - 2,161,563 = 1,064,627,782
    # (the seed's 1,064.27 ms subtracted the sum 1,361,055 + 778,763 + 382,800 instead).
    t0 = 1_732_000_000_000_000_000
    tree = build_tree(Trace(trace_id="5e1f", spans=[
        mk("add", None, t0, t0 + 1_066_789_345),
        mk("dns", "add", t0, t0 + 1_361_055),
        mk("tcp", "add", t0 + 1_000_000, t0 + 1_778_763),
        mk("srv", "add", t0 + 1_066_200_000, t0 + 1_066_582_800),
    ]))
    assert self_times(tree)["add"] == 1_064_627_782


def test_deep_chain_no_recursion() -> None:
    # chain_trace(10_000): span k covers [k, 20000-k], its child [k+1, 19999-k]:
    # self = (20000-2k) - (20000-2k-2) = 2 for all but the last, which (k = 9999, [9999,10001]) is 2 too.
    times = self_times(build_tree(chain_trace(10_000)))
    assert len(times) == 10_000 and set(times.values()) == {2}
