"""``write_csvs`` over several processes, without Neo4j: what must stay global stays exact.

The graph itself is compared with the driver path's in ``test_bulk.py`` (with 1 and 2
workers); here the expected values are derived by hand from the input: which traces are
refused and in what order, how many services, which error a child raises.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from graphtrace.errors import InputError
from graphtrace.model import Link, Span, Trace
from graphtrace.readers import read_traces
from graphtrace.store.bulk import write_csvs
from graphtrace.model import shard_of


def _ids(prefix: str) -> tuple[str, str]:
    """A trace id of shard 0 and one of shard 1 (of 2), both starting with ``prefix``."""
    found: dict[int, str] = {}
    for i in range(1000):
        found.setdefault(shard_of(f"{prefix}{i}", 2), f"{prefix}{i}")
    return found[0], found[1]


def _trace(tid: str, service: str, *span_ids: str, links: list[Link] | None = None) -> Trace:
    spans = [Span(trace_id=tid, span_id=sid, service=service, start_ns=10, end_ns=20,
                  parent_span_id=span_ids[0] if i else None, links=links or [] if i == 0 else [])
             for i, sid in enumerate(span_ids)]
    return Trace(trace_id=tid, spans=spans)


def _bad(tid: str) -> Trace:
    """Refused by ``prepare``: two spans with one id."""
    span = Span(trace_id=tid, span_id="dup", service="bad", start_ns=1, end_ns=2)
    return Trace(trace_id=tid, spans=[span, span])


def mixed() -> list[Trace]:
    """Good and refused traces of both shards, interleaved; a trace in two pieces far apart; a trace
    (``d1``) whose late second piece is refused alone (the driver path skips that piece, there)."""
    a0, a1 = _ids("a-")
    b0, b1 = _ids("b-")
    c0, c1 = _ids("c-")
    d0, d1 = _ids("d-")
    return [_trace(a0, "front", "r", "x"), _trace(d1, "back", "p"), _bad(b1), _trace(a1, "back", "r"), _bad(b0),
            _trace(c0, "front", "r", links=[Link(trace_id=a1, span_id="r")]), _trace(c1, "db", "q"),
            _trace(a0, "front", "y"), _bad(b1 + "-again"), _bad(d1)]


def _count_services(counts) -> list[str]:
    names = []
    for arg in counts.csvs.import_args():
        if arg.startswith("--nodes=Service="):
            with open(arg.split("=", 2)[2], newline="", encoding="utf-8") as handle:
                names += [row[0] for row in list(csv.reader(handle))[1:]]
    return names


@pytest.mark.parametrize("workers", [1, 2])
def test_skipped_traces_once_in_stream_order(tmp_path, workers):
    b0, b1 = _ids("b-")
    counts = write_csvs(mixed(), tmp_path, workers=workers, reread=mixed)
    assert counts.workers == workers
    d0, d1 = _ids("d-")
    assert [d.record for d in counts.skipped] == [f"trace {b1} span dup", f"trace {b0} span dup",
                                                  f"trace {b1}-again span dup", f"trace {d1} span dup"]
    a0, a1 = _ids("a-")
    c0, c1 = _ids("c-")
    assert counts.trace_ids == [a0, d1, a1, c0, c1]  # first-arrival order; a0's second piece merged
    assert (counts.traces, counts.spans) == (5, 7)  # a0: r, x, y; d1: p; a1: r; c0: r; c1: q
    # HAS_SPAN and IN_SERVICE per span, a0's r -> x (y is a root), c0's link to a1/r (in the other shard)
    assert counts.relationships == {"HAS_SPAN": 7, "IN_SERVICE": 7, "PARENT_OF": 1, "LINKS_TO": 1}
    assert counts.services == 3 and sorted(_count_services(counts)) == ["back", "db", "front"]


def test_every_file_listed_once_with_multiline_merged(tmp_path):
    counts = write_csvs(_multiline(), tmp_path, workers=2, reread=_multiline)
    args = counts.csvs.import_args()
    files = [a.split("=", 2)[2] for a in args if a.startswith(("--nodes=", "--relationships="))]
    assert len(files) == len(set(files))
    assert any("/part-1/" in f for f in files) and any("/part-1/" not in f for f in files)
    multiline = [a for a in args if a.startswith("--multiline-fields=")]
    assert len(multiline) == 1  # both shards' Span files have a line break in a name
    assert sum("nodes-Span" in f for f in multiline[0].split("=", 1)[1].split(",")) == 2


def _multiline() -> list[Trace]:
    a0, a1 = _ids("a-")
    return [Trace(trace_id=t, spans=[Span(trace_id=t, span_id="s", name="two\nlines", start_ns=1, end_ns=2)])
            for t in (a0, a1)]


def test_strict_raises_the_first_refused_trace_of_the_stream_from_a_child(tmp_path):
    b0, b1 = _ids("b-")
    with pytest.raises(InputError) as info:
        write_csvs(mixed(), tmp_path, strict=True, workers=2, reread=mixed)
    assert type(info.value) is InputError  # b1 (shard 1, a child) comes before b0 (shard 0, here)
    assert (info.value.record, info.value.field) == (f"trace {b1} span dup", "span_id")


def _missing() -> list[Trace]:
    return read_traces(["/nonexistent-graphtrace-input/x.json"])


def test_a_child_error_comes_back_as_the_same_error(tmp_path):
    with pytest.raises(InputError) as info:
        write_csvs(mixed(), tmp_path, workers=2, reread=_missing)
    assert info.value.file == "/nonexistent-graphtrace-input/x.json"
    assert "Traceback" not in str(info.value)


def test_without_reread_one_process_writes(tmp_path):
    counts = write_csvs(mixed(), tmp_path, workers=2)
    assert counts.workers == 1 and counts.traces == 5
    assert not (Path(tmp_path) / "part-1").exists()


def _late_piece_refused() -> list[Trace]:
    a0, _ = _ids("a-")
    _, b1 = _ids("b-")
    _, d1 = _ids("d-")
    return [_trace(d1, "back", "p"), _trace(a0, "front", "r"), _bad(b1), _bad(d1)]


@pytest.mark.parametrize("workers", [1, 2])
def test_strict_raises_by_the_position_of_the_refused_piece(tmp_path, workers):
    # d1 arrives first, but its refused piece comes after b1 (same shard): b1 is the first refusal
    _, b1 = _ids("b-")
    with pytest.raises(InputError) as info:
        write_csvs(_late_piece_refused(), tmp_path, strict=True, workers=workers, reread=_late_piece_refused)
    assert info.value.record == f"trace {b1} span dup"
