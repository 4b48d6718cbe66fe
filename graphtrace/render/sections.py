"""The tables of a trace report as (columns, rows) of display strings, shared by text and Markdown.

Input is ``TraceReport.model_dump()`` (plain dicts).  Times are shown in ms,
shares as percents of the trace duration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphtrace.render.units import format_ms, format_share

Table = tuple[list[str], list[list[str]]]
MAX_IDS = 3


def header_fields(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(label, value)`` pairs for the report header.

    >>> header_fields({"trace_id": "ab", "duration_ns": 1_500_000, "span_count": 3,
    ...                "services": ["cart", "web"], "root_span_ids": ["01"]})
    [('Trace', 'ab'), ('Duration', '1.50 ms'), ('Spans', '3'), ('Services', '2: cart, web'), ('Roots', '01')]
    """
    services = list(report.get("services") or [])
    roots = list(report.get("root_span_ids") or [])
    return [
        ("Trace", str(report.get("trace_id"))),
        ("Duration", f"{format_ms(report.get('duration_ns'))} ms"),
        ("Spans", str(report.get("span_count"))),
        ("Services", f"{len(services)}: {', '.join(services)}" if services else "0"),
        ("Roots", ", ".join(roots) if roots else "(none)"),
    ]


def _share(part: int, whole: int | None) -> str:
    return format_share(part / whole) if whole else "-"


def critical_path_table(report: Mapping[str, Any]) -> Table:
    """One row per span on the critical path, in the order it first appears on the path.

    ``at +ms`` is when the span's first section starts, from the trace start;
    ``cp ms`` is the sum of its sections; ``share`` is ``cp / trace duration``.

    >>> report = {"duration_ns": 10_000_000, "start_ns": 0, "spans": [
    ...     {"span_id": "a", "service": "s", "name": "root"}, {"span_id": "b", "service": "s", "name": "db"}],
    ...     "critical_path": [{"span_id": "a", "start_ns": 0, "end_ns": 2_000_000},
    ...                       {"span_id": "b", "start_ns": 2_000_000, "end_ns": 9_000_000},
    ...                       {"span_id": "a", "start_ns": 9_000_000, "end_ns": 10_000_000}]}
    >>> critical_path_table(report)[1]
    [['1', 'root', 's', 'a', '0.00', '3.00', '30.0%'], ['2', 'db', 's', 'b', '2.00', '7.00', '70.0%']]
    """
    names = {s["span_id"]: s for s in report.get("spans") or []}
    totals: dict[str, int] = {}
    first: dict[str, int] = {}
    for section in sorted(report.get("critical_path") or [], key=lambda s: (s["start_ns"], s["end_ns"])):
        sid = section["span_id"]
        totals[sid] = totals.get(sid, 0) + section["end_ns"] - section["start_ns"]
        first.setdefault(sid, section["start_ns"])
    start = report.get("start_ns") or 0
    rows = []
    for n, sid in enumerate(totals, 1):
        span = names.get(sid, {})
        rows.append([str(n), str(span.get("name", "?")), str(span.get("service", "?")), sid,
                     format_ms(first[sid] - start), format_ms(totals[sid]),
                     _share(totals[sid], report.get("duration_ns"))])
    return ["#", "span", "service", "span id", "at +ms", "cp ms", "share"], rows


def bottleneck_table(report: Mapping[str, Any]) -> Table:
    """The ranked bottlenecks: self time, critical-path time and share of the trace.

    >>> bottleneck_table({"bottlenecks": [{"span_id": "c1", "service": "web", "name": "AddItem",
    ...     "self_time_ns": 1_064_630_000, "critical_path_ns": 1_064_000_000, "share": 0.9843}]})[1]
    [['1', 'AddItem', 'web', 'c1', '1,064.63', '1,064.00', '98.4%']]
    """
    rows = [
        [str(n), str(b.get("name")), str(b.get("service")), str(b.get("span_id")),
         format_ms(b.get("self_time_ns")), format_ms(b.get("critical_path_ns")), format_share(b.get("share"))]
        for n, b in enumerate(report.get("bottlenecks") or [], 1)
    ]
    return ["#", "span", "service", "span id", "self ms", "cp ms", "share"], rows


def short_ids(ids: Sequence[str], limit: int = MAX_IDS) -> str:
    """At most ``limit`` ids, then how many more.

    >>> short_ids(["a", "b"]), short_ids(["a", "b", "c", "d", "e"])
    ('a, b', 'a, b, c (+2 more)')
    """
    shown = ", ".join(ids[:limit])
    return f"{shown} (+{len(ids) - limit} more)" if len(ids) > limit else shown


def anomaly_table(report: Mapping[str, Any]) -> Table:
    """Anomalies in report order: type, the spans involved and the message.

    >>> anomaly_table({"anomalies": [{"type": "cold_connection", "span_ids": ["c1", "d1"],
    ...                               "message": "new connection"}]})[1]
    [['cold_connection', 'c1, d1', 'new connection']]
    """
    rows = [[str(a.get("type")), short_ids(list(a.get("span_ids") or [])), str(a.get("message"))]
            for a in report.get("anomalies") or []]
    return ["type", "spans", "message"], rows


def narrative_paragraphs(report: Mapping[str, Any]) -> list[str]:
    """The narrative split into paragraphs at blank lines, each on one line.

    >>> narrative_paragraphs({"narrative": "One\\ntwo.\\n\\nThree."})
    ['One two.', 'Three.']
    """
    text = str(report.get("narrative") or "")
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    return [p for p in paragraphs if p]
