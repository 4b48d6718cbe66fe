"""Fuzz ``graphtrace analyze`` (and, for a sample, ``ingest``) with seeded mutations of every format.

    .venv/bin/python scripts/fuzz.py --inputs 100000 --workers 2 --out /tmp/fuzz   # the long run
    .venv/bin/python scripts/fuzz.py --case 4711                                    # replay one input
    .venv/bin/python scripts/fuzz.py --inputs 500 --ingest 100 --neo4j-home ~/.cache/gt-fuzz  # + ingest sample
    .venv/bin/python scripts/fuzz.py --inputs 20000 --jobs-sample 2000 --workers 2         # + analyze --jobs 2

Input ``n`` is ``tests.fuzz.mutate.make_case(n)``: deterministic, so a failure is
reproduced by its number.  Inputs run in forked workers (chunks of ``--chunk``);
each is run in-process through ``graphtrace.cli.main`` with a time limit
(``tests.fuzz.harness``).  A worker that dies (a crash below Python) is reported
as ``crash`` for the input it was on and the chunk continues in a new worker.

The property: every input ends ``ok`` (exit 0) or ``clean_error`` (exit 2,
``Error:`` naming the file).  Anything else is written to ``--out/case-<n>/``
with a WHY.txt, and the summary (counts per class, distinct causes with their
first cases, seconds) is printed and written to ``--out/summary.json`` every
``--chunk`` inputs, so an interrupted run still leaves its figures.

``--jobs-sample K`` also runs ``analyze --jobs 2`` (two forked reader/analysis processes,
``graphtrace.jobs.analyze.ParallelAnalysis``) on K of the inputs, evenly spread.  Its outcome must be
good too, and of the same class and exit code as the one-process run of the same input
(``jobs_differs`` otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fuzz.harness import GOOD, Outcome, run_case, save_failure  # noqa: E402
from tests.fuzz.mutate import make_case  # noqa: E402


def _run_chunk(numbers: list[int], args: argparse.Namespace, results: Path) -> None:
    """Child process: run ``numbers``, appending one JSON line per outcome to ``results``."""
    with results.open("a", encoding="utf-8") as sink:
        for n in numbers:
            case = make_case(n)
            outcome = run_case(case, timeout=args.timeout)
            if outcome.kind not in GOOD:
                save_failure(case, outcome, args.out)
            sink.write(json.dumps(outcome.__dict__) + "\n")
            sink.flush()
            if args.jobs_sample and n % max(1, args.inputs // args.jobs_sample) == 0:
                _run_jobs(case, outcome, args, sink)
            if args.ingest and n % max(1, args.inputs // args.ingest) == 0:
                ingest = run_case(case, timeout=max(args.timeout, 60), command="ingest")
                ingest.cause = "ingest: " + ingest.cause
                if ingest.kind not in GOOD:
                    save_failure(case, ingest, args.out / "ingest")
                ingest.number = -1 - n  # negative: an ingest outcome of case n
                sink.write(json.dumps(ingest.__dict__) + "\n")
                if ingest.kind == "ok":  # what was stored must read back and agree (event attributes...)
                    check = run_case(case, timeout=max(args.timeout, 120), command="check", extra=["--all"])
                    if check.kind != "ok":
                        check.kind = "check_failed" if check.kind == "clean_error" else check.kind
                        check.cause = "check --all after ingest: " + (check.message or check.cause)
                        save_failure(case, check, args.out / "ingest")
                    check.number = -1 - n
                    sink.write(json.dumps(check.__dict__) + "\n")
                sink.flush()


def _run_jobs(case, single: Outcome, args: argparse.Namespace, sink) -> None:  # noqa: ANN001
    """``analyze --jobs 2`` on ``case``: a good outcome of the same class and exit code as ``single``."""
    outcome = run_case(case, timeout=args.timeout, extra=["--jobs", "2"])
    if outcome.kind in GOOD and (outcome.kind, outcome.code) != (single.kind, single.code):
        outcome.cause = f"--jobs 2 ended {outcome.kind} (exit {outcome.code}), one process {single.kind} " \
                        f"(exit {single.code}): {outcome.message or single.message}"
        outcome.kind = "jobs_differs"
    if outcome.kind not in GOOD:
        outcome.cause = "jobs 2: " + outcome.cause
        save_failure(case, outcome, args.out / "jobs2")
    row = dict(outcome.__dict__, variant="jobs2")
    sink.write(json.dumps(row) + "\n")
    sink.flush()


def _read(results: Path) -> list[dict]:
    if not results.exists():
        return []
    return [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]


def _summary(rows: list[dict], seconds: float, args: argparse.Namespace) -> dict:
    analyze = [r for r in rows if r["number"] >= 0 and "variant" not in r]
    ingest = [r for r in rows if r["number"] < 0]
    jobs = [r for r in rows if r.get("variant") == "jobs2"]
    sampled = {r["number"] for r in jobs}
    causes: dict[str, dict] = {}
    for r in rows:
        if r["kind"] in GOOD:
            continue
        c = causes.setdefault(f'{r["kind"]}: {r["cause"]}', {"count": 0, "first_cases": []})
        c["count"] += 1
        if len(c["first_cases"]) < 5:
            c["first_cases"].append(r["number"])
    return {
        "inputs": len(analyze), "first": args.start, "seconds": round(seconds, 1),
        "outcomes": dict(Counter(r["kind"] for r in analyze)),
        "ingest_inputs": len(ingest), "ingest_outcomes": dict(Counter(r["kind"] for r in ingest)),
        "jobs2_inputs": len(jobs), "jobs2_outcomes": dict(Counter(r["kind"] for r in jobs)),
        "jobs2_seconds": round(sum(r["seconds"] for r in jobs), 1),
        "jobs2_one_process_seconds": round(sum(r["seconds"] for r in analyze if r["number"] in sampled), 1),
        "mutations": dict(Counter(r["mutation"].split("+")[0] for r in analyze)),
        "slowest": sorted(((r["seconds"], r["number"]) for r in analyze), reverse=True)[:5],
        "net_catches": sum(r.get("net", 0) for r in analyze),
        "net_first_cases": [r["number"] for r in analyze if r.get("net")][:10],
        "distinct_causes": len(causes),
        "causes": dict(sorted(causes.items(), key=lambda kv: -kv[1]["count"])),
    }


def run(args: argparse.Namespace) -> dict:
    """Run ``args.inputs`` inputs from ``args.start`` in ``args.workers`` forked workers; the summary."""
    # imported once here (the CLI imports these lazily), shared by every forked worker
    import graphtrace.analysis.analyze  # noqa: F401
    import graphtrace.analysis.report  # noqa: F401
    import graphtrace.cli  # noqa: F401
    import graphtrace.render.diagnostics  # noqa: F401
    import graphtrace.render.json  # noqa: F401
    import graphtrace.render.markdown  # noqa: F401
    import graphtrace.render.text  # noqa: F401
    from tests.fuzz.harness import _main

    _main()  # builds the click command once

    args.out.mkdir(parents=True, exist_ok=True)
    results = args.out / "results.jsonl"
    done = {r["number"] for r in _read(results) if r["number"] >= 0 and "variant" not in r}
    todo = [n for n in range(args.start, args.start + args.inputs) if n not in done]
    chunks = [todo[i: i + args.chunk] for i in range(0, len(todo), args.chunk)]
    running: dict[int, tuple[list[int], Path]] = {}
    started = time.perf_counter()
    last_report = 0.0
    while chunks or running:
        while chunks and len(running) < args.workers:
            numbers = chunks.pop(0)
            part = args.out / f"part-{numbers[0]}.jsonl"
            pid = os.fork()
            if pid == 0:  # child
                try:
                    _run_chunk(numbers, args, part)
                finally:
                    os._exit(0)
            running[pid] = (numbers, part)
        pid, status = os.wait()
        numbers, part = running.pop(pid)
        rows = _read(part)
        seen = {r["number"] for r in rows if r["number"] >= 0 and "variant" not in r}
        missing = [n for n in numbers if n not in seen]
        if missing and not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and not missing):
            dead = missing[0]
            crash = Outcome(dead, "crash", f"worker died (status {status})", None, 0.0)
            try:
                case = make_case(dead)
                crash.mutation, crash.seed = case.mutation, case.seed
                save_failure(case, crash, args.out)
            except Exception as exc:  # noqa: BLE001 - the mutator itself failed on this number
                crash.kind, crash.cause = "mutator_error", f"{type(exc).__name__} making the input"
            rows.append(crash.__dict__)
            if missing[1:]:
                chunks.insert(0, missing[1:])
        with results.open("a", encoding="utf-8") as sink:
            for r in rows:
                sink.write(json.dumps(r) + "\n")
        part.unlink(missing_ok=True)
        if time.perf_counter() - last_report > 30 or not (chunks or running):
            last_report = time.perf_counter()
            summary = _summary(_read(results), time.perf_counter() - started + args.previous_seconds, args)
            (args.out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
            print(f"{summary['inputs']} inputs, {summary['seconds']} s: {summary['outcomes']}", flush=True)
    return _summary(_read(results), time.perf_counter() - started + args.previous_seconds, args)


def replay(number: int, timeout: float, command: str, extra: list[str] | None = None) -> int:
    """Run one case in the foreground, printing its outcome and where its files were written."""
    case = make_case(number)
    outcome = run_case(case, timeout=timeout, command=command, extra=extra)
    print(json.dumps(outcome.__dict__, indent=1))
    if outcome.kind not in GOOD:
        print("files:", save_failure(case, outcome, Path("/tmp/fuzz-replay")))
    return 0 if outcome.kind in GOOD else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=1000)
    parser.add_argument("--start", type=int, default=0, help="number of the first input")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=250)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per input before it is a hang")
    parser.add_argument("--ingest", type=int, default=0,
                        help="also run `graphtrace ingest` on this many of the inputs (needs a Neo4j)")
    parser.add_argument("--jobs-sample", type=int, default=0,
                        help="also run `graphtrace analyze --jobs 2` on this many of the inputs")
    parser.add_argument("--neo4j-home", help="with --ingest: the GRAPHTRACE_HOME of the local Neo4j to ingest "
                        "into (NEO4J_* variables are then ignored); its database is written to")
    parser.add_argument("--out", type=Path, default=Path("/tmp/graphtrace-fuzz"))
    parser.add_argument("--case", type=int, help="replay this one input")
    parser.add_argument("--command", default="analyze", help="with --case: analyze or ingest")
    parser.add_argument("--jobs2", action="store_true", help="with --case: run analyze --jobs 2")
    parser.add_argument("--previous-seconds", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.neo4j_home:
        os.environ["GRAPHTRACE_HOME"] = args.neo4j_home
        for name in [n for n in os.environ if n.startswith("NEO4J_")]:
            del os.environ[name]
    if args.case is not None:
        return replay(args.case, args.timeout, args.command, ["--jobs", "2"] if args.jobs2 else None)
    summary = run(args)
    print(json.dumps(summary, indent=1))
    bad = sum(v for k, v in [*summary["outcomes"].items(), *summary["jobs2_outcomes"].items()] if k not in GOOD)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
