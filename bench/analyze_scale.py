"""``analyze`` at scale (issue #16 items 1 and 6): one huge trace, chain or fan-out, end to end.

Usage (from the repo root; writes its inputs under ``--dir``, default /tmp/gt-scale)::

    .venv/bin/python -m bench.analyze_scale chain:100000 fanout:1000000 --format otlp-json jaeger

For each shape and input format: writes the trace as ONE line (OTLP JSON: one
``ExportTraceServiceRequest``; Jaeger: the query API's ``{"data": [trace]}``), then runs
``graphtrace analyze -f json FILE > /dev/null`` in a child process under
``/usr/bin/time -v`` (wall, user+sys CPU, max RSS) and the *parse floor*: a child process that
only does ``orjson.loads`` of the same file.  Prints one JSON line per run, with
``bytes_per_span`` = (max RSS - the RSS of an idle ``graphtrace --help``) / spans.

``crisp:TxS`` is the CRISP-shaped comparison: a directory of T real-shaped Jaeger JSON files, one
trace of S spans per file (``graphtrace generate -f jaeger``), timed as a whole; ``--peer CMD...``
(last option) also times ``CMD... DIR`` (or ``CMD... FILE``) on the same input, e.g. another tool.

Shapes (the same as :mod:`bench.pathological`'s, written straight as bytes, no model objects):
``chain:N``, span i the only child of span i-1, 7 services, every third span ends 1 us after
its parent; ``fanout:N``, one SERVER root and N - 1 CLIENT children of it, 5 us each, staggered.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

US = 1_000
TRACE = "5b8efff798038103d269b633813fc60c"
SHAPES = ("chain", "fanout")


def spans(shape: str, n: int):
    """``(span id, parent id or None, service, name, kind, start ns, end ns)`` for each span.

    >>> [s[:2] for s in spans("chain", 3)], [s[1] for s in spans("fanout", 3)]
    ([('0000000000000001', None), ('0000000000000002', '0000000000000001'), \
('0000000000000003', '0000000000000002')], [None, '0000000000000001', '0000000000000001'])
    """
    sid = "{:016x}".format
    if shape == "chain":
        start, end = 0, 4 * n * US
        for i in range(n):
            yield sid(i + 1), sid(i) if i else None, f"svc{i % 7}", f"op{i % 5}", 1, start, end
            start += US
            end += US if i % 3 == 2 else -US
    elif shape == "fanout":
        yield sid(1), None, "front", "GET /", 2, 0, n * US
        for i in range(1, n):
            yield sid(i + 1), sid(1), "front", f"call{i % 9}", 3, i * US, i * US + 5 * US
    else:
        raise ValueError(f"unknown shape {shape!r}")


def otlp_line(shape: str, n: int) -> bytes:
    """One OTLP JSON request, one resourceSpans per service."""
    by_service: dict[str, list[str]] = {}
    for span_id, parent, service, name, kind, start, end in spans(shape, n):
        parent_field = f'"parentSpanId":"{parent}",' if parent else ""
        by_service.setdefault(service, []).append(
            f'{{"traceId":"{TRACE}","spanId":"{span_id}",{parent_field}"name":"{name}","kind":{kind},'
            f'"startTimeUnixNano":"{start}","endTimeUnixNano":"{end}","status":{{}}}}')
    groups = [f'{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{svc}"}}}}]}},'
              f'"scopeSpans":[{{"scope":{{"name":"bench"}},"spans":[{",".join(rows)}]}}]}}'
              for svc, rows in by_service.items()]
    return f'{{"resourceSpans":[{",".join(groups)}]}}\n'.encode()


_KIND_TAG = {1: "internal", 2: "server", 3: "client"}


def jaeger_line(shape: str, n: int) -> bytes:
    """The Jaeger query API's answer ``{"data": [trace]}`` (times in us)."""
    processes: dict[str, str] = {}
    rows = []
    for span_id, parent, service, name, kind, start, end in spans(shape, n):
        pid = processes.setdefault(service, f"p{len(processes) + 1}")
        refs = f'[{{"refType":"CHILD_OF","traceID":"{TRACE}","spanID":"{parent}"}}]' if parent else "[]"
        rows.append(f'{{"traceID":"{TRACE}","spanID":"{span_id}","operationName":"{name}","references":{refs},'
                    f'"startTime":{start // US},"duration":{(end - start) // US},'
                    f'"tags":[{{"key":"span.kind","type":"string","value":"{_KIND_TAG[kind]}"}}],'
                    f'"logs":[],"processID":"{pid}","warnings":null}}')
    procs = ",".join(f'"{pid}":{{"serviceName":"{svc}","tags":[]}}' for svc, pid in processes.items())
    return (f'{{"data":[{{"traceID":"{TRACE}","spans":[{",".join(rows)}],"processes":{{{procs}}},'
            f'"warnings":null}}],"total":0,"limit":0,"offset":0,"errors":null}}\n').encode()


def write_input(directory: Path, shape: str, n: int, fmt: str) -> Path:
    path = directory / f"{shape}-{n}.{fmt}.json"
    if not path.exists():
        path.write_bytes((otlp_line if fmt == "otlp-json" else jaeger_line)(shape, n))
    return path


def timed(argv: list[str]) -> dict:
    """Run ``argv`` under /usr/bin/time -v (stdout to /dev/null): wall s, cpu s, max RSS MB."""
    proc = subprocess.run(["/usr/bin/time", "-v", *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    err = proc.stderr

    def field(label: str) -> str:
        match = re.search(rf"{re.escape(label)}: (.+)", err)
        return match.group(1).strip() if match else "0"

    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
    wall_s = sum(float(part) * 60 ** i for i, part in enumerate(reversed(wall)))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    rss = int(field("Maximum resident set size (kbytes)")) / 1024
    return {"rc": proc.returncode, "wall_s": round(wall_s, 2), "cpu_s": round(cpu, 2), "rss_mb": round(rss, 1),
            "stderr_tail": err.split("\tCommand being timed")[0][-300:] if proc.returncode else ""}


def measure(path: Path, n: int, peer: list[str] | None = None) -> dict:
    """analyze -f json and the orjson parse floor on ``path`` (and ``peer`` + path when given)."""
    py = sys.executable
    graphtrace = [py, "-m", "graphtrace.cli"] if not Path(py).with_name("graphtrace").exists() \
        else [str(Path(py).with_name("graphtrace"))]
    idle = timed([*graphtrace, "--help"])["rss_mb"]
    analyze = timed([*graphtrace, "analyze", "-f", "json", str(path)])
    floor = timed([py, "-c", "import orjson,sys; orjson.loads(open(sys.argv[1],'rb').read())", str(path)])
    row = {"file": path.name, "mb": round(path.stat().st_size / 2**20, 1), "spans": n, "analyze": analyze,
           "parse_floor": floor, "x_floor_cpu": round(analyze["cpu_s"] / max(floor["cpu_s"], 0.01), 2),
           "bytes_per_span": round((analyze["rss_mb"] - idle) * 2**20 / n)}
    if peer:
        row["peer"] = timed([*peer, str(path)])
    return row


def crisp_dir(directory: Path, traces: int, spans: int) -> Path:
    """A CRISP-shaped input: ``traces`` Jaeger UI downloads (``{"data": [trace]}``), one trace per
    file, real-shaped (``graphtrace generate -f jaeger``: OpenTelemetry-demo services, errors, skew)."""
    out = directory / f"crisp-{traces}x{spans}"
    if out.exists():
        return out
    out.mkdir(parents=True)
    gen = subprocess.run([str(Path(sys.executable).with_name("graphtrace")), "generate", "-f", "jaeger",
                          "-n", str(traces), "--spans-per-trace", str(spans)],
                         check=True, capture_output=True).stdout
    for i, line in enumerate(gen.splitlines()):
        (out / f"trace-{i:06d}.json").write_bytes(line + b"\n")
    return out


def measure_dir(path: Path, spans: int, peer: list[str] | None) -> dict:
    """analyze -f json on a directory vs the parse floor (orjson.loads of every file)."""
    py = sys.executable
    graphtrace = [str(Path(py).with_name("graphtrace"))]
    analyze = timed([*graphtrace, "analyze", "-f", "json", str(path)])
    floor = timed([py, "-c", "import orjson,sys,pathlib\nfor p in sorted(pathlib.Path(sys.argv[1]).iterdir()):"
                   " orjson.loads(p.read_bytes())", str(path)])
    row = {"dir": path.name, "files": sum(1 for _ in path.iterdir()), "spans": spans, "analyze": analyze,
           "parse_floor": floor, "x_floor_cpu": round(analyze["cpu_s"] / max(floor["cpu_s"], 0.01), 2)}
    if peer:
        row["peer"] = timed([*peer, str(path)])
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shapes", nargs="+", help="shape:N, e.g. chain:100000 fanout:1000000")
    parser.add_argument("--format", nargs="+", default=["otlp-json"], choices=["otlp-json", "jaeger"])
    parser.add_argument("--dir", default="/tmp/gt-scale")
    parser.add_argument("--peer", nargs=argparse.REMAINDER, help="also time this command + the file")
    args = parser.parse_args(argv)
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    for item in args.shapes:
        shape, _, count = item.partition(":")
        if shape == "crisp":  # crisp:TRACESxSPANS, e.g. crisp:5000x30
            traces, _, per = count.partition("x")
            path = crisp_dir(directory, int(traces), int(per or 30))
            print(json.dumps(measure_dir(path, int(traces) * int(per or 30), args.peer)), flush=True)
            continue
        n = int(count)
        for fmt in args.format:
            row = measure(write_input(directory, shape, n, fmt), n, args.peer)
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
