"""The per-minute rollups written by the import itself, not rebuilt from the stored spans afterwards.

The CSV writer holds each whole trace (pieces merged) once it has been checked; a
:class:`RollupTally` given to :func:`~graphtrace.store.bulk.write_csvs` measures it there
(``measure``: the trace's part, or None when it has none), and counts the part once every row
of the trace is written (``add``: a refused trace never counts).  A trace whose part is counted
gets ``Trace.rollup = true`` in its CSV row, as :data:`graphtrace.store.rollups.MARK` sets it.
Each shard fills its own copy of the tally (copies travel to the writer processes and back);
the parent ``merge``\\ s them and writes one ``Rollup`` node per row of ``rows()``: the rows
:func:`graphtrace.store.rollups.apply_rollups` takes (``graphtrace.analysis.rollup.store_rows``),
stored with every property ``APPLY_DELTA`` gives a new cell (``rkey`` included; a cell whose
count is 0 is not written, as the delta deletes it; an empty sketch list is set after the
import, see :func:`rollup_cells`).

What a part is, and how parts add up, is the caller's (the jobs layer joins the analysis that
computes it with this store): the store only needs the protocol below.

>>> row = {"kind": "op", "minute": 3, "service": "s", "callee": "", "operation": "x", "n": 1, "errors": 0,
...        "inferred": 0, "unknown": 0, "traces": 1, "cp_traces": 0, "sum_ns": 5, "keys": [82], "counts": [1],
...        "gkeys": [], "gcounts": []}
>>> cells = rollup_cells(row)
>>> cells[0], cells[2], cells[-4:]
('["op",3,"s","","x"]', 3, ['82', '1', ABSENT, ABSENT])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from graphtrace.store.bulk.csvfiles import ABSENT, ARRAY_DELIMITER, CsvSet
from graphtrace.store.rollups import rkey

ROLLUP = "Rollup"
MARK_PROPERTY = "rollup"  # Trace.rollup = true: the trace's part is in the rollups

_KEY = (("kind", "string"), ("minute", "long"), ("service", "string"), ("callee", "string"),
        ("operation", "string"))
_COUNTS = tuple((name, "long") for name in ("n", "errors", "inferred", "unknown", "traces", "cp_traces", "sum_ns"))
_SKETCHES = tuple((name, "long[]") for name in ("keys", "counts", "gkeys", "gcounts"))
COLUMNS = (("rkey", "string"), *_KEY, *_COUNTS, *_SKETCHES)


class RollupTally(Protocol):
    """What the CSV writer needs to put the rollups into the import (picklable: it travels to the
    writer processes and back)."""

    def measure(self, trace: Any) -> Any | None:
        """The part of one whole, storable trace; None when it has none (the trace stays unmarked).
        Never raises for a trace the store accepts (an ``InputError`` here would refuse the trace)."""

    def add(self, part: Any) -> None:
        """Count a part whose trace is written."""

    def merge(self, other: Any) -> None:
        """Add another shard's tally into this one."""

    def rows(self) -> list[dict[str, Any]]:
        """The rollup cells counted, as ``apply_rollups`` rows."""


def rollup_cells(row: dict[str, Any]) -> list[Any]:
    """The CSV cells of one rollup row over :data:`COLUMNS`.

    Arrays are joined with the import's array delimiter.  neo4j-admin cannot store an empty
    array (an empty field, quoted or not, is no property), so an empty sketch is left absent
    here and set to ``[]``, as ``APPLY_DELTA`` stores it, once the server is up
    (:func:`graphtrace.store.rollups.fill_empty_sketches`).
    """
    cells: list[Any] = [rkey(row)]
    cells.extend(row[name] for name, _ in _KEY)
    cells.extend(int(row[name]) for name, _ in _COUNTS)
    cells.extend(ARRAY_DELIMITER.join(map(str, row[name])) if row[name] else ABSENT for name, _ in _SKETCHES)
    return cells


def rollup_csvs(directory: Path, rows: list[dict[str, Any]]) -> CsvSet:
    """The ``Rollup`` nodes of ``rows`` in their own CSV set under ``directory`` (cells of count 0 left out)."""
    csvs = CsvSet(directory)
    for row in rows:
        if row["n"] == 0:
            continue
        cells = rollup_cells(row)
        csvs.node((ROLLUP,), ROLLUP, cells[0], COLUMNS, cells)
    csvs.close()
    return csvs
