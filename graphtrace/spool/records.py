"""The spool's record format: one checksummed, length-prefixed OTLP payload per record.

A record is ``MAGIC (4 bytes) | length (u32, big-endian) | crc32 (u32) | kind (1 byte) | payload``;
the CRC (``zlib.crc32``) covers kind and payload.  ``kind`` says how the payload is encoded
(:data:`PROTO`: a binary ``ExportTraceServiceRequest``; :data:`JSON`: the same as OTLP JSON).
A record cut short by a crash, or one whose checksum does not match, ends the readable part of
a segment: :func:`scan` stops there and reports the offset.

>>> blob = encode(PROTO, b"abc") + encode(JSON, b"{}")
>>> records, end, problem = scan(blob)
>>> [(r.kind, r.payload, r.offset) for r in records], end, problem
([(1, b'abc', 0), (2, b'{}', 16)], 31, None)
>>> scan(blob[:-1])[1:]
(16, 'record at byte 16 is cut short (a crash in mid-write)')
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

MAGIC = b"GTS1"
PROTO = 1
JSON = 2
KINDS = (PROTO, JSON)
_HEAD = struct.Struct(">4sII")
HEADER_SIZE = _HEAD.size + 1


@dataclass(slots=True)
class Record:
    """One payload read back from a segment, with its byte ``offset`` in that segment."""

    kind: int
    payload: bytes
    offset: int


def encode(kind: int, payload: bytes) -> bytes:
    """The bytes of one record.

    >>> len(encode(PROTO, b"x")) == HEADER_SIZE + 1
    True
    """
    body = bytes((kind,)) + payload
    return _HEAD.pack(MAGIC, len(payload), zlib.crc32(body)) + body


def scan(data: bytes | memoryview, start: int = 0) -> tuple[list[Record], int, str | None]:
    """Every whole, valid record from ``start``; the offset after the last one; what stopped the scan.

    The problem is None when the data ends exactly after a record.
    """
    records: list[Record] = []
    pos, size = start, len(data)
    while pos < size:
        if size - pos < HEADER_SIZE:
            return records, pos, f"record at byte {pos} is cut short (a crash in mid-write)"
        magic, length, crc = _HEAD.unpack_from(data, pos)
        if magic != MAGIC:
            return records, pos, f"record at byte {pos} has no record marker (corrupt)"
        end = pos + HEADER_SIZE + length
        if end > size:
            return records, pos, f"record at byte {pos} is cut short (a crash in mid-write)"
        body = bytes(data[pos + _HEAD.size:end])
        if zlib.crc32(body) != crc or body[0] not in KINDS:
            return records, pos, f"record at byte {pos} fails its checksum (corrupt)"
        records.append(Record(body[0], body[1:], pos))
        pos = end
    return records, pos, None
