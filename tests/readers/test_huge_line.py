"""One huge line (a 10^6-span trace on one NDJSON line) through head reading and sniffing (#16.1)."""

from __future__ import annotations

import io
import time

import pytest

from graphtrace.readers.sniff import detect_layout
from graphtrace.readers.sources import _CHUNK, _read_head


def _reference_head(data: bytes) -> tuple[bytes, bool]:
    """The rule of ``_read_head`` restated on whole chunks: the shortest run of 64 KiB chunks that holds
    non-whitespace followed (anywhere later) by a newline, and at least 4096 bytes; else all of it,
    complete.  (This is how the head was read before, re-joined per chunk.)"""
    for end in range(_CHUNK, len(data) + _CHUNK, _CHUNK):
        head = data[:end]
        stripped = head.lstrip()
        if stripped and b"\n" in stripped and len(head) >= 4096:
            return head, False  # (not known to be complete: the end is seen only by one more read)
    return data, True


@pytest.mark.parametrize("data", [
    b"",
    b"{}\n",                                           # shorter than 4096: the whole input
    b"\n" * (_CHUNK + 10) + b'{"a": 1}\n' + b"x" * _CHUNK,  # newlines before the content do not count
    b" " * (_CHUNK - 1) + b"{" + b"1" * _CHUNK + b"\n" + b"y" * _CHUNK * 2,  # content starts at a chunk's end
    b"[" + b"0," * (3 * _CHUNK) + b"0]\n" + b"[1]\n" * 10,  # a first line of several chunks
    b'{"a": 1}' + b" " * (5 * _CHUNK),                 # no newline at all: the whole input
])
def test_head_is_the_shortest_chunk_run_holding_a_line(data: bytes) -> None:
    assert _read_head(io.BytesIO(data)) == _reference_head(data)


def test_a_32_mib_line_is_read_in_linear_time() -> None:
    # 512 chunks: re-joining the head for every chunk copied 512 * 16 MiB = 8 GiB (4 s); once is 32 MiB
    line = b'{"x": "' + b"a" * (32 << 20) + b'"}\n'
    started = time.process_time()
    head, complete = _read_head(io.BytesIO(line + b'{"x": 1}\n'))
    assert time.process_time() - started < 1.0
    assert head.startswith(line) and not complete


def test_a_huge_complete_first_line_is_ndjson_and_a_huge_opening_is_a_document() -> None:
    big = b'{"resourceSpans": [' + b",".join([b'{"scopeSpans": []}'] * 100_000) + b"]}"  # 1.9 MB
    assert len(big) > 1 << 20
    # a complete value, then more lines: NDJSON (one document cannot go on after its value)
    assert detect_layout(big + b'\n{"resourceSp', complete=False) == "ndjson"
    # the same value cut short is no complete value; its brackets are still open: a document's opening
    assert detect_layout(big[:-2] + b",\n" + b'{"x": 1}\n{"y', complete=False) == "document"
