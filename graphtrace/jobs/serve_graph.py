"""The service graph of ``graphtrace serve`` (``/api/graph``, ``/api/graph/change``, ``/api/graph/edge``).

Services are nodes, remote calls (``REMOTE_CALL``: a CLIENT span and its SERVER child, or an
inferred call) are edges, one per ``(caller, callee)``, with the client duration's p50/p95/p99,
the client/server gap, the error rate, and the edge's *own* time: the gap plus the server span's
self time, i.e. what this hop costs beside the calls it makes further down.  The change mode
compares two windows and marks an edge ``slower`` when its own p95 grew by ``threshold`` or more,
so a slow leaf does not also mark every caller above it (their client durations include it).

A node's ``depth`` is its call depth: 0 for a service nobody calls, else one more than the
shallowest caller (breadth-first), which the page uses to put services in columns.

>>> service_depths([("a", "b"), ("b", "c"), ("a", "c"), ("c", "b")])
{'a': 0, 'b': 1, 'c': 1}
>>> classify({"calls": 9, "own_p95_ns": 100}, {"calls": 9, "own_p95_ns": 150}, threshold=1.5, min_calls=5)
'slower'
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from graphtrace.errors import InputError
from graphtrace.recipes.values import ValueProblem, convert

DEFAULT_THRESHOLD = 1.5
DEFAULT_MIN_CALLS = 5
EXAMPLES = 5
_TIMEOUT_S = 30.0
_WINDOW = {"since": "time", "until": "time"}
_CHANGE = {"a_since": "time", "a_until": "time", "b_since": "time", "b_until": "time",
           "threshold": "float", "min_calls": "int"}
_EDGE = {"caller": "string", "callee": "string", "since": "time", "until": "time", "limit": "int"}


def parse_query(query: Mapping[str, str], allowed: Mapping[str, str]) -> dict[str, Any]:
    """Query-string values converted to their types; ``InputError`` names a bad or unknown one.

    >>> parse_query({"since": "2024-11-19T07:06:40Z"}, _WINDOW)
    {'since': 1732000000000000000}
    >>> parse_query({"colour": "red"}, _WINDOW)
    Traceback (most recent call last):
    ...
    graphtrace.errors.InputError: colour: unknown parameter; parameters: since, until
    """
    out: dict[str, Any] = {}
    for name, text in query.items():
        if name not in allowed:
            raise InputError("unknown parameter; parameters: " + ", ".join(allowed), record=name)
        try:
            out[name] = convert(text, allowed[name]) if text != "" else None
        except ValueProblem as exc:
            raise InputError(str(exc), record=name) from None
    return out


def service_depths(edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Call depth of every service named by ``(caller, callee)`` pairs, in name order.

    Roots are the services no other service calls; services only reachable through a cycle
    start a new breadth-first walk from the first of them by name.

    >>> service_depths([("x", "y"), ("y", "x")])
    {'x': 0, 'y': 1}
    """
    given = list(edges)
    pairs = [(a, b) for a, b in given if a != b]
    names = sorted({n for pair in given for n in pair})
    called = {b for _, b in pairs}
    out: dict[str, int] = {}
    starts = [n for n in names if n not in called]
    while len(out) < len(names):
        queue = deque((n, 0) for n in (starts or [next(n for n in names if n not in out)]) if n not in out)
        for n, _ in queue:
            out[n] = 0
        while queue:
            name, depth = queue.popleft()
            for callee in sorted(b for a, b in pairs if a == name and b not in out):
                out[callee] = depth + 1
                queue.append((callee, depth + 1))
        starts = []
    return dict(sorted(out.items()))


def _edge_rows(driver: Any, database: str, since: int | None, until: int | None,
               caller: str | None = None, callee: str | None = None) -> list[dict[str, Any]]:
    from graphtrace.store import queries
    from graphtrace.store.read import _read

    rows = _read(driver, queries.GRAPH_EDGES, database, timeout_s=_TIMEOUT_S, since_ns=since, until_ns=until,
                 caller=caller, callee=callee)
    out = []
    for record in rows:
        row = dict(record)
        row["operations"] = sorted(row["operations"])
        row["error_rate"] = row["errors"] / row["calls"] if row["calls"] else None
        out.append(row)
    return out


def _nodes(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    depths = service_depths((e["caller"], e["callee"]) for e in edges)
    return [{"name": name, "depth": depth} for name, depth in depths.items()]


def graph(driver: Any, query: Mapping[str, str], *, database: str) -> dict[str, Any]:
    """``{mode: "window", since_ns, until_ns, nodes, edges}`` for the calls starting in ``[since, until)``."""
    given = parse_query(query, _WINDOW)
    since, until = given.get("since"), given.get("until")
    edges = _edge_rows(driver, database, since, until)
    return {"mode": "window", "since_ns": since, "until_ns": until, "nodes": _nodes(edges), "edges": edges}


def classify(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None, *, threshold: float,
             min_calls: int) -> str:
    """How an edge changed from window A to B: ``slower``, ``faster``, ``same``, ``new``, ``gone``
    or ``few`` (fewer than ``min_calls`` calls in a window, or no own time to compare).

    >>> classify({"calls": 9, "own_p95_ns": 300}, {"calls": 9, "own_p95_ns": 200}, threshold=1.5, min_calls=5)
    'faster'
    >>> classify({"calls": 9, "own_p95_ns": 300}, {"calls": 4, "own_p95_ns": 900}, threshold=1.5, min_calls=5)
    'few'
    >>> classify(None, {"calls": 9, "own_p95_ns": 1}, threshold=1.5, min_calls=5)
    'new'
    """
    if a is None or b is None:
        return "new" if a is None else "gone"
    before, after = a.get("own_p95_ns"), b.get("own_p95_ns")
    if a["calls"] < min_calls or b["calls"] < min_calls or before is None or after is None:
        return "few"
    if after >= before * threshold and after > before:
        return "slower"
    if before >= after * threshold and before > after:
        return "faster"
    return "same"


def _ratio(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None, key: str) -> float | None:
    if not a or not b or a.get(key) in (None, 0) or b.get(key) is None:
        return None
    return b[key] / a[key]


def _delta(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None, key: str) -> int | None:
    if not a or not b or a.get(key) is None or b.get(key) is None:
        return None
    return b[key] - a[key]


def _default_windows(driver: Any, database: str) -> tuple[int | None, int | None, int | None, int | None]:
    """Both windows unset: A is the first half of the stored traces' start times, B the second."""
    from graphtrace.store import queries
    from graphtrace.store.read import _read

    row = _read(driver, queries.GRAPH_TIME_RANGE, database, timeout_s=_TIMEOUT_S)[0]
    if row["first_ns"] is None:
        return None, None, None, None
    middle = (row["first_ns"] + row["last_ns"] + 1) // 2
    return row["first_ns"], middle, middle, row["last_ns"] + 1


def change(driver: Any, query: Mapping[str, str], *, database: str) -> dict[str, Any]:
    """``{mode: "change", windows, threshold, min_calls, nodes, edges}``: every edge of either window with
    its stats in A and in B (``a``, ``b``; null when absent), the change of its own and client p95
    (``own_ratio_p95``, ``own_delta_p95_ns``, ``ratio_p95``, ``delta_p95_ns``) and ``change``
    (:func:`classify`)."""
    given = parse_query(query, _CHANGE)
    threshold = DEFAULT_THRESHOLD if given.get("threshold") is None else given["threshold"]
    min_calls = given.get("min_calls")
    min_calls = DEFAULT_MIN_CALLS if min_calls is None else min_calls
    if threshold <= 1:
        raise InputError("must be more than 1 (1.5 = half as slow again)", record="threshold")
    bounds = [given.get(k) for k in ("a_since", "a_until", "b_since", "b_until")]
    if all(v is None for v in bounds):
        bounds = list(_default_windows(driver, database))
    a_rows = {(r["caller"], r["callee"]): r for r in _edge_rows(driver, database, bounds[0], bounds[1])}
    b_rows = {(r["caller"], r["callee"]): r for r in _edge_rows(driver, database, bounds[2], bounds[3])}
    edges = []
    for key in sorted(a_rows.keys() | b_rows.keys()):
        a, b = a_rows.get(key), b_rows.get(key)
        edges.append({"caller": key[0], "callee": key[1],
                      "operations": sorted(set((a or {}).get("operations", [])) | set((b or {}).get("operations", []))),
                      "a": a, "b": b, "own_ratio_p95": _ratio(a, b, "own_p95_ns"),
                      "own_delta_p95_ns": _delta(a, b, "own_p95_ns"), "ratio_p95": _ratio(a, b, "p95_ns"),
                      "delta_p95_ns": _delta(a, b, "p95_ns"),
                      "change": classify(a, b, threshold=threshold, min_calls=min_calls)})
    windows = dict(zip(("a_since_ns", "a_until_ns", "b_since_ns", "b_until_ns"), bounds))
    return {"mode": "change", "windows": windows, "threshold": threshold, "min_calls": min_calls,
            "nodes": _nodes(edges), "edges": edges}


def edge_detail(driver: Any, query: Mapping[str, str], *, database: str) -> dict[str, Any]:
    """One edge in ``[since, until)``: ``{caller, callee, stats, slowest, critical}``; ``slowest`` are the
    traces with the slowest calls on it, ``critical`` those where it is on the critical path (by the
    slowest of its calls there), at most ``limit`` (5) of each."""
    from graphtrace.store import queries
    from graphtrace.store.read import _read

    given = parse_query(query, _EDGE)
    caller, callee = given.get("caller"), given.get("callee")
    if not caller or not callee:
        raise InputError("caller and callee are both required", record="caller" if not caller else "callee")
    limit = EXAMPLES if given.get("limit") is None else given["limit"]
    if limit < 1 or limit > 100:
        raise InputError("must be between 1 and 100", record="limit")
    since, until = given.get("since"), given.get("until")
    stats = _edge_rows(driver, database, since, until, caller, callee)

    def examples(on_cp: bool) -> list[dict[str, Any]]:
        rows = _read(driver, queries.GRAPH_EDGE_TRACES, database, timeout_s=_TIMEOUT_S, caller=caller,
                     callee=callee, since_ns=since, until_ns=until, on_cp=on_cp, limit=limit)
        return [dict(r) for r in rows]

    return {"caller": caller, "callee": callee, "since_ns": since, "until_ns": until,
            "stats": stats[0] if stats else None, "slowest": examples(False), "critical": examples(True)}
