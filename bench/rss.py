"""Peak memory of the streaming commands: RSS must follow the largest trace, not the input size.

Each command runs in a fresh child process (through a tiny wrapper that
reports only that child's ``ru_maxrss``), on files of growing size that hold
the same kind of traces; bounded memory shows as a flat peak.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

_WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode\n"
    "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def peak_rss_mb(argv: list[str]) -> tuple[float, float]:
    """Run ``argv``; return (peak RSS in MB of that process, wall seconds).  Raises on failure."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, *argv], capture_output=True, text=True)
    secs = time.perf_counter() - t
    rc, kb = proc.stdout.split()
    if rc != "0":
        raise RuntimeError(f"{' '.join(argv)} exited {rc}: {proc.stderr[-500:]}")
    return int(kb) / 1024, secs


def graphtrace_exe() -> str:
    return str(Path(sys.executable).parent / "graphtrace")


def analyze_rss(path: Path, spans: int) -> dict[str, float]:
    """``graphtrace analyze FILE`` as a user runs it, output to /dev/null: peak RSS and wall time of
    the text report (the default), and spans/s of the JSON report with one and with two processes
    (``--jobs 2``: the peak is the largest single process; parent and workers each stay about that size)."""
    exe = graphtrace_exe()
    mb, secs = peak_rss_mb([exe, "analyze", str(path), "--format", "text"])
    out = {"analyze_peak_rss_mb": round(mb, 1), "analyze_cli_s": round(secs, 1)}
    for jobs in (1, 2):
        mb, secs = peak_rss_mb([exe, "analyze", str(path), "--format", "json", "--jobs", str(jobs)])
        out[f"analyze_cli_json_jobs{jobs}_spans_per_s"] = round(spans / secs)
        out[f"analyze_cli_json_jobs{jobs}_peak_rss_mb"] = round(mb, 1)
    return out
