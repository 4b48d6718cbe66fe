"""The short fuzz run of the test suite, and proof that the harness can fail.

Every input (``tests.fuzz.mutate.make_case(n)``) must end ``ok`` (exit 0) or
``clean_error`` (exit 2 with ``Error:`` naming the input): never a traceback,
Python exception text, a hang, an echoed huge value or another exit code.  The
long run (>= 100,000 inputs) is ``scripts/fuzz.py``; its figures are in
docs/robustness.md.  A failure prints the case numbers; replay one with
``.venv/bin/python scripts/fuzz.py --case N``.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.fuzz.harness import GOOD, NET_TEXT, classify, run_case
from tests.fuzz.mutate import MUTATIONS, make_case

SHORT_RUN = range(7_000_000, 7_000_600)  # its own numbers: not the long run's
BUDGET_S = 60


def test_short_run_every_input_ends_ok_or_with_a_clean_error() -> None:
    started = time.perf_counter()
    bad, kinds, mutations, nets = [], Counter(), Counter(), []
    for number in SHORT_RUN:
        case = make_case(number)
        outcome = run_case(case, timeout=20)
        kinds[outcome.kind] += 1
        mutations[case.mutation.split("+")[0]] += 1
        if outcome.kind not in GOOD:
            bad.append((number, outcome.kind, outcome.cause))
        if outcome.net:
            nets.append(number)
        if time.perf_counter() - started > BUDGET_S:
            break
    assert not bad, f"{len(bad)} bad outcomes (replay: scripts/fuzz.py --case N): {bad[:10]}"
    # the readers name the field themselves; the per-record safety net is for what they missed
    assert not nets, f"the safety net caught records in cases {nets[:10]}: a reader check is missing"
    # the run must have exercised every mutation and both good outcomes, or it proves little
    assert set(mutations) == set(MUTATIONS), set(MUTATIONS) - set(mutations)
    assert kinds["ok"] > 0 and kinds["clean_error"] > 0, kinds


JOBS_RUN = range(7_000_000, 7_000_040)  # a sample of the short run's inputs, again with --jobs 2


def test_jobs_2_ends_every_input_like_one_process() -> None:
    # analyze --jobs 2 forks two reader/analysis processes (ParallelAnalysis); a worker's error is
    # re-raised in the parent.  Same property, and the same outcome class and exit code as one process.
    differ = []
    for number in JOBS_RUN:
        case = make_case(number)
        single = run_case(case, timeout=20)
        double = run_case(case, timeout=20, extra=["--jobs", "2"])
        if double.kind not in GOOD or (double.kind, double.code) != (single.kind, single.code):
            differ.append((number, single.kind, double.kind, double.cause))
    assert not differ, f"--jobs 2 differs (replay: scripts/fuzz.py --case N --jobs2): {differ[:10]}"


def test_the_harness_reports_an_escaped_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    import graphtrace.render.text as text

    def broken(report):  # noqa: ANN001, ANN202
        return report["no such key"]

    monkeypatch.setattr(text, "render_text", broken)
    case = make_case(0)
    case.files = {"input.json": (make_case.__globals__["ROOT"] / "examples" / "otel-demo-add-to-cart.json")
                  .read_bytes()}
    case.options = []
    outcome = run_case(case, timeout=20)
    assert outcome.kind == "traceback" and outcome.cause.startswith("KeyError"), outcome


def test_the_harness_reports_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    import graphtrace.analysis.analyze as analyze
    import graphtrace.analysis.table.analyze as table_analyze

    def slow(trace):  # noqa: ANN001, ANN202
        while True:
            time.sleep(0.01)

    # analyze runs the columnar engine (the dict engine for times past 2^62): make both hang
    monkeypatch.setattr(analyze, "analyze_trace", slow)
    monkeypatch.setattr(table_analyze, "analyze_table", slow)
    case = make_case(0)
    case.files = {"input.json": (make_case.__globals__["ROOT"] / "examples" / "otel-demo-add-to-cart.json")
                  .read_bytes()}
    case.options = []
    started = time.perf_counter()
    outcome = run_case(case, timeout=0.5)
    assert outcome.kind == "hang" and time.perf_counter() - started < 10, outcome


@pytest.mark.parametrize(("code", "err", "kind"), [
    (2, "Error: in.json: span 1: processID: 'list' object has no attribute 'get'", "raw_text"),
    (2, "Error: in.json: decimal.InvalidOperation", "raw_text"),
    (2, "Error: in.json: span 1: name: expected a string, got " + "x" * 5000, "huge_echo"),
    (2, "Error: no traces found", "unnamed"),
    (1, "Aborted!", "bad_exit"),
    (0, "2 warnings:\n  in.json: line 2: spanId: not a hex id; kept as written", "ok"),
])
def test_classify(code: int, err: str, kind: str) -> None:
    assert classify(code, "", err, names=["in.json"])[0] == kind


def test_net_text_matches_the_readers_message() -> None:
    from graphtrace.readers.build import unexpected_message

    assert NET_TEXT in unexpected_message(TypeError("'int' object is not iterable"))


def test_cases_are_deterministic_and_cover_every_seed_format() -> None:
    first, again = make_case(123), make_case(123)
    assert (first.seed, first.mutation, first.files, first.options) == \
        (again.seed, again.mutation, again.files, again.options)
    suffixes = {make_case(n).seed.rsplit(".", 1)[-1] for n in range(400)}
    assert {"json", "ndjson", "csv", "pb"} <= suffixes, suffixes
