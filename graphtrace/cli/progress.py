"""The progress bar: the CLI's side of the progress convention.

A long job takes ``progress: Callable[[str, int, int | None], None] | None`` and calls
``progress(phase, done, total)`` (``total`` None when unknown).  :func:`progress_bar` turns
those calls into a rich progress display on stderr: one line per phase with its count, its
rate, and, when the total is known, a bar and the time left (ETA).

The display is for a person watching: it appears only when stderr is a terminal, it is
transient (gone when the job ends), and :func:`bar_wanted` keeps it away from machine
output (JSON or CSV on stdout) and from a terminal that is receiving the streamed report.
It never touches stdout (rich's stdout redirection is off: data stays on stdout).

>>> from io import StringIO
>>> from rich.console import Console
>>> quiet = Console(file=StringIO(), force_terminal=False)
>>> with progress_bar(console=quiet) as progress:
...     progress is None
True
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from rich.console import Console
from rich.progress import (BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.text import Text

from graphtrace.cli.common import err_console, is_stdout

ProgressCallback = Callable[[str, int, "int | None"], None]
"""``progress(phase, done, total)``: the convention every long job follows."""


def count_text(done: int, total: int | None) -> str:
    """``done`` and, when known, ``/total``.

    >>> count_text(1234, None), count_text(5, 1200)
    ('1,234', '5/1,200')
    """
    return f"{done:,}" if total is None else f"{done:,}/{total:,}"


def rate_text(speed: float | None) -> str:
    """Items per second, or nothing before the first estimate.

    >>> rate_text(None), rate_text(2345.6), rate_text(0.25)
    ('', '2,346/s', '0.25/s')
    """
    if speed is None:
        return ""
    return f"{speed:,.0f}/s" if speed >= 10 else f"{speed:.2g}/s"


class _KnownBar(BarColumn):
    """A bar only when the total is known (no pulsing bar for an open-ended phase)."""

    def render(self, task: Task) -> Text:
        return Text("") if task.total is None else super().render(task)


class _Count(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(count_text(int(task.completed), None if task.total is None else int(task.total)))


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(rate_text(task.speed))


class _Eta(TimeRemainingColumn):
    """``eta H:MM:SS`` when the total is known, else nothing."""

    def render(self, task: Task) -> Text:
        if task.total is None or task.finished:
            return Text("")
        return Text.assemble("eta ", super().render(task))


class _Phases:
    """The ``progress(phase, done, total)`` callable: one rich task per phase, in order of appearance."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, int] = {}

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        task = self._tasks.get(phase)
        if task is None:
            task = self._tasks[phase] = self._progress.add_task(phase, total=total, completed=done)
        else:
            self._progress.update(task, completed=done, total=total)


def bar_wanted(*, data: bool = False, output: Path | None = None, streams: bool = False,
               console: Console = err_console) -> bool:
    """Whether to show a bar: stderr is a terminal, and no JSON/CSV (``data``) goes to stdout, and
    stdout is not a terminal receiving the report as it streams (``streams``).

    >>> from io import StringIO
    >>> tty = Console(file=StringIO(), force_terminal=True)
    >>> bar_wanted(console=tty), bar_wanted(data=True, console=tty)
    (True, False)
    >>> bar_wanted(data=True, output=Path("out.json"), console=tty)
    True
    >>> bar_wanted(console=Console(file=StringIO(), force_terminal=False))
    False
    """
    if not console.is_terminal:
        return False
    if is_stdout(output) and (data or (streams and sys.stdout.isatty())):
        return False
    return True


@contextlib.contextmanager
def progress_bar(enabled: bool = True, console: Console = err_console) -> Iterator[ProgressCallback | None]:
    """The ``progress`` callable to hand to a job, or ``None`` (no bar: disabled or not a terminal).

    The display is live inside the block and removed at its end.
    """
    if not (enabled and console.is_terminal):
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), _KnownBar(bar_width=30), _Count(), _Rate(),
               _Eta(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, redirect_stdout=False, redirect_stderr=False,
                  speed_estimate_period=10) as progress:
        yield _Phases(progress)
