"""client_server_pairs / RemoteCall: expected values derived by hand in the comments."""

from graphtrace.analysis.gaps import client_server_pairs, remote_call
from graphtrace.analysis.tree import build_tree
from graphtrace.model import Span, Trace


def mk(sid, parent, service, kind, start, end, name=None):
    return Span(trace_id="t", span_id=sid, parent_span_id=parent, service=service, name=name or sid,
                kind=kind, start_ns=start, end_ns=end)


def pairs(*spans):
    return client_server_pairs(build_tree(Trace(trace_id="t", spans=list(spans))))


def test_basic_split():
    # C [0,100], S [30,80]: gap 100-50=50, before 30-0=30, after 100-80=20, ratio 100/50=2.0
    [call] = pairs(mk("c", None, "frontend", "CLIENT", 0, 100, "grpc.Cart/Get"),
                   mk("s", "c", "cart", "SERVER", 30, 80, "Cart/Get"))
    assert (call.client_span_id, call.server_span_id) == ("c", "s")
    assert (call.caller, call.callee, call.operation) == ("frontend", "cart", "Cart/Get")
    assert (call.client_ns, call.server_ns) == (100, 50)
    assert (call.gap_ns, call.before_ns, call.after_ns, call.ratio) == (50, 30, 20, 2.0)


def test_seed_add_item_numbers():
    # seed: client 1,066,789,345 ns, server 382,800 ns placed at +1,066,304,000 (examples/README.md)
    # gap = 1,066,789,345 - 382,800 = 1,066,406,545; before = 1,066,304,000;
    # after = 1,066,789,345 - (1,066,304,000 + 382,800) = 102,545; ratio = 2,786.8...
    [call] = pairs(mk("c", None, "frontend", "CLIENT", 0, 1_066_789_345),
                   mk("s", "c", "cart", "SERVER", 1_066_304_000, 1_066_304_000 + 382_800))
    assert call.gap_ns == 1_066_406_545
    assert (call.before_ns, call.after_ns) == (1_066_304_000, 102_545)
    assert 2786.8 < call.ratio < 2786.9


def test_clock_skew_gives_negative_before_without_crashing():
    # C [1000,2000], S [400,1400] (server clock 0.6 µs behind): before 400-1000 = -600,
    # after 2000-1400 = 600, gap 1000-1000 = 0, ratio 1.0
    [call] = pairs(mk("c", None, "a", "CLIENT", 1000, 2000), mk("s", "c", "b", "SERVER", 400, 1400))
    assert (call.before_ns, call.after_ns, call.gap_ns, call.ratio) == (-600, 600, 0, 1.0)


def test_server_longer_than_client_gives_negative_gap():
    # C [10,20], S [5,30]: gap 10-25 = -15, before -5, after -10, ratio 10/25 = 0.4
    call = remote_call(mk("c", None, "a", "CLIENT", 10, 20), mk("s", "c", "b", "SERVER", 5, 30))
    assert (call.gap_ns, call.before_ns, call.after_ns, call.ratio) == (-15, -5, -10, 0.4)


def test_zero_length_server_has_no_ratio():
    [call] = pairs(mk("c", None, "a", "CLIENT", 0, 10), mk("s", "c", "b", "SERVER", 4, 4))
    assert call.ratio is None and call.gap_ns == 10


def test_one_call_per_server_child_in_start_order():
    calls = pairs(mk("c", None, "a", "CLIENT", 0, 100), mk("s2", "c", "b", "SERVER", 50, 60),
                  mk("s1", "c", "b", "SERVER", 10, 20), mk("i", "c", "a", "INTERNAL", 0, 5))
    assert [c.server_span_id for c in calls] == ["s1", "s2"]


def test_only_client_to_server_edges_count():
    # INTERNAL -> SERVER, CLIENT -> INTERNAL, SERVER -> SERVER: none is a remote call
    assert pairs(mk("i", None, "a", "INTERNAL", 0, 10), mk("s", "i", "b", "SERVER", 1, 9),
                 mk("c", "s", "b", "CLIENT", 2, 8), mk("x", "c", "b", "INTERNAL", 3, 4),
                 mk("s2", "s", "c", "SERVER", 5, 6)) == []


def test_preorder_of_clients():
    # root CLIENT r -> SERVER a -> CLIENT b -> SERVER c: calls (r,a) then (b,c)
    calls = pairs(mk("r", None, "x", "CLIENT", 0, 100), mk("a", "r", "y", "SERVER", 10, 90),
                  mk("b", "a", "y", "CLIENT", 20, 80), mk("c", "b", "z", "SERVER", 30, 70))
    assert [(c.client_span_id, c.server_span_id) for c in calls] == [("r", "a"), ("b", "c")]
