"""The result of analysing one trace: the stable JSON schema of ``graphtrace analyze``.

``AnalysisOutput`` is exactly what ``analyze --format json`` prints:
``{"traces": [TraceReport...], "warnings": [...], "skipped": [...]}``.
Ids are lowercase hex (other ids as written), times integer ns, ``share`` a
fraction of the trace duration in [0, 1].

>>> Section(span_id="a", start_ns=5, end_ns=9).duration_ns
4
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field

from graphtrace.model import Diagnostic

M = TypeVar("M", bound=BaseModel)
_new = object.__new__
_slots = BaseModel.__dict__
_set_dict = _slots["__dict__"].__set__
_set_fields = _slots["__pydantic_fields_set__"].__set__
_set_extra = _slots["__pydantic_extra__"].__set__
_set_private = _slots["__pydantic_private__"].__set__
_ALL_FIELDS: dict[type, set[str]] = {}


def build(cls: type[M], values: dict[str, Any]) -> M:
    """An instance of ``cls`` made from ``values`` without validation: the hot-path twin of
    ``cls(**values)`` for values that already have their field's exact type.

    ``values`` must name every field of ``cls`` (no defaults are filled in) and becomes
    the instance's ``__dict__`` (not copied).  It is what ``model_construct`` does for a
    complete set of fields, minus its per-call bookkeeping (about 10x faster); every
    instance of ``cls`` shares one fields-set (all fields, so pydantic never changes it).
    Tests check that it equals ``cls(**values)`` on every report type.

    >>> values = {"span_id": "a", "start_ns": 5, "end_ns": 9}
    >>> build(Section, dict(values)) == Section(**values)
    True
    """
    return build_all(cls, (values,))[0]


def build_all(cls: type[M], rows: Iterable[dict[str, Any]]) -> list[M]:
    """:func:`build` for each of ``rows``, in order (one call for a whole list is cheaper).

    >>> [s.end_ns for s in build_all(Section, [{"span_id": "a", "start_ns": 0, "end_ns": 3}])]
    [3]
    """
    fields = _ALL_FIELDS.get(cls)
    if fields is None:
        fields = _ALL_FIELDS[cls] = set(cls.model_fields)
    new, set_dict, set_fields, set_extra, set_private = _new, _set_dict, _set_fields, _set_extra, _set_private
    out = []
    append = out.append
    for values in rows:
        obj = new(cls)
        set_dict(obj, values)
        set_fields(obj, fields)
        set_extra(obj, None)
        set_private(obj, None)
        append(obj)
    return out


AnomalyType = Literal[
    "client_server_gap",
    "cold_connection",
    "serial_calls",
    "repeated_calls",
    "error_origin",
    "retry",
    "clock_skew",
    "orphan_span",
]


class Section(BaseModel):
    """One critical-path section ``[start_ns, end_ns]`` owned by ``span_id``."""

    span_id: str
    start_ns: int
    end_ns: int

    @property
    def duration_ns(self) -> int:
        return self.end_ns - self.start_ns


class SpanReport(BaseModel):
    span_id: str
    parent_span_id: str | None
    service: str
    name: str
    kind: str
    start_ns: int
    end_ns: int
    duration_ns: int
    self_time_ns: int
    critical_path_ns: int
    depth: int
    status: str


class Bottleneck(BaseModel):
    span_id: str
    service: str
    name: str
    self_time_ns: int
    critical_path_ns: int
    share: float = Field(description="critical_path_ns / trace duration_ns")


class Anomaly(BaseModel):
    type: AnomalyType
    span_ids: list[str]
    metrics: dict[str, Any] = Field(default_factory=dict)
    message: str


class TraceReport(BaseModel):
    trace_id: str
    root_span_ids: list[str]
    start_ns: int
    end_ns: int
    duration_ns: int
    span_count: int
    services: list[str]
    spans: list[SpanReport]
    critical_path: list[Section]
    bottlenecks: list[Bottleneck]
    anomalies: list[Anomaly]
    narrative: str


class AnalysisOutput(BaseModel):
    traces: list[TraceReport]
    warnings: list[Diagnostic] = Field(default_factory=list)
    skipped: list[Diagnostic] = Field(default_factory=list)
