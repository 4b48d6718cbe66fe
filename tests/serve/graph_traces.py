"""Four hand-written traces for the service graph tests, as the Collector's file exporter writes them
(OTLP JSON, one ``{"resourceSpans": [...]}`` document a line; kinds as enum numbers, nanosecond
times as strings, an empty ``status`` when unset).

web -> api -> db, times in ms after each trace's start (trace k starts at T0 + k s):

  T1  web  SERVER GET /       0..100
      web  CLIENT call api   10..60    -> api SERVER api op 12..57 (gap 5, self 45-30 = 15, own 20)
      api  CLIENT query      20..50    -> db  SERVER SELECT 21..49 (gap 2, self 28, own 30)
  T2  web  SERVER GET /       0..200
      web  CLIENT call api   10..110   -> api SERVER 15..105 (gap 10, self 90-60 = 30, own 40)
      api  CLIENT query      20..80    -> db  SERVER 22..78 ERROR (gap 4, self 56, own 60)
  T3  web  SERVER GET /       0..300
      web  CLIENT call api   10..60    -> api SERVER 11..59 (gap 2, self 48, own 50); NOT on the critical
                                          path: its sibling below ends last and starts (50) before it ends (60)
      web  CLIENT call api   50..250   -> api SERVER 52..248 (gap 4, self 196-40 = 156, own 160)
      api  CLIENT query      60..100   -> db  SERVER 61..99 (gap 2, self 38, own 40)
  T4  web  SERVER GET /       0..100
      web  CLIENT call api   10..90    -> api SERVER 12..88 (gap 4, self 76, own 80); NOT on the critical
                                          path: web INTERNAL render 20..95 ends last and starts before it ends
      web  INTERNAL render   20..95
"""

from __future__ import annotations

import json
from pathlib import Path

T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z
MS = 1_000_000
SECOND = 1_000 * MS
TRACE_IDS = [f"{k:032x}" for k in (0xA1, 0xA2, 0xA3, 0xA4)]
KIND = {"SERVER": 2, "CLIENT": 3, "INTERNAL": 1}

# (trace index, span id, parent id, service, name, kind, start ms, end ms, error)
SPANS = [
    (0, "1001", "", "web", "GET /", "SERVER", 0, 100, False),
    (0, "1002", "1001", "web", "call api", "CLIENT", 10, 60, False),
    (0, "1003", "1002", "api", "api op", "SERVER", 12, 57, False),
    (0, "1004", "1003", "api", "query", "CLIENT", 20, 50, False),
    (0, "1005", "1004", "db", "SELECT", "SERVER", 21, 49, False),
    (1, "2001", "", "web", "GET /", "SERVER", 0, 200, False),
    (1, "2002", "2001", "web", "call api", "CLIENT", 10, 110, False),
    (1, "2003", "2002", "api", "api op", "SERVER", 15, 105, False),
    (1, "2004", "2003", "api", "query", "CLIENT", 20, 80, False),
    (1, "2005", "2004", "db", "SELECT", "SERVER", 22, 78, True),
    (2, "3001", "", "web", "GET /", "SERVER", 0, 300, False),
    (2, "3002", "3001", "web", "call api", "CLIENT", 10, 60, False),
    (2, "3003", "3002", "api", "api op", "SERVER", 11, 59, False),
    (2, "3004", "3001", "web", "call api", "CLIENT", 50, 250, False),
    (2, "3005", "3004", "api", "api op", "SERVER", 52, 248, False),
    (2, "3006", "3005", "api", "query", "CLIENT", 60, 100, False),
    (2, "3007", "3006", "db", "SELECT", "SERVER", 61, 99, False),
    (3, "4001", "", "web", "GET /", "SERVER", 0, 100, False),
    (3, "4002", "4001", "web", "call api", "CLIENT", 10, 90, False),
    (3, "4003", "4002", "api", "api op", "SERVER", 12, 88, False),
    (3, "4004", "4001", "web", "render", "INTERNAL", 20, 95, False),
]


def _span(trace: int, span_id: str, parent: str, name: str, kind: str, start: int, end: int, error: bool) -> dict:
    base = T0 + trace * SECOND
    return {"traceId": TRACE_IDS[trace], "spanId": span_id.rjust(16, "0"),
            "parentSpanId": parent.rjust(16, "0") if parent else "", "name": name, "kind": KIND[kind],
            "startTimeUnixNano": str(base + start * MS), "endTimeUnixNano": str(base + end * MS),
            "attributes": [], "status": {"code": 2, "message": "db down"} if error else {}}


def write_traces(path: Path) -> Path:
    """The four traces, one OTLP JSON document a line (one resource per service)."""
    lines = []
    for trace in range(len(TRACE_IDS)):
        services: dict[str, list[dict]] = {}
        for t, span_id, parent, service, name, kind, start, end, error in SPANS:
            if t == trace:
                services.setdefault(service, []).append(_span(t, span_id, parent, name, kind, start, end, error))
        lines.append(json.dumps({"resourceSpans": [
            {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": name}}]},
             "scopeSpans": [{"scope": {"name": "hand-written"}, "spans": spans}]}
            for name, spans in services.items()]}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
