"""Thresholds of the anomaly detectors, with their documented defaults.

>>> AnomalyOptions().min_gap_ms, AnomalyOptions().min_ratio, AnomalyOptions().min_repeated_calls
(10.0, 5.0, 5)
>>> AnomalyOptions(min_gap_ms=1).min_gap_ns
1000000
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from graphtrace.model import CONNECTION_SETUP_PATTERN

# graphtrace.model.CONNECTION_SETUP_PATTERN: the same set-up steps ingest stores as Span.conn_setup.
DEFAULT_CONNECTION_PATTERN = CONNECTION_SETUP_PATTERN


class AnomalyOptions(BaseModel):
    """Every threshold the detectors use; pass one to ``find_anomalies(..., options=...)``."""

    model_config = ConfigDict(extra="forbid")

    min_gap_ms: float = Field(10.0, ge=0, description="client_server_gap: client minus server at least this")
    min_ratio: float = Field(5.0, ge=1, description="client_server_gap: client / server at least this")
    connection_pattern: str = Field(
        DEFAULT_CONNECTION_PATTERN,
        description="cold_connection: regex (full match, lower-cased name) of connection set-up spans",
    )
    min_serial_calls: int = Field(2, ge=2, description="serial_calls: calls in one serial run")
    min_serial_saving_ms: float = Field(
        0.0, ge=0, description="serial_calls: report only runs whose critical-path saving is at least this"
    )
    min_repeated_calls: int = Field(5, ge=2, description="repeated_calls (N+1): sibling calls with one key")
    min_skew_ns: int = Field(1, ge=1, description="clock_skew: how far outside the parent a child must be")

    @property
    def min_gap_ns(self) -> int:
        return round(self.min_gap_ms * 1_000_000)

    @property
    def min_serial_saving_ns(self) -> int:
        return round(self.min_serial_saving_ms * 1_000_000)
