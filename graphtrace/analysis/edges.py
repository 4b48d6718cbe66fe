"""Cross-trace service-edge statistics: the in-memory twin of the ``slow-edges`` recipe.

An *edge* is a ``(caller, callee, operation)`` triple of remote calls
(docs/architecture.md, "Remote calls": a CLIENT span and each of its SERVER
children, and the calls inferred from kind-less spans in different services,
:func:`graphtrace.analysis.gaps.client_server_pairs`).  Across all the given
traces, :func:`edge_stats` reports per edge the number of calls and traces,
how many calls were inferred, the 50th/95th/99th percentiles of the client
duration and of the gap (client minus server; over the calls whose gap is
known; ``unknown_gaps`` counts the others, and ``None`` when there is no known gap), the error rate (calls
whose client *or* server span has status ERROR) and the share of traces in
which the edge's client span is on the critical path (reached by the walk,
even with 0 ns of its own time: :func:`graphtrace.analysis.critical_path.on_path`).

**Percentiles** are Neo4j's ``percentileDisc`` exactly (checked against the
Neo4j 5.26 source and on a server with lists of 1..1000 values), see
:func:`percentile_disc`: sort ascending, ``x = p * n`` in floating point,
index ``int(x)``, minus one when ``x`` is a whole non-zero number; ``p = 1``
or a single value gives the maximum.  It is the nearest-rank percentile
(the smallest value with at least ``p * n`` values at or below it), always one
of the observed values.

>>> from graphtrace.model import Span, Trace
>>> mk = lambda i, p, svc, kind, s, e: Span(trace_id="t1", span_id=i, parent_span_id=p,
...     service=svc, name="Get", kind=kind, start_ns=s, end_ns=e)
>>> t = Trace(trace_id="t1", spans=[mk("r", None, "web", "SERVER", 0, 100),
...     mk("c", "r", "web", "CLIENT", 10, 90), mk("s", "c", "cart", "SERVER", 20, 70)])
>>> [e] = edge_stats([t])
>>> e.caller, e.callee, e.operation, e.calls, e.p50_ns, e.gap_p50_ns, e.cp_share
('web', 'cart', 'Get', 1, 80, 30, 1.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from graphtrace.analysis.critical_path import on_path
from graphtrace.analysis.gaps import client_server_pairs
from graphtrace.analysis.tree import TraceTree, build_tree
from graphtrace.errors import InputError
from graphtrace.model import Trace

OrderBy = Literal["p50_ns", "p95_ns", "p99_ns", "gap_p50_ns", "gap_p95_ns", "gap_p99_ns",
                  "calls", "traces", "errors", "error_rate", "cp_share", "inferred_calls"]
ORDER_KEYS: tuple[str, ...] = OrderBy.__args__  # type: ignore[attr-defined]


class EdgeStat(BaseModel):
    """One row of ``slow-edges``; field names are the recipe's column names.

    ``error_rate = errors / calls`` and ``cp_share = cp_traces / traces``
    (plain float division, as Cypher's ``toFloat(a) / b``).  ``inferred_calls`` counts the
    calls inferred from kind-less spans; the gap percentiles cover the calls whose gap is
    known, ``unknown_gaps`` counts the others (``None`` when no gap is known).
    """

    caller: str
    callee: str
    operation: str
    calls: int
    traces: int
    p50_ns: int
    p95_ns: int
    p99_ns: int
    gap_p50_ns: int | None
    gap_p95_ns: int | None
    gap_p99_ns: int | None
    errors: int
    error_rate: float
    cp_traces: int
    cp_share: float
    inferred_calls: int = 0
    unknown_gaps: int = 0


def percentile_disc(values: Sequence[int], p: float) -> int | None:
    """Neo4j's ``percentileDisc(value, p)`` over ``values`` (``None`` when there are none).

    Derivation for the examples: 4 values sorted ``[1, 2, 3, 4]``; p = 0.5 gives
    x = 2.0, a whole number, so index 2 - 1 = 1 -> 2; p = 0.6 gives x = 2.4 ->
    index 2 -> 3; p = 0 gives index 0 -> 1; p = 1 gives the maximum 4.

    >>> [percentile_disc([4, 1, 3, 2], p) for p in (0.5, 0.6, 0.0, 1.0)]
    [2, 3, 1, 4]
    >>> percentile_disc([], 0.5) is None
    True
    """
    if not 0.0 <= p <= 1.0:
        raise InputError(f"percentile {p} is not in the range 0.0 to 1.0", field="percentile")
    n = len(values)
    if n == 0:
        return None
    ordered = sorted(values)
    if p == 1.0 or n == 1:
        return ordered[-1]
    x = p * n
    index = int(x)
    if x == index and index != 0:
        index -= 1
    return ordered[index]


@dataclass
class _Acc:
    durations: list[int] = field(default_factory=list)
    gaps: list[int] = field(default_factory=list)
    traces: set[str] = field(default_factory=set)
    cp_traces: set[str] = field(default_factory=set)
    errors: int = 0
    inferred: int = 0


def _in_window(start_ns: int, since_ns: int | None, until_ns: int | None) -> bool:
    return (since_ns is None or start_ns >= since_ns) and (until_ns is None or start_ns < until_ns)


class EdgeCollector:
    """Accumulates remote calls per ``(caller, callee, operation)`` one trace at a time.

    Keeps only each call's durations, gap and trace id, never the trees, so a
    caller can check or summarise any number of traces in bounded memory
    (bounded by the calls, not the spans).  Filters are the ``slow-edges`` recipe's:
    a call counts when its client span starts in ``[since_ns, until_ns)`` and
    ``service`` (if given) is its caller or callee.

    >>> from graphtrace.model import Span
    >>> c = EdgeCollector()
    >>> c.add(Trace(trace_id="t", spans=[
    ...     Span(trace_id="t", span_id="c", service="web", kind="CLIENT", start_ns=0, end_ns=10),
    ...     Span(trace_id="t", span_id="s", parent_span_id="c", service="db", name="q",
    ...          kind="SERVER", start_ns=2, end_ns=8)]))
    >>> [(e.caller, e.callee, e.calls, e.p50_ns, e.gap_p50_ns) for e in c.stats()]
    [('web', 'db', 1, 10, 4)]
    """

    def __init__(self, since_ns: int | None = None, until_ns: int | None = None,
                 service: str | None = None) -> None:
        self.since_ns, self.until_ns, self.service = since_ns, until_ns, service
        self.edges: dict[tuple[str, str, str], _Acc] = {}

    def add(self, item: Trace | TraceTree) -> None:
        """Count the remote calls of one trace (or built tree)."""
        tree = item if isinstance(item, TraceTree) else build_tree(item)
        reached = on_path(tree)
        for call in client_server_pairs(tree):
            client, server = tree.span(call.client_span_id), tree.span(call.server_span_id)
            if not _in_window(client.start_ns, self.since_ns, self.until_ns):
                continue
            if self.service is not None and self.service not in (call.caller, call.callee):
                continue
            acc = self.edges.setdefault((call.caller, call.callee, call.operation), _Acc())
            acc.durations.append(call.client_ns)
            if call.gap_ns is not None:  # an inferred call's unknown gap is left out, as percentileDisc skips null
                acc.gaps.append(call.gap_ns)
            acc.inferred += call.inferred
            acc.traces.add(client.trace_id)
            acc.errors += client.is_error or server.is_error
            if call.client_span_id in reached:
                acc.cp_traces.add(client.trace_id)

    def stats(self, *, min_calls: int = 1, order_by: str = "p95_ns", limit: int | None = None) -> list[EdgeStat]:
        """The statistics so far, ordered and cut as :func:`edge_stats` documents."""
        if order_by not in ORDER_KEYS:
            raise InputError(f"unknown order {order_by!r}; choose one of {', '.join(ORDER_KEYS)}",
                             field="order_by")
        stats = [_stat(k, acc) for k, acc in self.edges.items() if len(acc.durations) >= min_calls]
        stats.sort(key=lambda e: _rank(e, order_by))
        return stats if limit is None else stats[:limit]


def _rank(e: EdgeStat, order_by: str) -> tuple:
    """Sort key: ``order_by`` descending with no value (an unknown gap) last, then the edge."""
    value = getattr(e, order_by)
    return (value is None, -(value or 0), e.caller, e.callee, e.operation)


def _stat(key: tuple[str, str, str], acc: _Acc) -> EdgeStat:
    calls, traces = len(acc.durations), len(acc.traces)
    pct = {f"{prefix}p{q}_ns": percentile_disc(values, q / 100)
           for prefix, values in (("", acc.durations), ("gap_", acc.gaps)) for q in (50, 95, 99)}
    return EdgeStat(caller=key[0], callee=key[1], operation=key[2], calls=calls, traces=traces,
                    errors=acc.errors, error_rate=acc.errors / calls,
                    cp_traces=len(acc.cp_traces), cp_share=len(acc.cp_traces) / traces,
                    inferred_calls=acc.inferred, unknown_gaps=calls - len(acc.gaps), **pct)


def edge_stats(
    trees: Iterable[Trace | TraceTree],
    *,
    since_ns: int | None = None,
    until_ns: int | None = None,
    service: str | None = None,
    min_calls: int = 1,
    order_by: str = "p95_ns",
    limit: int | None = None,
) -> list[EdgeStat]:
    """Statistics per ``(caller, callee, operation)`` over ``trees`` (traces or built trees).

    The filters are the ``slow-edges`` recipe's parameters: a call counts when
    its client span starts in ``[since_ns, until_ns)`` (``None`` = no bound) and
    ``service`` (if given) is its caller or callee; edges with fewer than
    ``min_calls`` calls are left out.  Rows are ordered by ``order_by``
    (one of :data:`ORDER_KEYS`) descending (rows without a value, an unknown
    gap, last), then caller, callee, operation ascending, and cut to ``limit``
    (``None`` = all).

    >>> edge_stats([], order_by="p95_ns")
    []
    >>> edge_stats([], order_by="speed")
    Traceback (most recent call last):
    ...
    graphtrace.errors.InputError: order_by: unknown order 'speed'; choose one of p50_ns, p95_ns, p99_ns, gap_p50_ns, gap_p95_ns, gap_p99_ns, calls, traces, errors, error_rate, cp_share, inferred_calls
    """
    if order_by not in ORDER_KEYS:  # before reading any trace
        raise InputError(f"unknown order {order_by!r}; choose one of {', '.join(ORDER_KEYS)}", field="order_by")
    collector = EdgeCollector(since_ns, until_ns, service)
    for item in trees:
        collector.add(item)
    return collector.stats(min_calls=min_calls, order_by=order_by, limit=limit)
