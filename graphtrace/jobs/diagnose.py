"""The ``diagnose`` job: which service owns the slowdown between a baseline and an incident window.

One function per source, each returning a :class:`DiagnoseResult` (nothing printed):

* :func:`diagnose_files`: in memory, from trace files: either one set of files split by the two
  windows, or a baseline file set and an incident file set (each whole, unless windows are given);
* :func:`diagnose_neo4j`: the ``diagnose-owned`` recipe over the stored, annotated traces;
* the recipe's rows are compared with the in-memory rows by :mod:`graphtrace.jobs.check_diagnose`
  (``graphtrace check --all``).

Both sources give the rows of :mod:`graphtrace.analysis.owned`; the ranking is
:func:`graphtrace.analysis.owned_rank.diagnose_rows`.

>>> parse_window("2024-11-19T07:06:40Z..2024-11-19T07:11:40Z", now_ns=0)
(1732000000000000000, 1732000300000000000)
>>> parse_window("now-10m..now", now_ns=3_600_000_000_000)
(3000000000000, 3600000000000)
>>> parse_window("..1000", now_ns=0)
(None, 1000)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import neo4j
from pydantic import BaseModel, Field

from graphtrace.analysis.owned import sort_rows, window_rows
from graphtrace.analysis.owned_rank import Diagnosis, diagnose_rows
from graphtrace.jobs.check_diagnose import owned_rows_neo4j
from graphtrace.errors import InputError
from graphtrace.model import Diagnostic

Window = tuple[int | None, int | None]


class WindowInfo(BaseModel):
    since_ns: int | None = None
    until_ns: int | None = None
    files: list[str] = Field(default_factory=list)


class DiagnoseResult(Diagnosis):
    """The ranking (:class:`~graphtrace.analysis.owned_rank.Diagnosis`) and where it came from."""

    source: str = Field(description="'files' or 'neo4j'")
    baseline: WindowInfo
    incident: WindowInfo
    skipped: list[Diagnostic] = Field(default_factory=list, description="records the readers skipped")
    warnings: list[Diagnostic] = Field(default_factory=list, description="the readers' warnings")


def parse_instant(text: str, now_ns: int) -> int:
    """ISO-8601, integer ns since the epoch, ``now``, ``now-30m`` or ``-30m`` (relative to now)."""
    from graphtrace.recipes.values import ValueProblem, parse_duration, parse_time

    t = text.strip()
    try:
        if t.lower() == "now":
            return now_ns
        if t.lower().startswith("now-") or t.lower().startswith("now+"):
            return now_ns + parse_duration(t[3:].replace("+", "", 1))
        if t.startswith("-") and not t[1:].isdigit():
            return now_ns + parse_duration(t)
        return parse_time(t)
    except ValueProblem as exc:
        raise InputError(str(exc), record=text) from exc


def parse_window(text: str, now_ns: int | None = None) -> Window:
    """``SINCE..UNTIL`` (either side may be empty: no bound) -> ``(since_ns, until_ns)``."""
    if ".." not in text:
        raise InputError("expected SINCE..UNTIL (ISO-8601, ns since the epoch, now, now-30m)", record=text)
    now = time.time_ns() if now_ns is None else now_ns
    since, until = text.split("..", 1)
    bounds = tuple(parse_instant(p, now) if p.strip() else None for p in (since, until))
    if bounds[0] is not None and bounds[1] is not None and bounds[0] >= bounds[1]:
        raise InputError("the window ends before it starts", record=text)
    return bounds  # type: ignore[return-value]


def _result(rows: list[dict[str, Any]], source: str, baseline: WindowInfo, incident: WindowInfo,
            diagnostics: tuple[list[Diagnostic], list[Diagnostic]] = ([], [])) -> DiagnoseResult:
    counts = {r["window"]: r["traces"] for r in rows if r["part"] == "requests"}
    for name in ("baseline", "incident"):
        if not counts.get(name):
            raise InputError(f"no trace in the {name} window", record=source)
    d = diagnose_rows(rows)
    return DiagnoseResult(**d.model_dump(), source=source, baseline=baseline, incident=incident,
                          skipped=diagnostics[0], warnings=diagnostics[1])


def _read(files: Sequence[str]) -> tuple[list[Any], tuple[list[Diagnostic], list[Diagnostic]]]:
    from graphtrace.analysis.tree import build_tree
    from graphtrace.readers import read_traces

    stream = read_traces(list(files))
    trees = [build_tree(t) for t in stream]
    return trees, (list(stream.skipped), list(stream.warnings))


def diagnose_files(*, files: Sequence[str] = (), baseline_files: Sequence[str] = (),
                   incident_files: Sequence[str] = (), baseline: Window = (None, None),
                   incident: Window = (None, None)) -> DiagnoseResult:
    """Diagnose in memory.  ``files`` are split by the ``baseline`` and ``incident`` windows; or
    ``baseline_files`` and ``incident_files`` are the two windows (each filtered by its window)."""
    if files and (baseline_files or incident_files):
        raise InputError("give FILE... with --baseline/--incident, or --baseline-file and --incident-file",
                         record="diagnose")
    b_info = WindowInfo(since_ns=baseline[0], until_ns=baseline[1], files=list(files or baseline_files))
    i_info = WindowInfo(since_ns=incident[0], until_ns=incident[1], files=list(files or incident_files))
    if files:
        trees, diags = _read(files)
        rows = window_rows(trees, {"baseline": baseline, "incident": incident})
    else:
        if not baseline_files or not incident_files:
            raise InputError("give both --baseline-file and --incident-file", record="diagnose")
        b_trees, b_diags = _read(baseline_files)
        i_trees, i_diags = _read(incident_files)
        rows = sort_rows([*window_rows(b_trees, {"baseline": baseline}), *window_rows(i_trees, {"incident": incident})])
        diags = ([*b_diags[0], *i_diags[0]], [*b_diags[1], *i_diags[1]])
    return _result(rows, "files", b_info, i_info, diags)


def diagnose_neo4j(driver: neo4j.Driver, *, database: str, baseline: Window, incident: Window,
                   timeout_s: float | None = 120) -> DiagnoseResult:
    """Diagnose the stored, annotated traces (run the ``annotate`` recipe after ingest)."""
    rows = owned_rows_neo4j(driver, database=database, baseline=baseline, incident=incident, timeout_s=timeout_s)
    return _result(rows, "neo4j", WindowInfo(since_ns=baseline[0], until_ns=baseline[1]),
                   WindowInfo(since_ns=incident[0], until_ns=incident[1]))
