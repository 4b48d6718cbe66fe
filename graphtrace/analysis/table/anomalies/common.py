"""What the columnar detectors share: :class:`Rows`, one ``find_anomalies`` call's view of a
:class:`~graphtrace.analysis.table.tree.TableTree` (columns as Python lists, made on first use),
the calls under each parent as CSR arrays, their ``(service, operation key)`` groups, call targets
and connection set-up flags, all by row.  The rules are the dict engine's
(:mod:`graphtrace.analysis.anomalies.common`), on rows instead of ``Span`` objects.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.spantable import from_trace
>>> from graphtrace.analysis.table.tree import table_tree
>>> mk = lambda i, p, svc, kind, **a: Span(trace_id="t", span_id=i, parent_span_id=p, service=svc,
...                                         kind=kind, name="GET", start_ns=0, end_ns=1, attributes=a)
>>> tree = table_tree(from_trace(Trace(trace_id="t", spans=[mk("p", None, "fe", "SERVER"),
...     mk("c", "p", "fe", "CLIENT"), mk("s", "c", "cart", "SERVER"), mk("r", "p", "fe", "CLIENT", **{"db.system": "redis"}),
...     mk("i", "p", "fe", "INTERNAL")])))
>>> rows = Rows(tree, np.zeros(5, dtype=np.int64), AnomalyOptions())
>>> rows.calls(0), rows.target(1), rows.target(3), rows.label(0)
([1, 3], 'cart', 'redis', "fe's GET")
>>> rows.groups(0)
{(0, 'GET'): [1, 3]}
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from graphtrace.analysis.anomalies.options import AnomalyOptions
from graphtrace.analysis.report import Anomaly
from graphtrace.analysis.table.tree import TableTree
from graphtrace.model import _normalized  # the lru_cached normaliser behind model.operation_key
from graphtrace.model import PEER_KEYS, STATEMENT_KEYS, SpanKind, is_connection_setup
from graphtrace.spantable import ERROR, KIND_CODE

CLIENT, SERVER = KIND_CODE[SpanKind.CLIENT], KIND_CODE[SpanKind.SERVER]
PRODUCER, CONSUMER = KIND_CODE[SpanKind.PRODUCER], KIND_CODE[SpanKind.CONSUMER]
UNSPECIFIED, INTERNAL = KIND_CODE[SpanKind.UNSPECIFIED], KIND_CODE[SpanKind.INTERNAL]
INT64_MAX = 2 ** 63 - 1

Found = tuple[int, list[str], Anomaly]
"""What a detector returns per anomaly: (start ns of its first span, its span ids, the anomaly), the
sort key of :func:`graphtrace.analysis.anomalies.find_anomalies` within one type.  No two anomalies of
one type share their span ids, so sorting these tuples never compares two anomalies."""


def operation_key(name: str, attrs: dict[str, Any] | None) -> str:
    """:func:`graphtrace.model.operation_key` of a span with this name and (analysis) attributes.

    >>> operation_key("HGET", {"db.statement": "HGET cart:17"}), operation_key("GET /1", None)
    ('HGET | HGET cart:?', 'GET /?')
    """
    if attrs:
        for key in STATEMENT_KEYS:
            value = attrs.get(key)
            if isinstance(value, str) and value:
                return f"{_normalized(name)} | {_normalized(value)}"
    return _normalized(name)


def _group(keys: list[tuple[int, str]], calls: list[int]) -> dict[tuple[int, str], list[int]]:
    """``calls`` by key, keys in order of first appearance, each group in the order of ``calls``.

    >>> _group([(0, "a"), (1, "b"), (0, "a")], [7, 8, 9])
    {(0, 'a'): [7, 9], (1, 'b'): [8]}
    """
    groups: dict[tuple[int, str], list[int]] = {}
    for key, c in zip(keys, calls):
        group = groups.get(key)
        if group is None:
            groups[key] = [c]
        else:
            group.append(c)
    return groups


class Rows:
    """The columns of ``tree.table`` as the detectors read them, and the indexes they share.

    ``cp_ns`` is the critical-path ns by row; ``options`` the thresholds.  Every list and index
    is made on first use, once per ``find_anomalies`` call.
    """

    def __init__(self, tree: TableTree, cp_ns: np.ndarray, options: AnomalyOptions) -> None:
        table = tree.table
        self.tree, self.table, self.cp_ns, self.options = tree, table, cp_ns, options
        self.ids, self.names, self.services = table.span_id, table.name, table.services
        self._groups: dict[int, dict[tuple[int, str], list[int]]] = {}

    @cached_property
    def start(self) -> list[int]:
        return self.table.start_ns.tolist()

    @cached_property
    def end(self) -> list[int]:
        return self.table.end_ns.tolist()

    @cached_property
    def duration(self) -> np.ndarray:
        return self.table.end_ns - self.table.start_ns

    @cached_property
    def svc(self) -> list[int]:
        return self.table.service.tolist()

    @cached_property
    def kind(self) -> list[int]:
        return self.table.kind.tolist()

    @cached_property
    def cp(self) -> list[int]:
        return np.asarray(self.cp_ns, dtype=np.int64).tolist()

    @cached_property
    def parent(self) -> list[int]:
        return self.tree.parent.tolist()

    @cached_property
    def is_error(self) -> np.ndarray:
        return self.table.status == ERROR

    def label(self, row: int) -> str:
        """``service's name``, as :func:`graphtrace.analysis.anomalies.common.label`."""
        return f"{self.services[self.svc[row]]}'s {self.names[row]}"

    def service_name(self, row: int) -> str:
        return self.services[self.svc[row]]

    @cached_property
    def _calls(self) -> tuple[np.ndarray, np.ndarray]:
        """Call children (CLIENT, or another service than the parent) in CSR form, by parent row,
        each parent's in start order (``calls_of``)."""
        tree, table = self.tree, self.table
        kids = tree.kids
        parents = tree.parent[kids]
        is_call = (table.kind[kids] == CLIENT) | (table.service[kids] != table.service[parents])
        ptr = np.zeros(table.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(parents[is_call], minlength=table.n), out=ptr[1:])
        return kids[is_call], ptr

    def call_counts(self) -> np.ndarray:
        """How many calls each row has below it."""
        ptr = self._calls[1]
        return ptr[1:] - ptr[:-1]

    def calls(self, row: int) -> list[int]:
        """The call children of ``row`` in start order (``calls_of(tree)[id]``)."""
        kids, ptr = self._calls
        return kids[ptr[row]:ptr[row + 1]].tolist()

    def call_rows(self) -> np.ndarray:
        """Every call row, grouped by parent (parents in row order), each group in start order."""
        return self._calls[0]

    def groups(self, row: int) -> dict[tuple[int, str], list[int]]:
        """The calls of ``row`` grouped by (service code, operation key), each group in start order
        (``call_groups_of``); computed once per parent (``repeated_calls`` and ``retry`` share it)."""
        groups = self._groups.get(row)
        if groups is None:
            calls = self.calls(row)
            groups = self._groups[row] = _group(self.call_keys(calls), calls)
        return groups

    def call_keys(self, calls: list[int]) -> list[tuple[int, str]]:
        """``(service code, operation key)`` of each of ``calls``; each distinct name is normalised once."""
        names, attrs, svc = self.names, self.table.attrs, self.svc
        if any(map(attrs.__getitem__, calls)):
            return [(svc[c], operation_key(names[c], attrs[c])) for c in calls]
        called = list(map(names.__getitem__, calls))
        normal = {name: _normalized(name) for name in set(called)}
        return list(zip(map(svc.__getitem__, calls), map(normal.__getitem__, called)))

    @cached_property
    def first_server_child(self) -> np.ndarray:
        """By row: its first SERVER or CONSUMER child in start order, ``-1`` if none."""
        tree, kind = self.tree, self.table.kind
        kids = tree.kids
        k = kind[kids]
        sc = kids[(k == SERVER) | (k == CONSUMER)]
        parents = tree.parent[sc]  # ascending: kids are grouped by parent row
        first = np.ones(len(sc), dtype=bool)
        first[1:] = parents[1:] != parents[:-1]
        out = np.full(self.table.n, -1, dtype=np.int64)
        out[parents[first]] = sc[first]
        return out

    @cached_property
    def _first_server_child(self) -> list[int]:
        return self.first_server_child.tolist()

    def target(self, row: int) -> str | None:
        """The service a call goes to (:func:`graphtrace.analysis.anomalies.common.target_service`)."""
        child = self._first_server_child[row]
        if child >= 0:
            return self.service_name(child)
        attributes = self.table.attrs[row]
        if attributes:
            for key in PEER_KEYS:
                value = attributes.get(key)
                if value not in (None, ""):
                    return str(value)
        parent = self.parent[row]
        if self.kind[row] != CLIENT and parent >= 0 and self.svc[parent] != self.svc[row]:
            return self.service_name(row)
        return None

    def is_setup(self, row: int) -> bool:
        """Whether the row's name is a connection set-up step under ``options.connection_pattern``."""
        return is_connection_setup(self.names[row], self.options.connection_pattern)
