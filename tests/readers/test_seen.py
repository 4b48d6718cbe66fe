"""The reader's memory of emitted trace ids is bounded and still finds re-appearing traces."""

from graphtrace.readers.assemble import Assembler
from graphtrace.readers.build import SpanItem, make_span
from graphtrace.readers.context import ReadContext
from graphtrace.readers.seen import SeenIds


def test_recent_ids_exact_older_ids_probable_unknown_ids_none():
    seen = SeenIds(recent=3, capacity=1000)
    for i in range(10):
        seen.add(f"t{i}")
    assert [seen.check(f"t{i}") for i in (7, 8, 9)] == ["exact"] * 3
    # a Bloom filter has no false negatives: every older id is found
    assert [seen.check(f"t{i}") for i in range(7)] == ["probable"] * 7
    # 7 ids in a filter sized for 1000 at 1 in 1000: a chance match among 2000 new ids is very unlikely
    assert sum(seen.check(f"new{i}") is not None for i in range(2000)) <= 2


def test_memory_does_not_grow_with_the_ids():
    seen = SeenIds(recent=5, capacity=50)
    for i in range(10_000):
        seen.add(f"t{i}")
    assert len(seen._exact) == len(seen._order) == 5
    assert seen._older_count <= 50
    # the filter was emptied when full, but still covers the last `capacity` ids before the exact ones
    assert all(seen.check(f"t{i}") == "probable" for i in range(9_995 - 50, 9_995))
    assert seen.check("t9999") == "exact"


def test_adding_an_id_twice_keeps_one_entry():
    seen = SeenIds(recent=2, capacity=10)
    for tid in ("a", "a", "b", "a"):
        seen.add(tid)
    assert list(seen._order) == ["a", "b"] and seen._older_count == 0


def _item(trace: str, span: str) -> SpanItem:
    return SpanItem(make_span(trace, span, None, "svc", span, "INTERNAL", 0, 5), "f.ndjson", None)


def test_a_trace_back_after_the_exact_horizon_is_reported_as_probable():
    ctx = ReadContext()
    asm = Assembler(ctx, window=1, seen=SeenIds(recent=2, capacity=100))
    out = []
    for trace in ["x", "a", "b", "c", "d", "x"]:  # x comes back after 4 other traces
        for _ in range(64):  # the window is checked every 64 items: pad with repeats of one span
            out += asm.add(_item(trace, "s1")) or []
    out += asm.finish()
    assert [t.trace_id for t in out] == ["x", "a", "b", "c", "d", "x"]
    messages = [w.message for w in ctx.warnings]
    assert len(messages) == 1 and messages[0].startswith("trace probably re-appeared")


def test_a_trace_back_within_the_exact_horizon_is_reported_as_such():
    ctx = ReadContext()
    asm = Assembler(ctx, window=1, seen=SeenIds(recent=10, capacity=100))
    for trace in ["x", "a", "x"]:
        for _ in range(64):
            asm.add(_item(trace, "s1"))
    asm.finish()
    assert [w.message.split(" after")[0] for w in ctx.warnings] == ["trace re-appeared"]
