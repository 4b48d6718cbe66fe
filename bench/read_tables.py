"""Reading one huge trace: ``read_tables`` (columns straight from the decoders) vs ``read_traces``.

Usage (from the repo root; the inputs are :mod:`bench.analyze_scale`'s, under /tmp/gt-scale)::

    .venv/bin/python -m bench.read_tables /tmp/gt-scale/fanout-100000.otlp-json.json ...

For each file and each way of reading -- ``tables`` (``list(read_tables([f]))``), ``traces``
(``list(read_traces([f]))``, pydantic ``Span`` objects) and ``floor`` (``orjson.loads`` of the
file's bytes) -- a fresh child process reads it and reports ``time.process_time()`` (CPU, user +
sys) around the read and ``resource.getrusage`` max RSS.  Prints one JSON line per run, with
``us_per_span`` and ``bytes_per_span`` ((max RSS - RSS before reading) / spans).

Measured 2026-12-06 14:44-14:47 UTC (commit f0cfcef; 2 cores shared with other helpers, load 5-7:
CPU figures, each a fresh process; wall times are not comparable):

=================================  ===================  ===================  =================
file (one line)                    read_tables          read_traces          orjson floor
=================================  ===================  ===================  =================
fan-out 10^5, OTLP JSON (20 MB)    0.40 s,  828 B/span  0.76 s, 2223 B/span  0.22 s, 1478 B/span
chain 10^5, OTLP JSON (20 MB)      0.50 s,  828 B/span  1.13 s, 2307 B/span  0.22 s, 1468 B/span
fan-out 10^5, Jaeger (35 MB)       0.77 s,  891 B/span  2.03 s, 3355 B/span  0.68 s, 2999 B/span
chain 10^5, Jaeger (35 MB)         0.71 s,  902 B/span  1.97 s, 3387 B/span  0.78 s, 3041 B/span
fan-out 10^6, OTLP JSON (207 MB)   4.31 s,  511 MB      7.63 s, 1870 MB      3.37 s, 1465 MB
fan-out 10^6, Jaeger (347 MB)      7.46 s,  715 MB     20.65 s, 3120 MB      8.44 s, 2913 MB
=================================  ===================  ===================  =================

(At 10^6 the bytes per span are 481 (OTLP) and 696 (Jaeger); the record's own bytes, kept while its
trace is open, are 207 and 347 of them.  chain 10^6 was not among the shared inputs.)
"""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import orjson
mode, path = sys.argv[1], sys.argv[2]
from graphtrace.readers import read_tables, read_traces
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0, w0 = time.process_time(), time.perf_counter()
if mode == "floor":
    value = orjson.loads(Path(path).read_bytes())
    n = None
elif mode == "tables":
    got = list(read_tables([path]))
    n = sum(t.n for t in got)
else:
    got = list(read_traces([path]))
    n = sum(len(t.spans) for t in got)
cpu, wall = time.process_time() - t0, time.perf_counter() - w0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"cpu_s": round(cpu, 3), "wall_s": round(wall, 3), "max_rss_mb": round(rss / 1024),
                  "base_rss_mb": round(before / 1024), "spans": n}))
"""


def run(path: str, mode: str) -> dict:
    """One fresh child process reading ``path`` the ``mode`` way."""
    out = subprocess.run([sys.executable, "-c", CHILD, mode, path], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main(paths: list[str]) -> None:
    for path in paths:
        spans = None
        for mode in ("tables", "traces", "floor"):
            row = run(path, mode)
            spans = row["spans"] or spans
            if spans:
                row["us_per_span"] = round(row["cpu_s"] / spans * 1e6, 2)
                row["bytes_per_span"] = round((row["max_rss_mb"] - row["base_rss_mb"]) * 2**20 / spans)
            print(json.dumps({"file": path.rsplit("/", 1)[-1], "mode": mode, **row}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
