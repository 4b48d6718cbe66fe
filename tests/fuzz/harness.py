"""Running one fuzz input through the CLI in-process and classifying what happened.

``run_case`` writes the case's files to a temporary directory, calls
``graphtrace.cli.main(["analyze", path, *options])`` with stdout/stderr
captured and an interval timer armed (a hang raises :class:`Hang` in the main
thread), and returns an :class:`Outcome`:

* ``ok``           exit 0, nothing raw on stdout/stderr;
* ``clean_error``  exit 2, stderr starts with ``Error:`` and names the input;
* ``traceback``    an exception escaped ``main`` (or ``Traceback`` was printed);
* ``raw_text``     Python exception text in a message (``'list' object has no attribute``...);
* ``unnamed``      exit 2 whose message names no input file;
* ``huge_echo``    a diagnostic line over :data:`MAX_LINE` characters (an echoed value);
* ``hang``         the time limit passed;
* ``bad_exit``     any other exit code.

>>> classify(0, "", "")[0], classify(2, "", "Error: /tmp/x/in.json: line 1: bad", names=["in.json"])[0]
('ok', 'clean_error')
>>> classify(2, "", "Error: in.json: 'list' object has no attribute 'get'", names=["in.json"])
('raw_text', "object has no attribute: Error: in.json: 'list' object has no attribute 'get'")
"""

from __future__ import annotations

import gc
import io
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.fuzz.mutate import Case

GOOD = ("ok", "clean_error")
MAX_LINE = 4000  # a diagnostic line longer than this echoes a value
RAW_PATTERNS = [
    "Traceback", "object has no attribute", "unsupported operand", "KeyError(", "list index out of range",
    "is not subscriptable", "object is not iterable", "not supported between instances",
    "invalid literal for int()", "can't multiply sequence", "must be str, not", "must be real number",
    "object of type", "decimal.InvalidOperation", "InvalidOperation", "[<class", "maximum recursion depth",
    "Integer exceeds 64-bit range", "codec can't decode", "object is not callable", "unhashable type",
    "argument must be", "cannot convert float", "Python int too large", "OverflowError", "ValueError(",
    "TypeError(", "AttributeError", "takes no keyword", "NoneType", "out of range for", "expected str instance",
    "string indices must be", "too many values to unpack", "not enough values to unpack",
    "float() argument", "could not convert string to float", "int() argument", "object cannot be interpreted",
    "Input should be a valid", "For further information visit https://errors.pydantic.dev",
]
_RAW = re.compile("|".join(re.escape(p) for p in RAW_PATTERNS))


NET_TEXT = "cannot read this record ("  # graphtrace.readers.build.unexpected_message
NET_TEXTS = (NET_TEXT, "cannot build the spans of trace ")  # ... and the assembler's net for Zipkin drafts


class Hang(BaseException):
    """Raised by the interval timer: the input took longer than the limit."""


@dataclass
class Outcome:
    """What one input did: its class, a short cause (for grouping), the exit code, seconds, output sizes."""

    number: int
    kind: str
    cause: str
    code: int | None
    seconds: float
    mutation: str = ""
    seed: str = ""
    message: str = ""
    net: int = 0  # records the readers' safety net caught (a root cause to fix, though the outcome is good)


def _first_error_line(err: str) -> str:
    for line in err.splitlines():
        if line.startswith("Error:"):
            return line
    return err.splitlines()[0] if err.strip() else ""


def _normalise(text: str) -> str:
    """A cause key: digits and quoted values replaced, so one bug is one cause."""
    text = re.sub(r"'[^']{0,80}'|\"[^\"]{0,80}\"", "'…'", text)
    text = re.sub(r"/tmp/[^\s:]+", "FILE", text)
    text = re.sub(r"\d+", "N", text)
    return text[:160]


def classify(code: int | None, out: str, err: str, names: list[str] | None = None) -> tuple[str, str]:
    """(kind, cause) for an exit code and the captured output; see the module doc."""
    names = names or []
    for stream in (err, out):
        match = _RAW.search(stream)
        if match:
            start = stream.rfind("\n", 0, match.start()) + 1
            end = stream.find("\n", match.end())
            line = stream[start: end if end >= 0 else len(stream)]
            return ("traceback" if match.group() == "Traceback" else "raw_text"), \
                f"{match.group()}: {line[:300]}"
    long_line = next((ln for ln in err.splitlines() if len(ln) > MAX_LINE), None)
    if long_line is not None:
        return "huge_echo", f"stderr line of {len(long_line)} chars: {long_line[:120]}"
    if code == 0:
        return "ok", ""
    if code == 2 and any(line.startswith("Error:") for line in err.splitlines()):
        line = _first_error_line(err)
        if names and not any(n in line for n in names):
            return "unnamed", _normalise(line)
        return "clean_error", _normalise(line)
    return "bad_exit", f"exit {code}: {_first_error_line(err)[:200]}"


def _alarm(signum, frame):  # noqa: ANN001 - signal handler signature
    raise Hang()


class _CachedApp:
    """The Typer app with its click command built once (Typer rebuilds it on every call, which
    is 3/4 of an input's time); ``graphtrace.cli.main`` calls it exactly as it calls the app."""

    def __init__(self, app) -> None:  # noqa: ANN001
        import typer.main

        self.command = typer.main.get_command(app)

    def __call__(self, args: list[str], standalone_mode: bool = True):  # noqa: ANN204
        return self.command.main(args=args, standalone_mode=standalone_mode, prog_name="graphtrace")


_CACHED: dict[int, _CachedApp] = {}


@contextmanager
def _cached_main():  # noqa: ANN202
    """``graphtrace.cli.main`` with the cached click command in place of the app, for one call only
    (the module attribute is restored, so other tests see the real Typer app)."""
    import graphtrace.cli as cli

    app = cli.app
    cached = _CACHED.get(id(app))
    if cached is None:
        cached = _CACHED[id(app)] = _CachedApp(app)
    cli.app = cached
    try:
        yield cli.main
    finally:
        cli.app = app


def _main():  # noqa: ANN202
    """Build the cached click command now (before forking workers)."""
    with _cached_main() as main:
        return main


def invoke(argv: list[str], timeout: float) -> tuple[int | None, str, str, BaseException | None]:
    """Run ``graphtrace.cli.main(argv)`` in this process: (exit code, stdout, stderr, escaped exception)."""
    with _cached_main() as main:
        return _invoke(main, argv, timeout)


def _invoke(main, argv: list[str], timeout: float) -> tuple[int | None, str, str, BaseException | None]:  # noqa: ANN001

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr, sys.stdin = out, err, io.TextIOWrapper(io.BytesIO(b""))
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    code: int | None = None
    escaped: BaseException | None = None
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Hang as exc:
        escaped = exc
    except BaseException as exc:  # noqa: BLE001 - the whole point: anything that escapes
        escaped = exc
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.stdout, sys.stderr, sys.stdin = saved
        gc.enable()  # the readers pause the GC while producing; an escaped exception must not leave it off
    return code, out.getvalue(), err.getvalue(), escaped


def _escaped_cause(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "graphtrace" in f.filename and "/tests/" not in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].name}" if ours else "?"
    return f"{type(exc).__name__} in {where}: {str(exc)[:120]}"


def write_case(case: Case, directory: Path) -> Path:
    """The case's files under ``directory``; returns the path to give the CLI (the file, or the directory)."""
    for name, data in case.files.items():
        (directory / name).write_bytes(data)
    return directory if len(case.files) > 1 else directory / next(iter(case.files))


def run_case(case: Case, timeout: float = 10.0, command: str = "analyze",
             extra: list[str] | None = None) -> Outcome:
    """Run one case through ``graphtrace <command>`` and classify it."""
    tmp = Path(tempfile.mkdtemp(prefix="gtfuzz-"))
    try:
        target = write_case(case, tmp)
        options = case.options if command == "analyze" else [o for o in case.options if o == "--strict"]
        argv = [command, *([] if command == "check" else [str(target)]), *options, *(extra or [])]
        started = time.perf_counter()
        code, out, err, escaped = invoke(argv, timeout)
        seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if isinstance(escaped, Hang):
        kind, cause = "hang", f"over {timeout} s ({case.mutation} on {case.seed})"
    elif escaped is not None:
        kind, cause = "traceback", _escaped_cause(escaped)
    else:
        kind, cause = classify(code, out, err, names=[tmp.name, str(tmp)])
    net = 0 if escaped is not None else sum((out + err).count(text) for text in NET_TEXTS)
    return Outcome(case.number, kind, cause, code, round(seconds, 4), case.mutation, case.seed,
                   _first_error_line(err)[:300], net)


def save_failure(case: Case, outcome: Outcome, directory: Path) -> Path:
    """Write a failing case's files (and how to replay it) under ``directory/case-<n>``."""
    where = directory / f"case-{case.number}"
    where.mkdir(parents=True, exist_ok=True)
    write_case(case, where)
    (where / "WHY.txt").write_text(
        f"case {case.number}: {outcome.kind}\ncause: {outcome.cause}\nmutation: {case.mutation} on {case.seed}\n"
        f"options: {' '.join(case.options)}\nreplay: .venv/bin/python scripts/fuzz.py --case {case.number}\n",
        encoding="utf-8")
    return where


__all__ = ["GOOD", "Hang", "Outcome", "classify", "invoke", "run_case", "save_failure", "write_case",
           "os"]
