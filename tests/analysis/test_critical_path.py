"""Critical path on hand-made traces; every expectation is derived by hand in the comments.

Notation: ``X [a,b]`` is a span's interval; ``LFC`` the last-finishing child;
the walk at span S starts with t = S.end and takes the child with the greatest
end <= t on the first step, < t afterwards (ties: earliest start, then id).

Cases ``jaeger_*`` port Jaeger UI's CriticalPath ``testCases/test1..9`` as data.
"""

from __future__ import annotations

from graphtrace.analysis.critical_path import critical_path, critical_path_times, on_path, sanitize, walk
from graphtrace.analysis.tree import build_tree
from graphtrace.model import RefType, Span, Trace
from tests.analysis.strategies import chain_trace


def mk(sid: str, parent: str | None, start: int, end: int, **kw) -> Span:
    return Span(trace_id="c417", span_id=sid, parent_span_id=parent, start_ns=start, end_ns=end, **kw)


def tree_of(*spans: Span):
    return build_tree(Trace(trace_id="c417", spans=list(spans)))


def path(tree) -> list[tuple[str, int, int]]:
    return [(s.span_id, s.start_ns, s.end_ns) for s in critical_path(tree)]


def test_jaeger_test1_sequential_children() -> None:
    # C [1,101]; D [20,40], E [50,60].  C: LFC E (60) -> C [60,101]; E leaf -> E [50,60];
    # back in C, t=50: D ends 40 < 50 -> C [40,50]; D -> D [20,40]; t=20, none left -> C [1,20].
    tree = tree_of(mk("E", "C", 50, 60), mk("C", None, 1, 101), mk("D", "C", 20, 40))
    assert path(tree) == [("C", 1, 20), ("D", 20, 40), ("C", 40, 50), ("E", 50, 60), ("C", 60, 101)]
    assert critical_path_times(critical_path(tree)) == {"C": 19 + 10 + 41, "D": 20, "E": 10}


def test_jaeger_test2_overlapping_children() -> None:
    # X [1,101]; A [10,50], C [20,60].  LFC C -> X [60,101], C [20,60]; t=20: A ends 50 >= 20,
    # not eligible -> X [1,20].  A is not on the path.
    tree = tree_of(mk("X", None, 1, 101), mk("A", "X", 10, 50), mk("C", "X", 20, 60))
    assert path(tree) == [("X", 1, 20), ("C", 20, 60), ("X", 60, 101)]
    assert on_path(tree) == {"X", "C"}


def test_jaeger_test3_test4_child_after_parent_dropped_with_descendants() -> None:
    # A [1,31]; B [40,80] starts after A ends -> dropped; its child c [50,60] goes with it.
    tree = tree_of(mk("A", None, 1, 31), mk("B", "A", 40, 80), mk("c", "B", 50, 60))
    assert sanitize(tree) == {"A": (1, 31)}
    assert path(tree) == [("A", 1, 31)]


def test_jaeger_test5_follows_from_is_kept_unlike_jaeger() -> None:
    # A [1,31]; B [10,20] FOLLOWS_FROM A.  Jaeger UI prunes FOLLOWS_FROM children (its answer:
    # A alone).  Our documented sanitising only prunes PRODUCER->CONSUMER, so B blocks:
    # A [20,31], B [10,20], A [1,10].
    tree = tree_of(mk("A", None, 1, 31), mk("B", "A", 10, 20, ref_type=RefType.FOLLOWS_FROM))
    assert path(tree) == [("A", 1, 10), ("B", 10, 20), ("A", 20, 31)]


def test_jaeger_test6_grandchild_clipped_by_clipped_parent() -> None:
    # A [1,30]; B [15,35] -> clipped [15,30]; C [10,25] under B -> clipped to B: [15,25].
    # A: LFC B ends 30 = A.end (first step, <=) -> A [30,30] skipped.  B: LFC C -> B [25,30];
    # C leaf -> C [15,25]; B, t=15: none -> B [15,15] skipped; A, t=15 -> A [1,15].
    tree = tree_of(mk("A", None, 1, 30), mk("B", "A", 15, 35), mk("C", "B", 10, 25))
    assert sanitize(tree) == {"A": (1, 30), "B": (15, 30), "C": (15, 25)}
    assert path(tree) == [("A", 1, 15), ("C", 15, 25), ("B", 25, 30)]


def test_jaeger_test7_chain_outliving_parents() -> None:
    # A [1,30]; B [15,35] -> [15,30]; C [20,40] -> [20,30].  C [20,30], B [15,20], A [1,15].
    tree = tree_of(mk("A", None, 1, 30), mk("B", "A", 15, 35), mk("C", "B", 20, 40))
    assert path(tree) == [("A", 1, 15), ("B", 15, 20), ("C", 20, 30)]


def test_jaeger_test8_child_covering_parent_both_sides() -> None:
    # A [10,30]; B [5,35] -> clipped [10,30] = all of A.  A: LFC B at 30 -> [30,30] skipped;
    # B [10,30]; A, t=10 -> [10,10] skipped.  A owns 0 ns but is reached.
    tree = tree_of(mk("A", None, 10, 30), mk("B", "A", 5, 35))
    assert path(tree) == [("B", 10, 30)]
    assert on_path(tree) == {"A", "B"}
    assert critical_path_times(critical_path(tree)) == {"B": 20}


def test_jaeger_test9_child_before_parent_dropped() -> None:
    # A [10,30]; B [1,5] ends before A starts -> dropped.  A [10,30].
    tree = tree_of(mk("A", None, 10, 30), mk("B", "A", 1, 5))
    assert path(tree) == [("A", 10, 30)]


def test_child_starting_before_parent_is_clipped() -> None:
    # R [10,30]; A [5,20] (skew) -> [10,20].  R: LFC A -> R [20,30]; A [10,20]; t=10 -> nothing.
    tree = tree_of(mk("R", None, 10, 30), mk("A", "R", 5, 20))
    assert path(tree) == [("A", 10, 20), ("R", 20, 30)]


def test_sanitising_is_against_the_sanitised_parent() -> None:
    # R [0,10]; A [5,20] -> [5,10]; B [12,15] under A starts after A's *effective* end 10 -> dropped.
    tree = tree_of(mk("R", None, 0, 10), mk("A", "R", 5, 20), mk("B", "A", 12, 15))
    assert sanitize(tree) == {"R": (0, 10), "A": (5, 10)}
    assert path(tree) == [("R", 0, 5), ("A", 5, 10)]


def test_producer_consumer_is_not_blocking() -> None:
    # R [0,100]; P PRODUCER [10,20]; Q CONSUMER of P [15,90] (pruned, with its child W [30,40]).
    # R: LFC P (20) -> R [20,100]; P [10,20]; t=10 -> R [0,10].
    # A CONSUMER under a non-producer still blocks; a second root shows it (offsets from 200):
    # S [0,10]; K CLIENT [2,8]; M CONSUMER [3,7]: S [8,10], K [7,8], M [3,7], K [2,3], S [0,2].
    tree = tree_of(
        mk("R", None, 0, 100), mk("P", "R", 10, 20, kind="PRODUCER"),
        mk("Q", "P", 15, 90, kind="CONSUMER"), mk("W", "Q", 30, 40),
        mk("S", None, 200, 210), mk("K", "S", 202, 208, kind="CLIENT"),
        mk("M", "K", 203, 207, kind="CONSUMER"),
    )
    assert set(sanitize(tree)) == {"R", "P", "S", "K", "M"}
    assert path(tree) == [
        ("R", 0, 10), ("P", 10, 20), ("R", 20, 100),
        ("S", 200, 202), ("K", 202, 203), ("M", 203, 207), ("K", 207, 208), ("S", 208, 210),
    ]


def test_multiple_roots_and_orphans_each_get_a_path() -> None:
    # A [0,10] with B [2,5]: A [0,2], B [2,5], A [5,10].
    # O [5,20] names a missing parent (orphan root) with P [6,8]: O [5,6], P [6,8], O [8,20].
    # Ordered by (start, end, id): (0,2,A) (2,5,B) (5,6,O) (5,10,A) (6,8,P) (8,20,O).
    # Totals: A 2+5 = 7, B 3, O 1+12 = 13, P 2; sum 25 = 10 + 15 (the two root durations).
    tree = tree_of(mk("A", None, 0, 10), mk("B", "A", 2, 5), mk("O", "missing", 5, 20), mk("P", "O", 6, 8))
    assert path(tree) == [("A", 0, 2), ("B", 2, 5), ("O", 5, 6), ("A", 5, 10), ("P", 6, 8), ("O", 8, 20)]
    assert critical_path_times(critical_path(tree)) == {"A": 7, "B": 3, "O": 13, "P": 2}


def test_tie_on_end_goes_to_earliest_start_then_smallest_id() -> None:
    # R [0,10]; X [2,8], Y [4,8]: tie on end 8 -> earliest start X: R [8,10], X [2,8]; t=2 -> R [0,2].
    tree = tree_of(mk("R", None, 0, 10), mk("Y", "R", 4, 8), mk("X", "R", 2, 8))
    assert path(tree) == [("R", 0, 2), ("X", 2, 8), ("R", 8, 10)]
    # Same start and end: smallest id ("a" < "b") wins.
    tree = tree_of(mk("R", None, 0, 10), mk("b", "R", 2, 8), mk("a", "R", 2, 8))
    assert path(tree) == [("R", 0, 2), ("a", 2, 8), ("R", 8, 10)]


def test_first_step_takes_child_ending_at_parent_end_later_steps_are_strict() -> None:
    # R [0,10]; A [5,10] ends at R.end: eligible on the first step (<=): R [10,10] skipped, A [5,10].
    # B [2,5] ends exactly at A.start = t: later steps need end < t, so B is NOT taken: R [0,5].
    tree = tree_of(mk("R", None, 0, 10), mk("A", "R", 5, 10), mk("B", "R", 2, 5))
    assert path(tree) == [("R", 0, 5), ("A", 5, 10)]
    assert "B" not in on_path(tree)
    # With B [2,4] (ends before 5): R [4,5], B [2,4], R [0,2].
    tree = tree_of(mk("R", None, 0, 10), mk("A", "R", 5, 10), mk("B", "R", 2, 4))
    assert path(tree) == [("R", 0, 2), ("B", 2, 4), ("R", 4, 5), ("A", 5, 10)]


def test_zero_length_spans() -> None:
    # R [0,10]; Z [5,5] inside: kept (starts before 10, ends after 0).  R: LFC Z -> R [5,10];
    # Z: [5,5] skipped; R, t=5 -> R [0,5].  Z is reached with 0 ns.
    # Z0 [0,0] ends at R.start and Z10 [10,10] starts at R.end: both dropped.
    tree = tree_of(mk("R", None, 0, 10), mk("Z", "R", 5, 5), mk("Z0", "R", 0, 0), mk("Z10", "R", 10, 10))
    assert set(sanitize(tree)) == {"R", "Z"}
    assert path(tree) == [("R", 0, 5), ("R", 5, 10)]
    assert on_path(tree) == {"R", "Z"}
    # A zero-length root has no sections at all.
    assert path(tree_of(mk("R", None, 7, 7))) == []


def test_seed_additem_dns_not_on_path_tcp_is() -> None:
    # GUIDE 4.  Offsets from t0.  route [0, 1,070,000,000] with AddItem client
    # [0, 1,066,789,345] and GetCart [1,067,789,345, 1,069,289,345] after it.
    # Under AddItem: dns [0, 1,361,055], tcp [1,000,000, 1,778,763], server [1,066,200,000, 1,066,582,800].
    # route: LFC GetCart -> route [1,069,289,345, 1,070,000,000] = 710,655; GetCart 1,500,000;
    #   t = 1,067,789,345: AddItem ends before -> route [1,066,789,345, 1,067,789,345] = 1,000,000.
    # AddItem: LFC server -> AddItem [1,066,582,800, 1,066,789,345] = 206,545; server 382,800;
    #   t = 1,066,200,000: tcp (end 1,778,763) -> AddItem [1,778,763, 1,066,200,000] = 1,064,421,237;
    #   tcp 778,763; t = 1,000,000: dns ends 1,361,055 >= t -> skipped; AddItem [0, 1,000,000].
    # AddItem total 206,545 + 1,064,421,237 + 1,000,000 = 1,065,627,782.
    t0 = 1_732_000_000_000_000_000
    tree = tree_of(
        mk("route", None, t0, t0 + 1_070_000_000),
        mk("add", "route", t0, t0 + 1_066_789_345, kind="CLIENT"),
        mk("dns", "add", t0, t0 + 1_361_055),
        mk("tcp", "add", t0 + 1_000_000, t0 + 1_778_763),
        mk("srv", "add", t0 + 1_066_200_000, t0 + 1_066_582_800, kind="SERVER"),
        mk("getcart", "route", t0 + 1_067_789_345, t0 + 1_069_289_345, kind="CLIENT"),
    )
    sections, reached = walk(tree)
    cp = critical_path_times(sections)
    assert "dns" not in reached and "dns" not in cp
    assert cp == {"route": 710_655 + 1_000_000, "getcart": 1_500_000, "add": 1_065_627_782,
                  "srv": 382_800, "tcp": 778_763}
    assert sum(cp.values()) == 1_070_000_000


def test_deep_chain_walk_is_iterative() -> None:
    # chain_trace(10_000): span k [k, 20000-k].  Going down, k owns [19999-k, 20000-k]; the last
    # span (k = 9999, [9999,10001]) owns 2 ns; coming back up, k owns [k, k+1].
    # So 9,999 * 2 + 1 = 19,999 sections, each span 2 ns, total 20,000 = root duration.
    tree = build_tree(chain_trace(10_000))
    sections, reached = walk(tree)
    assert len(sections) == 19_999 and len(reached) == 10_000
    cp = critical_path_times(sections)
    assert len(cp) == 10_000 and set(cp.values()) == {2}
    assert sections[0].start_ns == 0 and sections[-1].end_ns == 20_000
