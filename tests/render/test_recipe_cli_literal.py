"""End to end on a real Neo4j: hostile span names through ``graphtrace recipe run`` (the table for
people) come out literally, with no raw escape sequence, within the terminal width.

The trace is a hand-written OTLP JSON document in the collector file exporter's shape: one
service ``shop``, a root ``[/x] root`` (0..10 ms) and a child named with markup, an ANSI colour
sequence, an OSC 8 hyperlink and a right-to-left override (2..5 ms).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
T0 = 1_732_096_800_000_000_000  # 2024-11-20T10:00:00Z
CHILD = "[bold]GET /api/products/[productId]\x1b[31m red \x1b]8;;http://e\x07link \u202eexe.txt \\ end"


def _span(span_id: str, parent: str, name: str, start_ms: int, end_ms: int, kind: int) -> dict:
    return {"traceId": TRACE_ID, "spanId": span_id, "parentSpanId": parent, "name": name, "kind": kind,
            "startTimeUnixNano": str(T0 + start_ms * 1_000_000), "endTimeUnixNano": str(T0 + end_ms * 1_000_000),
            "attributes": [], "events": [], "status": {"code": 0}}


def _document() -> dict:
    spans = [_span("b7ad6b7169203331", "", "[/x] root", 0, 10, 2),
             _span("00f067aa0ba902b7", "b7ad6b7169203331", CHILD, 2, 5, 1)]
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "shop"}}]}
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [{"scope": {"name": "t"}, "spans": spans}]}]}


def _gt(settings, *args: str, columns: int = 100) -> subprocess.CompletedProcess:
    conn = ["--uri", settings.uri, "--user", settings.user,
            "--password", settings.password.get_secret_value(), "--database", settings.database]
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([str(Path(sys.executable).with_name("graphtrace")), *args, *conn],
                          capture_output=True, text=True, timeout=180, env=env)


def test_call_tree_of_hostile_names_is_literal_and_fits(clean_db, neo4j_settings, tmp_path):
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(_document()), encoding="utf-8")
    ingested = _gt(neo4j_settings, "ingest", str(path))
    assert ingested.returncode == 0, ingested.stderr
    for name in ("call-tree", "critical-path"):
        proc = _gt(neo4j_settings, "recipe", "run", name, "-p", "trace_id", TRACE_ID, columns=100)
        assert proc.returncode == 0, proc.stderr  # "[/x]" used to end in a rich MarkupError traceback
        out = proc.stdout
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
        assert "[/x] root" in out
        assert all(len(line) <= 100 for line in out.splitlines())
    tree = _gt(neo4j_settings, "recipe", "run", "call-tree", "-p", "trace_id", TRACE_ID, columns=400).stdout
    # the child's name, literally (control pictures for ESC and BEL, an escape for U+202E)
    assert "[bold]GET /api/products/[productId]␛[31m red ␛]8;;http://e␇link \\u202eexe.txt \\ end" in tree
    # human units: root 10 ms long starting at the trace start, child 3 ms starting 2 ms later
    root = next(line for line in tree.splitlines() if "[/x] root" in line)
    assert "10.0 ms" in root and "+0 ns" in root
    child = next(line for line in tree.splitlines() if "[bold]GET" in line)
    assert "3.00 ms" in child and "+2.00 ms" in child
    raw = json.loads(_gt(neo4j_settings, "recipe", "run", "call-tree", "-p", "trace_id", TRACE_ID,
                         "--format", "json").stdout)
    assert {r["name"] for r in raw} == {"[/x] root", CHILD}  # JSON keeps the raw name and ns integers
    assert {r["duration_ns"] for r in raw} == {10_000_000, 3_000_000}
