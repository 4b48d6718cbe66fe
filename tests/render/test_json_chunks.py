"""The streamed JSON document is byte-for-byte the buffered one, whatever the reports hold."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graphtrace.render.json import render_json, render_json_chunks

REPORTS = [
    {"trace_id": "a", "share": float("nan"), "spans": [{"name": "GET /\nx", "ms": 1.5}], "empty": {}},
    {"trace_id": "b", "nested": [[], [1, [2]], {"k": None}], "text": "\u2605 \"quoted\"", "n": 10**18},
    {"trace_id": "c", "list": []},
]


@pytest.mark.parametrize("count", [0, 1, 2, 3])
@pytest.mark.parametrize("tail", [{"warnings": [], "skipped": []},
                                  {"warnings": [{"message": "w", "record": None}], "skipped": [{"file": "f"}]}])
def test_chunks_join_to_the_buffered_document(count: int, tail: dict) -> None:
    reports = REPORTS[:count]
    streamed = "".join(render_json_chunks(iter(reports), lambda: tail))
    assert streamed == render_json({"traces": reports, **tail})
    assert json.loads(streamed)["traces"][:count][-1:] == json.loads(render_json({"traces": reports}))["traces"][-1:]


def test_tail_is_read_only_after_every_report() -> None:
    seen: list[str] = []

    def reports():
        for r in REPORTS:
            seen.append(r["trace_id"])
            yield r

    def tail():
        assert seen == ["a", "b", "c"]
        return {"warnings": []}

    assert "".join(render_json_chunks(reports(), tail)).endswith('"warnings": []\n}\n')


def test_cli_json_holds_every_generated_trace(tmp_path: Path) -> None:
    gt = str(Path(sys.executable).parent / "graphtrace")
    data = tmp_path / "t.ndjson"
    subprocess.run([gt, "generate", "-n", "40", "-o", str(data)], check=True, capture_output=True, timeout=120)
    ids = [json.loads(line)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"]
           for line in data.read_text().splitlines()]
    proc = subprocess.run([gt, "analyze", str(data), "-f", "json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [t["trace_id"] for t in doc["traces"]] == ids
    assert doc["warnings"] == [] and doc["skipped"] == []
