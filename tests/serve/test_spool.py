"""The spool on its own: fsync'd appends read back exactly once, rotation, removal, replay, corrupt tails."""

from __future__ import annotations

import threading

import pytest

from graphtrace.readers.build import make_span
from graphtrace.spool.grouper import Grouper
from graphtrace.spool.records import HEADER_SIZE, JSON, PROTO, encode
from graphtrace.spool.spool import Spool, SpoolFull, segment_name


def _drain(spool: Spool, cursor=None):
    cursor = cursor or spool.start_cursor()
    out = []
    while True:
        batch, after = spool.read(cursor, max_bytes=64)
        out += batch
        if after == cursor:
            return out, cursor
        cursor = after


def test_concurrent_appends_are_each_read_once_in_order_per_writer(tmp_path):
    spool = Spool(tmp_path, segment_bytes=2_000)          # small segments: many rotations
    def write(w: int) -> None:
        for i in range(200):
            spool.append(PROTO, f"{w}:{i}".encode())
    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    records, _ = _drain(spool)
    payloads = [r.payload.decode() for _, r in records]
    assert len(payloads) == 800 == len(set(payloads))     # 4 writers x 200, none twice
    for w in range(4):
        assert [p for p in payloads if p.startswith(f"{w}:")] == [f"{w}:{i}" for i in range(200)]
    assert len(spool.segments()) > 2
    spool.close()


def test_replay_after_reopen_and_removal_of_sealed_segments(tmp_path):
    spool = Spool(tmp_path)
    spool.append(JSON, b'{"a": 1}')
    spool.append(PROTO, b"\x01")
    spool.close()                                          # like a restart
    again = Spool(tmp_path)
    records, cursor = _drain(again)
    assert [(seg, r.kind, r.payload) for seg, r in records] == [(1, JSON, b'{"a": 1}'), (1, PROTO, b"\x01")]
    assert again.is_sealed(1) and not again.is_sealed(2)
    assert again.remove(1) and not (tmp_path / segment_name(1)).exists()
    assert not again.remove(2)                              # the active segment stays
    again.close()


def test_a_cut_short_or_corrupt_tail_is_reported_and_the_rest_is_read(tmp_path):
    spool = Spool(tmp_path)
    for payload in (b"first", b"second"):
        spool.append(PROTO, payload)
    spool.close()
    path = tmp_path / segment_name(1)
    whole = path.read_bytes()
    path.write_bytes(whole + encode(PROTO, b"third")[:HEADER_SIZE + 2])   # a crash in mid-write
    again = Spool(tmp_path)
    records, _ = _drain(again)
    assert [r.payload for _, r in records] == [b"first", b"second"]
    assert len(again.problems) == 1 and "cut short" in again.problems[0]
    again.close()

    bad = bytearray(whole)
    bad[-1] ^= 0xFF                                        # flip a bit of the second record's payload
    path.write_bytes(bytes(bad))
    third = Spool(tmp_path)
    records, _ = _drain(third)
    assert [r.payload for _, r in records] == [b"first"]
    assert "checksum" in third.problems[0]
    third.close()


def test_a_full_spool_refuses_and_accepts_again_once_segments_are_removed(tmp_path):
    record = len(encode(PROTO, b"x" * 100))
    spool = Spool(tmp_path, segment_bytes=record, max_bytes=3 * record)
    for _ in range(3):
        spool.append(PROTO, b"x" * 100)
    with pytest.raises(SpoolFull):
        spool.append(PROTO, b"x" * 100)
    assert spool.remove(1)
    spool.append(PROTO, b"x" * 100)
    spool.close()


def test_grouper_waits_for_quiet_then_hands_over_and_tracks_segments():
    g = Grouper(decision_wait=10.0)
    a = make_span("t1", "a", None, "svc", "root", "SERVER", 0, 10)
    b = make_span("t1", "b", "a", "svc", "child", "INTERNAL", 1, 5)
    g.add(1, [a], now=0.0)
    g.add(2, [b], now=8.0)                                 # t1 is quiet from 8.0 on
    assert g.due(now=17.9) == []
    [piece] = g.due(now=18.0)
    assert [s.span_id for s in piece.spans] == ["a", "b"] and piece.segments == {1, 2}
    assert not g.unused(1)
    g.retry([piece], now=20.0)                            # the write failed: back in, waits again
    late = make_span("t1", "c", "a", "svc", "late", "INTERNAL", 6, 9)
    g.add(3, [late], now=21.0)
    [again] = g.due(now=31.0)
    assert sorted(s.span_id for s in again.spans) == ["a", "b", "c"] and again.segments == {1, 2, 3}
    assert g.written([again]) == {1: 0, 2: 0, 3: 0}
    assert g.unused(1) and g.pending_spans == 0
