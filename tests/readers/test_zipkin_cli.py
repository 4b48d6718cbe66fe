"""``graphtrace analyze FILE --format json`` on Zipkin v2 files, as a real process.

Expected numbers are derived by hand (T = the root's timestamp, 1,700,000,000,000,000 µs):

zipkin_unfinished.json: the root has a timestamp and no duration -> [T, T], 0 ns.  All its
children start after T, so under the critical-path rules (a child starting at or after its
parent's end is dropped; zero-length sections are skipped) no span but the root can be on the
path, and the root's own section [T, T] is empty: no section, 0 ns of critical path for any span.
The old reader dropped the root and made its 3 children extra roots, each with its own path.
Trace: 5 spans; start T; end = the latest end: render at T+2600 µs (duration 0), later than the
client's T+120+2300 = T+2420 µs -> duration 2,600 µs = 2,600,000 ns.

zipkin_flush.json: parent [T, T+100 µs]; encode [T+20, T+20] (no duration; its brave.flush
annotation 9 s later does not count); write [T+40, T+70].  Walk back from T+100: the
last-finishing child is write (ends T+70) -> parent [T+70, T+100] = 30 µs; write [T+40, T+70] =
30 µs; from T+40 the next is encode (ends T+20) -> parent [T+20, T+40] = 20 µs; encode's section
is empty; from T+20 no child -> parent [T, T+20] = 20 µs.  Parent 30 + 20 + 20 = 70 µs, write
30 µs; the trace lasts 100 µs (the old reader made it 9,000,020 µs).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "readers"
T_NS = 1_700_000_000_000_000 * 1000


def _analyze(name: str) -> dict:
    exe = ROOT / ".venv" / "bin" / "graphtrace"
    done = subprocess.run([str(exe), "analyze", str(FIXTURES / name), "--format", "json"],
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return orjson.loads(done.stdout)


def test_unfinished_root_is_the_whole_critical_path():
    out = _analyze("zipkin_unfinished.json")
    [trace] = out["traces"]
    assert trace["root_span_ids"] == ["6b221d5bc9e6496c"]
    assert (trace["span_count"], trace["start_ns"], trace["duration_ns"]) == (5, T_NS, 2_600_000)
    assert trace["critical_path"] == []
    assert all(s["critical_path_ns"] == 0 for s in trace["spans"])
    assert out["skipped"] == [] and out["warnings"] == []


def test_flush_annotation_does_not_stretch_the_critical_path():
    [trace] = _analyze("zipkin_flush.json")["traces"]
    assert trace["duration_ns"] == 100_000
    sections = [(c["span_id"], c["start_ns"] - T_NS, c["end_ns"] - T_NS) for c in trace["critical_path"]]
    assert sections == [("1111aaaa2222bbbb", 0, 20_000), ("1111aaaa2222bbbb", 20_000, 40_000),
                        ("5555eeee6666ffff", 40_000, 70_000), ("1111aaaa2222bbbb", 70_000, 100_000)]
    by_name = {s["name"]: (s["duration_ns"], s["critical_path_ns"]) for s in trace["spans"]}
    assert by_name == {"get /price": (100_000, 70_000), "encode": (0, 0), "write": (30_000, 30_000)}
