"""``analyze -f json`` of one file in-process, by phase (issue #16 item 1): read, each kernel, report, JSON.

Usage (from the repo root; files as :mod:`bench.analyze_scale` writes them)::

    .venv/bin/python -m bench.analyze_scale chain:1000000 --format otlp-json   # writes the input
    .venv/bin/python -m bench.analyze_phases /tmp/gt-scale/chain-1000000.otlp-json.json

Reads the first trace with ``read_tables`` (as ``graphtrace analyze`` does), runs the columnar engine
one kernel at a time with the GC paused (as ``analyze_table`` does), then writes the JSON body in
pieces (``jobs.analyze.json_pieces``, as the one-process command does) and counts its characters.
Prints one JSON line: CPU seconds (``time.process_time``) per phase, the body's size, the peak RSS
after reading and at the end (``ru_maxrss``).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any, Callable


def _rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def phases(path: str) -> dict[str, Any]:
    """The figures of one file (see the module docstring)."""
    from graphtrace.analysis.table.anomalies import find_anomalies
    from graphtrace.analysis.table.bottlenecks import bottlenecks
    from graphtrace.analysis.table.critical_path import path_and_times
    from graphtrace.analysis.table.report import table_report
    from graphtrace.analysis.table.self_time import self_times
    from graphtrace.analysis.table.tree import table_tree
    from graphtrace.gcpause import gc_paused
    from graphtrace.jobs.analyze import json_pieces
    from graphtrace.readers import read_tables

    cpu: dict[str, float] = {}

    def step(name: str, run: Callable[[], Any]) -> Any:
        start = time.process_time()
        out = run()
        cpu[name] = round(time.process_time() - start, 2)
        return out

    table = step("read", lambda: next(iter(read_tables([path]))))
    rss_read = _rss_mb()
    with gc_paused():
        tree = step("tree", lambda: table_tree(table))
        self_ns = step("self_time", lambda: self_times(tree))
        sections, cp_ns = step("critical_path", lambda: path_and_times(tree))
        top = step("bottlenecks", lambda: bottlenecks(tree, self_ns, cp_ns))
        found = step("anomalies", lambda: find_anomalies(tree, cp_ns))
        report = step("report", lambda: table_report(tree, self_ns, cp_ns, sections, top, found))
    del tree
    chars = step("json", lambda: sum(len(piece) for piece in json_pieces(report)))
    analysis = round(sum(cpu[k] for k in ("tree", "self_time", "critical_path", "bottlenecks", "anomalies",
                                          "report")), 2)
    return {"file": path.rsplit("/", 1)[-1], "spans": table.n, "cpu_s": cpu, "analysis_s": analysis,
            "json_mb": round(chars / 2 ** 20, 1), "rss_after_read_mb": rss_read, "max_rss_mb": _rss_mb()}


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(json.dumps(phases(name)), flush=True)
