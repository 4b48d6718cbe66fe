"""``clock_skew`` on rows (the rule: :mod:`graphtrace.analysis.anomalies.clock_skew`).

Every parent->child edge is tested at once in numpy (how far the child sticks out, remote or
local, asynchronous or not, Jaeger's correction); Python objects are made only for the edges
reported, in the children's start order.

>>> from graphtrace.model import Span, Trace
>>> from graphtrace.spantable import from_trace
>>> from graphtrace.analysis.table.tree import table_tree
>>> from graphtrace.analysis.anomalies.options import AnomalyOptions
>>> c = Span(trace_id="t", span_id="c", service="fe", name="GET", kind="CLIENT", start_ns=1_000_000,
...          end_ns=3_000_000)
>>> s = Span(trace_id="t", span_id="s", parent_span_id="c", service="cart", name="Get", kind="SERVER",
...          start_ns=400_000, end_ns=1_400_000)
>>> tree = table_tree(from_trace(Trace(trace_id="t", spans=[c, s])))
>>> [(_, _, a)] = detect(Rows(tree, np.zeros(2, dtype=np.int64), AnomalyOptions()))
>>> a.metrics["starts_before_ns"], a.metrics["ends_after_ns"], a.metrics["correction_ns"]
(600000, 0, 1100000)
"""

from __future__ import annotations

import numpy as np

from graphtrace.analysis.anomalies.common import ms
from graphtrace.analysis.report import Anomaly, build_all
from graphtrace.analysis.table.anomalies.common import CONSUMER, INT64_MAX, PRODUCER, Found, Rows
from graphtrace.model import RefType
from graphtrace.spantable import REF_CODE

_FOLLOWS_FROM = REF_CODE[RefType.FOLLOWS_FROM]


def jaeger_correction(p_start: np.ndarray, p_end: np.ndarray, c_start: np.ndarray, c_end: np.ndarray) -> np.ndarray:
    """:func:`graphtrace.analysis.anomalies.clock_skew.jaeger_correction`, edge by edge.

    >>> jaeger_correction(*(np.array([v]) for v in (100, 200, 90, 150))).tolist()  # 100 + (100 - 60) // 2 - 90
    [30]
    >>> jaeger_correction(*(np.array([v]) for v in (100, 200, 90, 300))).tolist()  # longer: starts with it
    [10]
    """
    p_dur, c_dur = p_end - p_start, c_end - c_start
    centred = p_start + (p_dur - c_dur) // 2 - c_start
    inside = (c_start >= p_start) & (c_end <= p_end)
    return np.where(c_dur > p_dur, np.maximum(0, p_start - c_start), np.where(inside, 0, centred))


def _skewed(rows: Rows) -> tuple[np.ndarray, ...]:
    """(child rows in start order, parent rows, before, after, correction, parent host code, child host
    code) of the edges reported."""
    tree, table = rows.tree, rows.table
    least = min(rows.options.min_skew_ns, INT64_MAX)
    child = tree.order[tree.parent[tree.order] >= 0]
    parent = tree.parent[child]
    p_start, p_end = table.start_ns[parent], table.end_ns[parent]
    c_start, c_end = table.start_ns[child], table.end_ns[child]
    before, after = p_start - c_start, c_end - p_end
    out = (before >= least) | (after >= least)
    child, parent, before, after = child[out], parent[out], before[out], after[out]
    p_start, p_end, c_start, c_end = p_start[out], p_end[out], c_start[out], c_end[out]
    no_host = np.array([h is None for h in table.hosts], dtype=bool)
    ph, ch = table.host[parent], table.host[child]
    remote = (table.service[parent] != table.service[child]) | (~no_host[ph] & ~no_host[ch] & (ph != ch))
    is_async = (table.ref_type[child] == _FOLLOWS_FROM) | (
        (table.kind[parent] == PRODUCER) & (table.kind[child] == CONSUMER))
    before = np.where(before >= least, before, 0)
    after = np.where(~is_async & (after >= least), after, 0)
    keep = remote & ((before > 0) | (after > 0))
    correction = jaeger_correction(p_start[keep], p_end[keep], c_start[keep], c_end[keep])
    return child[keep], parent[keep], before[keep], after[keep], correction, ph[keep], ch[keep]


def detect(rows: Rows) -> list[Found]:
    """One anomaly per remote child sticking out of its parent (the hot loop of a chain with skew:
    plain lists, labels from per-service prefixes, one ``build_all`` for every anomaly)."""
    child, parent, before, after, correction, p_host, c_host = (a.tolist() for a in _skewed(rows))
    if not child:
        return []
    ids, start, names, svc, hosts = rows.ids, rows.start, rows.names, rows.svc, rows.table.hosts
    prefix = [f"{name}'s " for name in rows.services]  # label(row) == prefix[svc[row]] + names[row]
    starts: list[int] = []
    all_ids: list[list[str]] = []
    values: list[dict] = []
    for c, p, b, a, fix, ph, chh in zip(child, parent, before, after, correction, p_host, c_host):
        ph, chh = hosts[ph], hosts[chh]
        where = (f"starts {ms(b)} before and ends {ms(a)} after" if b and a
                 else f"starts {ms(b)} before" if b else f"ends {ms(a)} after")
        between = f" (host {chh} vs {ph})" if chh and ph else ""
        pid = ids[p]
        span_ids = [ids[c], pid]
        starts.append(start[c])
        all_ids.append(span_ids)
        values.append({
            "type": "clock_skew", "span_ids": span_ids,
            "metrics": {"starts_before_ns": b, "ends_after_ns": a, "correction_ns": fix, "parent_span_id": pid,
                        "parent_host": ph, "child_host": chh},
            "message": (f"{prefix[svc[c]]}{names[c]} {where} its parent {prefix[svc[p]]}{names[p]}{between}: "
                        f"likely clock skew between hosts; Jaeger's adjuster would shift it by {ms(fix)} "
                        "(not applied)")})
    return list(zip(starts, all_ids, build_all(Anomaly, values)))
