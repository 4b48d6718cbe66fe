"""Find stored traces by service, operation, duration, error and time (``GET /api/traces``).

All filters are optional; results are newest first (by trace start), at most ``limit``.
A trace still being written in chunks (``incomplete``) is never listed.  Each row also
carries what the UI's search results show: the trace's services (sorted), its number of
ERROR spans and its top bottleneck (the span owning the most critical-path time, from the
``annotate`` recipe's ``cp_ns``; ``None`` for a trace not annotated).

>>> search_traces  # needs a server; see tests/serve  # doctest: +ELLIPSIS
<function search_traces at ...>
"""

from __future__ import annotations

from typing import Any

from neo4j import Driver

from graphtrace.store import queries
from graphtrace.store.read import _read

MAX_LIMIT = 1000


def search_traces(driver: Driver, *, database: str, service: str | None = None, operation: str | None = None,
                  min_duration_ns: int | None = None, error: bool | None = None, since_ns: int | None = None,
                  until_ns: int | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Rows ``{trace_id, start_ns, duration_ns, span_count, root_service, root_operation, services,
    error_count, top_bottleneck}``, newest first."""
    records = _read(driver, queries.SEARCH_TRACES, database, timeout_s=30.0, service=service, operation=operation,
                    min_duration_ns=min_duration_ns, error=error, since_ns=since_ns, until_ns=until_ns,
                    limit=max(1, min(limit, MAX_LIMIT)))
    rows = [dict(r) for r in records]
    if not rows:
        return rows
    summary = {r["trace_id"]: r for r in _read(driver, queries.SEARCH_SUMMARY, database, timeout_s=30.0,
                                               trace_ids=[row["trace_id"] for row in rows])}
    for row in rows:
        extra = summary.get(row["trace_id"])
        row["services"] = sorted(extra["services"]) if extra else []
        row["error_count"] = extra["error_count"] if extra else 0
        row["top_bottleneck"] = dict(extra["top_bottleneck"]) if extra and extra["top_bottleneck"] else None
    return rows
