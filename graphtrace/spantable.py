"""One trace as columns (struct of arrays): the model of the columnar analysis engine.

A :class:`SpanTable` holds what the analysis reads of each span, and nothing else: ids and
names as Python lists of ``str``, times and small codes as numpy arrays, and the few
attribute keys the detectors look at.  It is built either from a :class:`~graphtrace.model.Trace`
(:func:`from_trace`, any reader) or straight from a decoder (no ``Span`` objects at all), and
analysed by :func:`graphtrace.analysis.table.analyze.analyze_table`, which gives exactly the
report of :func:`graphtrace.analysis.analyze.analyze_trace` (the dict engine, itself checked
against networkx; ``tests/analysis/table/`` checks the two agree on random traces).  It is a
base module (it imports only :mod:`graphtrace.model`), so readers may build tables too.

Row ``i`` of every column is span ``i`` (in input order: the order of ``Trace.spans``).
Codes index the module constants :data:`KINDS`, :data:`STATUSES`, :data:`REF_TYPES`.

>>> from graphtrace.model import Span, Trace
>>> t = from_trace(Trace(trace_id="t", spans=[
...     Span(trace_id="t", span_id="a", service="fe", kind="SERVER", start_ns=0, end_ns=9),
...     Span(trace_id="t", span_id="b", parent_span_id="a", service="db", start_ns=2, end_ns=5,
...          status_code="ERROR", attributes={"db.statement": "GET 1", "other": 1})]))
>>> t.n, t.span_id, t.parent_span_id, [t.services[c] for c in t.service]
(2, ['a', 'b'], [None, 'a'], ['fe', 'db'])
>>> [KINDS[k] for k in t.kind], [STATUSES[s] for s in t.status], t.start_ns.tolist(), t.end_ns.tolist()
(['SERVER', 'UNSPECIFIED'], ['UNSET', 'ERROR'], [0, 2], [9, 5])
>>> t.attrs
[None, {'db.statement': 'GET 1'}]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphtrace.model import PEER_KEYS, STATEMENT_KEYS, Event, RefType, SpanKind, StatusCode, Trace

KINDS: tuple[str, ...] = tuple(k.value for k in SpanKind)  # UNSPECIFIED, INTERNAL, SERVER, CLIENT, ...
STATUSES: tuple[str, ...] = tuple(s.value for s in StatusCode)  # UNSET, OK, ERROR
REF_TYPES: tuple[str, ...] = tuple(r.value for r in RefType)  # CHILD_OF, FOLLOWS_FROM; -1 = none
KIND_CODE = {k: i for i, k in enumerate(SpanKind)}
STATUS_CODE = {s: i for i, s in enumerate(StatusCode)}
REF_CODE = {r: i for i, r in enumerate(RefType)}
ERROR = STATUS_CODE[StatusCode.ERROR]
ANALYSIS_KEYS = frozenset(STATEMENT_KEYS) | frozenset(PEER_KEYS)
"""The span attribute keys the analysis reads (operation keys, call targets); a table keeps only these."""
HOST_KEYS = ("host.name", "k8s.pod.name", "host.id")
"""``Span.host``: the first of these resource keys present (its value as ``str``)."""
TIME_MIN, TIME_MAX = -(2 ** 62 - 1), 2 ** 62 - 1
"""Times outside this range do not fit the int64 kernels (a difference of two of them must fit int64:
2^63 - 2 at most): such a trace is analysed by the dict engine instead (``fits_table``)."""


@dataclass(eq=False)
class SpanTable:
    """One trace, column by column (row ``i`` = span ``i``).

    * ``span_id``, ``parent_span_id`` (``None`` for none; may name a span not in the trace),
      ``name``, ``status_message``: lists of ``str``, as the reader produced them;
    * ``service``: int32 codes into ``services`` (distinct names, first-seen order);
    * ``host``: int32 codes into ``hosts`` (``Span.host``: ``None`` is a possible entry);
    * ``kind``, ``status``: int8 codes into :data:`KINDS`, :data:`STATUSES`;
    * ``ref_type``: int8 code into :data:`REF_TYPES`, ``-1`` when the span has none;
    * ``start_ns``, ``end_ns``: int64 (``end_ns >= start_ns``, both within ``TIME_MIN..TIME_MAX``);
    * ``attrs``: per span ``None`` or a dict of only the :data:`ANALYSIS_KEYS` it has;
    * ``error_events``: the events of ERROR spans that have any, by row (the analysis reads
      events only of failing spans).
    """

    trace_id: str
    span_id: list[str]
    parent_span_id: list[str | None]
    service: np.ndarray
    services: list[str]
    name: list[str]
    kind: np.ndarray
    start_ns: np.ndarray
    end_ns: np.ndarray
    status: np.ndarray
    status_message: list[str]
    ref_type: np.ndarray
    host: np.ndarray
    hosts: list[str | None]
    attrs: list[dict[str, Any] | None]
    error_events: dict[int, list[Event]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """The number of spans."""
        return len(self.span_id)


def _host(resource: dict[str, Any]) -> str | None:
    for key in HOST_KEYS:
        if key in resource:
            return str(resource[key])
    return None


def fits_table(trace: Trace) -> bool:
    """Whether every time of ``trace`` fits the int64 kernels (see :data:`TIME_MAX`).

    >>> from graphtrace.model import Span
    >>> fits_table(Trace(trace_id="t", spans=[Span(trace_id="t", span_id="a", start_ns=0, end_ns=2 ** 63)]))
    False
    >>> fits_table(Trace(trace_id="t", spans=[Span(trace_id="t", span_id="a", start_ns=-(2 ** 62), end_ns=0)]))
    False
    """
    return all(TIME_MIN <= s.start_ns and s.end_ns <= TIME_MAX for s in trace.spans)


def table_fits(table: SpanTable) -> bool:
    """:func:`fits_table` for a table already built: every time within ``TIME_MIN..TIME_MAX``.

    >>> from graphtrace.model import Span
    >>> table_fits(from_trace(Trace(trace_id="t", spans=[Span(trace_id="t", span_id="a", start_ns=0, end_ns=5)])))
    True
    """
    return table.n == 0 or (int(table.start_ns.min()) >= TIME_MIN and int(table.end_ns.max()) <= TIME_MAX)


def from_trace(trace: Trace) -> SpanTable:
    """The table of a trace read by any reader (``Span`` objects); see the module docstring."""
    spans = trace.spans
    service_code: dict[str, int] = {}
    host_code: dict[str | None, int] = {}
    hosts_of: dict[int, str | None] = {}  # resource dicts are shared by the spans of one resource
    services, host, attrs, error_events = [], [], [], {}
    for i, s in enumerate(spans):
        services.append(service_code.setdefault(s.service, len(service_code)))
        rid = id(s.resource)
        if rid not in hosts_of:
            hosts_of[rid] = _host(s.resource)
        host.append(host_code.setdefault(hosts_of[rid], len(host_code)))
        a = s.attributes
        kept = {k: v for k, v in a.items() if k in ANALYSIS_KEYS} if a else None
        attrs.append(kept or None)
        if s.events and s.status_code is StatusCode.ERROR:
            error_events[i] = list(s.events)
    return SpanTable(
        trace_id=trace.trace_id,
        span_id=[s.span_id for s in spans],
        parent_span_id=[s.parent_span_id for s in spans],
        service=np.array(services, dtype=np.int32),
        services=list(service_code),
        name=[s.name for s in spans],
        kind=np.array([KIND_CODE[s.kind] for s in spans], dtype=np.int8),
        start_ns=np.array([s.start_ns for s in spans], dtype=np.int64),
        end_ns=np.array([s.end_ns for s in spans], dtype=np.int64),
        status=np.array([STATUS_CODE[s.status_code] for s in spans], dtype=np.int8),
        status_message=[s.status_message for s in spans],
        ref_type=np.array([-1 if s.ref_type is None else REF_CODE[s.ref_type] for s in spans], dtype=np.int8),
        host=np.array(host, dtype=np.int32),
        hosts=list(host_code),
        attrs=attrs,
        error_events=error_events,
    )
