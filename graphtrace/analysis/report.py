"""The result of analysing one trace: the stable JSON schema of ``graphtrace analyze``.

``AnalysisOutput`` is exactly what ``analyze --format json`` prints:
``{"traces": [TraceReport...], "warnings": [...], "skipped": [...]}``.
Ids are lowercase hex (other ids as written), times integer ns, ``share`` a
fraction of the trace duration in [0, 1].

>>> Section(span_id="a", start_ns=5, end_ns=9).duration_ns
4
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from graphtrace.model import Diagnostic

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
