"""``graphtrace traces`` for people: the store's window, per service, then the newest traces.

Plain data in (the ``traces`` job's dict, times in ns since the epoch); every line fits
``WIDTH`` columns; names are printed literally (:func:`graphtrace.render.safe.literal`).
Each trace takes two lines: id, start, duration and spans, then its root span and services, wrapped.

>>> t = {"trace_id": "ab", "start_ns": 1_500_000_000, "duration_ns": 2_000_000, "span_count": 2,
...      "root_service": "cart", "root_operation": "GET", "services": ["cart", "redis"]}
>>> for line in trace_lines(t, 7):
...     print(line)
ab  1970-01-01T00:00:01.500Z  2.00 ms  2 spans
    root cart: GET; services: cart, redis
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from graphtrace.render.humane import format_value
from graphtrace.render.safe import literal
from graphtrace.render.table import render_rows

WIDTH = 100
_SERVICE_COLUMNS = ["service", "traces", "spans", "first start", "last end"]
_SERVICE_SHOW = [("service", "text"), ("first start", "time"), ("last end", "time"), ("traces", "count"),
                 ("spans", "count")]


def trace_lines(t: Mapping[str, Any], dur_w: int) -> list[str]:
    """Lines for one trace: id, start, duration, spans; then ``root S: OP; services: a, b, ...`` wrapped."""
    head = (f"{literal(t['trace_id'])}  {format_value('time', t['start_ns'])}  "
            f"{format_value('duration', t['duration_ns']):>{dur_w}}  {t['span_count']:,} spans")
    root = ""
    if t.get("root_service") is not None:
        root = f"root {literal(t['root_service'])}: {literal(t.get('root_operation'))}; "
    services = ", ".join(literal(s) for s in t["services"]) or "(none)"
    wrapped = textwrap.wrap(f"{root}services: {services}", WIDTH, initial_indent="    ",
                            subsequent_indent="      ", break_on_hyphens=False, break_long_words=True)
    return [head, *wrapped]


def render_traces(listing: Mapping[str, Any], limit: int) -> str:
    """The text of ``graphtrace traces`` (see the module docstring)."""
    w = listing["window"]
    if not w["traces"]:
        return "No traces stored."
    parts = [f"{w['traces']:,} traces from {format_value('time', w['first_start_ns'])} "
             f"to {format_value('time', w['last_end_ns'])}"]
    services = [[s["service"], s["traces"], s["spans"], s["first_start_ns"], s["last_end_ns"]] for s in w["services"]]
    parts.append(render_rows(_SERVICE_COLUMNS, services, "table", show=_SERVICE_SHOW, width=WIDTH))
    traces = listing["traces"]
    if not traces:
        parts.append("No stored trace matches the filters.")
        return "\n\n".join(parts)
    dur_w = max(len(format_value("duration", t["duration_ns"])) for t in traces)
    lines = [f"Newest {len(traces)} (--limit {limit})"]
    for t in traces:
        lines.extend(trace_lines(t, dur_w))
    parts.append("\n".join(lines))
    return "\n\n".join(parts)
