"""Helpers shared by the command modules: consoles, the options every printing command takes, output.

The options every command that prints takes (#17):

* ``-f/--format``: :func:`format_option` builds the annotated option type from the command's
  choices (an ``Enum``); :class:`TextFormat` (text, json) and :class:`RowFormat` (table, json,
  csv) are the usual ones::

      ReportFormat = format_option(TextFormat)

      @app.command()
      def traces(fmt: ReportFormat = TextFormat.text, output: OutputOption = None):
          emit(render(...), output)

* ``-o/--output FILE``: :data:`OutputOption`; :func:`emit` (one text) and :func:`output_writer`
  (streamed) write to stdout, or to FILE atomically: a temporary file in FILE's directory renamed
  over FILE at the end, so an error never leaves a partial FILE.  ``-o -`` is stdout.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from pydantic import ValidationError
from rich.console import Console

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class TextFormat(str, Enum):
    """``-f`` of a command that prints a report: human text or one JSON document."""

    text = "text"
    json = "json"


class RowFormat(str, Enum):
    """``-f`` of a command that prints rows: an aligned table, a JSON array or CSV."""

    table = "table"
    json = "json"
    csv = "csv"


def format_option(choices: type[Enum], help: str = "Output format.") -> Any:
    """The annotated ``-f/--format`` option type over ``choices`` (use it as a parameter's type).

    >>> from typing import get_args
    >>> get_args(format_option(RowFormat))[0] is RowFormat
    True
    """
    return Annotated[choices, typer.Option("--format", "-f", help=help)]


OutputOption = Annotated[
    Optional[Path],
    typer.Option("--output", "-o", metavar="FILE", help="Write to FILE instead of stdout (atomically: a complete "
                 "file or none; '-' is stdout)."),
]


def is_stdout(output: Path | str | None) -> bool:
    """True when ``-o`` means stdout (not given, or ``-``).

    >>> is_stdout(None), is_stdout(Path("-")), is_stdout(Path("out.json"))
    (True, True, False)
    """
    return output is None or str(output) == "-"


def _stdout_write(text: str) -> None:
    """Write to stdout; a closed pipe (``| head``) ends the command quietly.

    A stdout that cannot encode ``★`` or box-drawing characters (``PYTHONIOENCODING=ascii``)
    gets ``?`` instead of a crash.
    """
    try:
        encoding = sys.stdout.encoding
        if encoding and "utf" not in encoding.lower():
            text = text.encode(encoding, "replace").decode(encoding)
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "w") -> Iterator[Any]:
    """An open file whose content replaces ``path`` only when the block ends without an error.

    The temporary file lives beside ``path`` (same filesystem, so the rename is atomic) and is
    removed on error; the new file gets the usual permissions (0666 minus the umask).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> with atomic_file(d / "a.txt") as f:
    ...     _ = f.write("hello")
    >>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('hello', ['a.txt'])
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with (os.fdopen(fd, mode, encoding="utf-8", newline="") if "b" not in mode
              else os.fdopen(fd, mode)) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def output_writer(output: Path | None) -> Iterator[Callable[[str], None]]:
    """A ``write(text)`` function to stdout or, atomically, to ``output`` (for streamed output).

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "r.txt"
    >>> with output_writer(out) as write:
    ...     _ = write("a\\n"); _ = write("b\\n")
    >>> out.read_text()
    'a\\nb\\n'
    """
    if is_stdout(output):
        yield _stdout_write
        return
    with atomic_file(Path(output)) as f:
        yield f.write


def emit(text: str, output: Path | None = None, end: str = "\n") -> None:
    """Print ``text`` and ``end`` (like ``print``) to stdout, or write them atomically to ``output``.

    The text goes out literally: no rich markup, no emoji codes.

    >>> emit("[b]x[/b] :smile:")
    [b]x[/b] :smile:
    """
    with output_writer(output) as write:
        write(text + end)


def format_validation_error(exc: ValidationError) -> str:
    """pydantic errors as ``path.to.field: message`` lines (fastapi-cli style)."""
    lines = []
    for e in exc.errors():
        path = ".".join(str(p) for p in e.get("loc", ())) or exc.title
        lines.append(f"{path}: {e.get('msg', 'invalid')}")
    return "; ".join(lines)


def usable_cpus() -> int | None:
    """The CPUs this process may run on (its affinity where the OS says), None when unknown."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count()
