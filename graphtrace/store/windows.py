"""What the store covers (``graphtrace traces``): its time window, per service, and each trace's services.

Only complete traces count (a trace still being written or deleted is ``incomplete``).  Times
are the traces' own: a service's window runs from the first start to the last end of the
traces it appears in, the bounds ``compare-windows`` and the search filters take.

>>> store_window  # needs a server; see tests/cli/test_housekeeping.py  # doctest: +ELLIPSIS
<function store_window at ...>
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from neo4j import Driver

from graphtrace.store import queries_housekeeping
from graphtrace.store.read import _read


def store_window(driver: Driver, *, database: str) -> dict[str, Any]:
    """``{traces, first_start_ns, last_end_ns, services: [{service, traces, spans, first_start_ns, last_end_ns}]}``."""
    whole = _read(driver, queries_housekeeping.TRACE_WINDOW, database, timeout_s=120.0)
    services = _read(driver, queries_housekeeping.SERVICE_WINDOWS, database, timeout_s=120.0)
    out = dict(whole[0]) if whole else {"traces": 0, "first_start_ns": None, "last_end_ns": None}
    out["services"] = [dict(r) for r in services]
    return out


def trace_services(driver: Driver, trace_ids: Sequence[str], *, database: str) -> dict[str, list[str]]:
    """The services of each of ``trace_ids`` (sorted), for the ones stored."""
    if not trace_ids:
        return {}
    rows = _read(driver, queries_housekeeping.TRACE_SERVICES, database, timeout_s=60.0, trace_ids=list(trace_ids))
    return {r["trace_id"]: list(r["services"]) for r in rows}
