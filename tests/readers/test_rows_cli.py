"""Flat rows through the ``graphtrace`` command (#10 item 4): the acceptance CSV with no flags,
``--map`` fields in ``--help`` and in the error for an unknown field.

Expected values are derived by hand from tests/fixtures/readers/rows_acceptance.csv (see
test_rows_sql.py for the arithmetic).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from graphtrace.readers.columns import MAPPABLE

ROOT = Path(__file__).resolve().parents[2]
ACCEPTANCE = ROOT / "tests" / "fixtures" / "readers" / "rows_acceptance.csv"
UNITLESS = ROOT / "tests" / "fixtures" / "readers" / "rows_unitless_duration.csv"


def _graphtrace(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from graphtrace.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


def test_analyze_acceptance_csv_with_no_flags():
    proc = _graphtrace("analyze", str(ACCEPTANCE), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = orjson.loads(proc.stdout)
    assert out["skipped"] == [] and out["warnings"] == []
    traces = {t["trace_id"]: t for t in out["traces"]}
    one, two = traces["4bf92f3577b34da6a3ce929d0e0e4736"], traces["0af7651916cd43dd8448eb211c80319c"]
    assert one["root_span_ids"] == ["a1b2c3d4e5f60718"] and two["root_span_ids"] == ["e5f60718293a4b5c"]
    assert sorted(one["services"]) == ["cartservice", "frontend", "productcatalogservice", "redis-cart"]
    assert sorted(two["services"]) == ["checkoutservice", "paymentservice"]
    # trace durations: 12,500,000 ns (root 0 .. 12.5 ms) and 20,000,000 ns (root 0 .. 20 ms)
    assert (one["duration_ns"], two["duration_ns"]) == (12_500_000, 20_000_000)
    durations = {s["span_id"]: s["duration_ns"] for t in (one, two) for s in t["spans"]}
    assert durations == {"a1b2c3d4e5f60718": 12_500_000, "b2c3d4e5f6071829": 3_250_000,
                         "c3d4e5f60718293a": 750_000, "d4e5f60718293a4b": 6_000_000,
                         "e5f60718293a4b5c": 20_000_000, "f60718293a4b5c6d": 7_000_000}


def test_analyze_acceptance_csv_text_report():
    proc = _graphtrace("analyze", str(ACCEPTANCE))
    assert proc.returncode == 0, proc.stderr
    lines = [" ".join(line.split()) for line in proc.stdout.splitlines()]
    assert "Services 4: cartservice, frontend, productcatalogservice, redis-cart" in lines
    assert "Services 2: checkoutservice, paymentservice" in lines
    assert "Roots a1b2c3d4e5f60718" in lines and "Roots e5f60718293a4b5c" in lines
    # 12.5 ms and 20 ms; the root's self time: 12.5 - (4.25 - 1) - (11 - 5) = 3.25 ms
    assert "Duration 12.50 ms" in lines and "Duration 20.00 ms" in lines
    assert any(line.startswith("★ [frontend] HTTP GET /cart") and line.endswith("12.50 ms self 3.25 ms")
               for line in lines)


def test_unitless_duration_is_a_clear_error_and_the_map_fixes_it():
    proc = _graphtrace("analyze", str(UNITLESS))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("Error: ") and "--map duration_us=Duration" in proc.stderr
    proc = _graphtrace("analyze", str(UNITLESS), "--map", "duration_us=Duration", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    [trace] = orjson.loads(proc.stdout)["traces"]
    assert trace["duration_ns"] == 1_250_000  # the root's 1250 µs


def test_unknown_map_field_is_refused_with_the_list():
    proc = _graphtrace("analyze", str(ACCEPTANCE), "--map", "duration=Duration")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "unknown field 'duration'" in proc.stderr and ", ".join(MAPPABLE) in proc.stderr


def test_help_of_analyze_and_ingest_lists_the_map_fields():
    for command in ("analyze", "ingest"):
        proc = _graphtrace(command, "--help")
        assert proc.returncode == 0, proc.stderr
        text = " ".join(line.strip(" │") for line in proc.stdout.splitlines())
        for field in MAPPABLE:
            assert field in text, (command, field)


def test_docs_list_the_map_fields():
    """docs/formats.md names exactly columns.MAPPABLE (so the docs cannot drift from --help)."""
    text = " ".join((ROOT / "docs" / "formats.md").read_text(encoding="utf-8").split())
    assert f"`{', '.join(MAPPABLE)}`" in text
