"""Turning ``sources`` (files, directories, globs, ``-``) into readable binary streams.

Directories contribute every non-hidden file below them, sorted, except files
that are not trace data (``README.md``, ``*.py``...: :func:`is_trace_candidate`); globs are
expanded (``**`` included) and sorted; ``-`` is standard input.  Gzip is
recognised by its magic bytes (``1f 8b``), not by the suffix, and
decompressed while reading.  :func:`open_source` returns the first bytes
(``head``, for sniffing: at least one whole line when the input has lines)
and a stream that replays them, so nothing is read twice and NDJSON/CSV can
be consumed line by line.

>>> import tempfile, pathlib, gzip
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "b.json").write_bytes(gzip.compress(b'{"x": 1}\\n'))
>>> _ = (d / "a.json").write_bytes(b"[]")
>>> _ = (d / "README.md").write_bytes(b"# traces")
>>> ignored = []
>>> [p.name for p in expand_sources([d], ignored)], [p.name for p in ignored]
(['a.json', 'b.json'], ['README.md'])
>>> opened = open_source(d / "b.json")
>>> opened.head, opened.stream.read()
(b'{"x": 1}\\n', b'{"x": 1}\\n')
"""

from __future__ import annotations

import glob
import gzip
import io
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Sequence

from graphtrace.errors import InputError

STDIN = "-"
_GLOB_CHARS = set("*?[")
_CHUNK = 1 << 16


NOT_TRACES = frozenset({
    ".md", ".markdown", ".rst", ".adoc", ".py", ".pyc", ".ipynb", ".sh", ".bash", ".ps1", ".bat", ".yaml", ".yml",
    ".toml", ".ini", ".cfg", ".conf", ".html", ".htm", ".css", ".js", ".ts", ".go", ".java", ".rs", ".c", ".h",
    ".png", ".jpg", ".jpeg", ".gif", ".svg", ".pdf", ".zip", ".tar", ".whl", ".lock", ".sql", ".cypher",
})
"""Suffixes of files that are not trace data: skipped (and counted) when found in a directory."""
NOT_TRACE_NAMES = frozenset({"readme", "license", "licence", "makefile", "dockerfile", "notice", "changelog",
                             "authors", "contributing", "copying"})


def is_trace_candidate(path: Path) -> bool:
    """Whether a file found in a directory may hold traces (documentation, code, images may not).

    >>> [is_trace_candidate(Path(n)) for n in ("t.json", "t.ndjson.gz", "README.md", "gen.py", "LICENSE", "x")]
    [True, True, False, False, False, True]
    """
    return path.suffix.lower() not in NOT_TRACES and path.stem.lower() not in NOT_TRACE_NAMES


def expand_sources(sources: Sequence[str | Path], ignored: list[Path] | None = None) -> list[Path | str]:
    """Paths to read, in order; ``"-"`` stays as is.  InputError for a source that matches nothing.

    Files inside a directory that are not trace data (:func:`is_trace_candidate`: ``README.md``,
    ``*.py``...) are left out and appended to ``ignored``; a file named explicitly is always read.

    >>> expand_sources(["-"])
    ['-']
    """
    out: list[Path | str] = []
    for source in sources:
        text = str(source)
        if text == STDIN:
            out.append(STDIN)
            continue
        path = Path(text)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file()
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            out.extend(p for p in found if is_trace_candidate(p))
            if ignored is not None:
                ignored.extend(p for p in found if not is_trace_candidate(p))
        elif path.is_file():
            out.append(path)
        elif _GLOB_CHARS & set(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True) if Path(m).is_file())
            if not matches:
                raise InputError("no file matches this pattern", file=text)
            out.extend(matches)
        else:
            raise InputError("no such file or directory", file=text)
    return out


class _Replay(io.RawIOBase):
    """A raw stream that first returns ``head`` and then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:] if n < len(self._head) else memoryview(b"")  # let the head go
            return n
        readinto = getattr(self._stream, "readinto", None)
        if readinto is not None:  # no intermediate bytes object
            return readinto(buffer)
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


_GZIP_ERRORS = (OSError, EOFError, zlib.error)  # gzip.BadGzipFile is an OSError


class _Gunzip(io.RawIOBase):
    """A gzip stream whose corruption, wherever it is found, is an InputError naming the file and
    the offset in the decompressed data (truncated stream, bad CRC or length, bad deflate data).

    >>> import gzip, io
    >>> packed = gzip.compress(b"x" * 100, mtime=0)
    >>> bad = _Gunzip(gzip.GzipFile(fileobj=io.BytesIO(packed[:-8] + b"\\0" * 8)), "t.gz")
    >>> try:
    ...     bad.read()
    ... except InputError as exc:
    ...     print(exc)
    t.gz: corrupt gzip data (found after 0 decompressed bytes): CRC check failed
    """

    def __init__(self, stream: gzip.GzipFile, name: str) -> None:
        self._stream = stream
        self._name = name
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        try:
            n = self._stream.readinto(buffer)
        except _GZIP_ERRORS as exc:
            raise InputError(f"corrupt gzip data (found after {self._offset} decompressed bytes): "
                             f"{_gzip_reason(exc)}", file=self._name) from None
        self._offset += n
        return n

    def close(self) -> None:
        self._stream.close()
        super().close()


def _gzip_reason(exc: BaseException) -> str:
    """The cause of a gzip failure in plain words (no exception reprs, no checksum values).

    >>> _gzip_reason(EOFError("Compressed file ended before the end-of-stream marker was reached"))
    'the compressed stream ends early (truncated file)'
    >>> _gzip_reason(zlib.error("Error -3 while decompressing data: invalid distance too far back"))
    'invalid compressed data (invalid distance too far back)'
    """
    text = str(exc)
    if isinstance(exc, EOFError):
        return "the compressed stream ends early (truncated file)"
    if "CRC check failed" in text:
        return "CRC check failed"
    if "Not a gzipped file" in text:
        return "data that is not gzip follows the compressed stream, or the header is damaged"
    if "Incorrect length" in text:
        return "the length in the gzip trailer does not match the data"
    if isinstance(exc, zlib.error):
        return f"invalid compressed data ({text.rpartition(': ')[2][:80]})"
    return (text or type(exc).__name__)[:120]


@dataclass
class Opened:
    """An open source: its display ``name``, sniffable ``head`` bytes and the full ``stream``."""

    name: str
    head: bytes
    stream: BinaryIO
    complete: bool  # head holds the whole input

    def read_all(self) -> bytes:
        """The whole (decompressed) content: the head itself when it holds all of it (no copy)."""
        if self.complete:
            return self.head
        return self.stream.read()

    def lines(self) -> Iterator[bytes]:
        """The content line by line (streaming)."""
        yield from self.stream

    def close(self) -> None:
        self.stream.close()


def open_source(source: Path | str) -> Opened:
    """Open a path or ``"-"`` as decompressed binary, with its head read for sniffing."""
    name = "<stdin>" if source == STDIN else str(source)
    try:
        raw: BinaryIO = sys.stdin.buffer if source == STDIN else open(source, "rb")
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror or exc}", file=name) from exc
    buffered = io.BufferedReader(_Replay(b"", raw), buffer_size=_CHUNK)  # type: ignore[arg-type]
    if buffered.peek(2)[:2] == b"\x1f\x8b":
        buffered = _Gunzip(gzip.GzipFile(fileobj=buffered, mode="rb"), name)  # type: ignore[assignment]
    try:
        head, complete = _read_head(buffered)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=name) from exc
    stream = io.BufferedReader(_Replay(head, buffered), buffer_size=_CHUNK)  # type: ignore[arg-type]
    return Opened(name, head, stream, complete)  # type: ignore[arg-type]


def _read_head(stream: BinaryIO) -> tuple[bytes, bool]:
    """Read chunks until the head holds a line with content and its newline, or the end.

    Each chunk is looked at once (a 484 MB line used to re-join and re-scan the head per chunk).
    """
    parts: list[bytes] = []
    size, content, newline = 0, False, False
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return b"".join(parts), True
        parts.append(chunk)
        size += len(chunk)
        if not content:  # only whitespace so far: the content starts in this chunk, if at all
            rest = chunk.lstrip()
            content, newline = bool(rest), b"\n" in rest
        elif not newline:
            newline = b"\n" in chunk
        if newline and size >= 4096:
            return b"".join(parts), False
