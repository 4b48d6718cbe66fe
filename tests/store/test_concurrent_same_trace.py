"""Two separate ``ingest`` calls writing the same trace at the same moment.

A trace known to be new takes the ``CREATE`` path; "new" is decided by the ``MERGE`` of its
``Trace`` node in the batch's own transaction, so the second writer waits on that node's lock
and then sees the first one's spans (the ``MERGE`` path).  The oracle is one writer alone: the
same trace shape written serially under another id must give the same counts.
"""

from __future__ import annotations

import threading

from graphtrace.model import Trace
from graphtrace.store.ingest import ingest
from graphtrace.store.read import counts

from tests.store.synth import make_trace


def _race(driver, database: str, pieces: list[Trace]) -> list[BaseException]:
    """Ingest each piece in its own thread, all released at once; the errors raised."""
    barrier = threading.Barrier(len(pieces))
    errors: list[BaseException] = []

    def run(piece: Trace) -> None:
        barrier.wait()
        try:
            ingest(driver, [piece], database=database)
        except BaseException as exc:  # noqa: BLE001 -- reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in pieces]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return errors


def test_the_same_new_trace_from_two_writers_is_stored_once(driver, database, ids):
    reference = make_trace(ids("serial"), seed=3)
    ingest(driver, [reference], database=database)
    expected = counts(driver, database=database, trace_ids=[reference.trace_id])
    # make_trace(calls=7): 1 + 4 * 7 + 1 = 30 spans, every span but the root has its parent in the trace
    assert (expected["spans"], expected["parent_edges"]) == (30, 29)
    for round_ in range(3):
        trace = make_trace(ids(f"twice-{round_}"), seed=3)
        assert _race(driver, database, [trace, trace]) == []
        assert counts(driver, database=database, trace_ids=[trace.trace_id]) == expected


def test_two_pieces_of_a_new_trace_from_two_writers_merge_whole(driver, database, ids):
    reference = make_trace(ids("serial"), seed=4)
    ingest(driver, [reference], database=database)
    expected = counts(driver, database=database, trace_ids=[reference.trace_id])
    for round_ in range(3):
        trace = make_trace(ids(f"pieces-{round_}"), seed=4)
        # Parents in one piece, their children in the other: whichever writer comes second must
        # link its spans to the first one's (children adopted, remote calls across the pieces).
        first = Trace(trace_id=trace.trace_id, spans=trace.spans[::2])
        second = Trace(trace_id=trace.trace_id, spans=trace.spans[1::2])
        assert _race(driver, database, [first, second]) == []
        assert counts(driver, database=database, trace_ids=[trace.trace_id]) == expected
