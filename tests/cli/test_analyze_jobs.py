"""``graphtrace analyze --jobs N``: the same reports as one process, byte for byte, in the same order.

The oracle is the one-process run (tested against hand-derived numbers in
test_analyze_cli.py); warnings and skips must be the same multiset (they are
grouped by worker with several jobs).
"""

from __future__ import annotations

from collections import Counter

import orjson
import pytest

from tests.cli.test_analyze_cli import EXAMPLE, OTHER_ID, TRACE_ID, _doc, _ndjson, assert_error, run


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """60 traces (the example under other ids) in OTLP NDJSON, with a bad line in the middle."""
    path = tmp_path_factory.mktemp("many") / "many.ndjson"
    ids = ["%032x" % (i * 7919 + 1) for i in range(60)]
    lines = [_doc(t) for t in ids[:30]]
    lines.append(b'{"resourceSpans": oops}')
    lines += [_doc(t) for t in ids[30:]]
    path.write_bytes(_ndjson(*lines))
    return path


def _diagnostics(doc: dict) -> tuple[Counter, Counter]:
    key = lambda d: orjson.dumps(d, option=orjson.OPT_SORT_KEYS)  # noqa: E731
    return Counter(map(key, doc["warnings"])), Counter(map(key, doc["skipped"]))


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_json_reports_equal_one_process(many, jobs):
    one, par = run(str(many), "-f", "json"), run(str(many), "-f", "json", "-j", jobs)
    assert one.returncode == par.returncode == 0, par.stderr.decode()
    a, b = orjson.loads(one.stdout), orjson.loads(par.stdout)
    assert a["traces"] == b["traces"] and len(a["traces"]) == 60
    assert _diagnostics(a) == _diagnostics(b) and len(a["skipped"]) == 1


def test_text_and_markdown_equal_one_process(many):
    for fmt in ("text", "markdown"):
        one, par = run(str(many), "-f", fmt), run(str(many), "-f", fmt, "-j", "2")
        assert one.returncode == par.returncode == 0
        assert one.stdout == par.stdout and one.stdout
        assert "1 record skipped" in par.stderr.decode()


def test_jobs_zero_means_one_per_cpu_and_limit_stops(many):
    every = orjson.loads(run(str(many), "-f", "json").stdout)["traces"]
    got = orjson.loads(run(str(many), "-f", "json", "-j", "0", "--limit-traces", "7").stdout)["traces"]
    assert got == every[:7]


def test_one_process_for_stdin_strict_and_trace_id(many):
    data = many.read_bytes()
    assert run("-", "-f", "json", "-j", "2", stdin=data).stdout == run("-", "-f", "json", stdin=data).stdout
    assert_error(run(str(many), "--strict", "-j", "2"), "many.ndjson")
    one = orjson.loads(run(str(EXAMPLE), "-f", "json", "-j", "2", "--trace-id", TRACE_ID).stdout)
    assert [t["trace_id"] for t in one["traces"]] == [TRACE_ID]


def test_errors_from_workers_are_reported_without_traceback(tmp_path):
    assert_error(run(str(tmp_path / "missing.ndjson"), "-j", "2"), "missing.ndjson")
    empty = tmp_path / "empty.ndjson"
    empty.write_bytes(b"")
    assert_error(run(str(empty), "-j", "2"), "no traces found")
    path = tmp_path / "two.ndjson"
    path.write_bytes(_ndjson(_doc(), _doc(OTHER_ID)))
    assert run(str(path), "-j", "2", "--trace-id", "0" * 32).returncode == 2
