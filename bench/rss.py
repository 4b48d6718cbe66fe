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


def analyze_rss(path: Path) -> dict[str, float]:
    """``graphtrace analyze FILE --format text`` (reports streamed to /dev/null)."""
    mb, secs = peak_rss_mb([graphtrace_exe(), "analyze", str(path), "--format", "text"])
    return {"analyze_peak_rss_mb": round(mb, 1), "analyze_cli_s": round(secs, 1)}
