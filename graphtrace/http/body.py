"""Read a request body within size limits, with gzip, and the bearer-token check.

>>> import gzip
>>> gunzip_limited(gzip.compress(b"x" * 10), 100)
b'xxxxxxxxxx'
>>> gunzip_limited(gzip.compress(b"x" * 1000), 100)
Traceback (most recent call last):
...
graphtrace.http.body.TooLarge: the decompressed body is over 100 bytes
>>> token_ok("Bearer s3cret", "s3cret"), token_ok("Bearer nope", "s3cret"), token_ok(None, None)
(True, False, True)
"""

from __future__ import annotations

import hmac
import zlib

from starlette.requests import Request

DEFAULT_MAX_BODY = 16 * 1024 * 1024          # bytes on the wire
DEFAULT_MAX_DECOMPRESSED = 64 * 1024 * 1024  # bytes after gunzip


class TooLarge(Exception):
    """The body (or what it inflates to) is over the limit: 413."""


class BadEncoding(Exception):
    """A Content-Encoding we do not speak, or gzip that does not inflate: 400/415."""


def token_ok(header: str | None, token: str | None) -> bool:
    """True when no token is configured or ``Authorization: Bearer <token>`` matches (constant time)."""
    if not token:
        return True
    if not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), token.encode())


def gunzip_limited(data: bytes, limit: int) -> bytes:
    """Inflate gzip ``data``; ``TooLarge`` past ``limit`` bytes (a zip bomb stops there)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise BadEncoding(f"the gzip body does not inflate: {exc}") from None
    if len(out) > limit:
        raise TooLarge(f"the decompressed body is over {limit} bytes")
    if not inflater.eof:
        raise BadEncoding("the gzip body is cut short")
    return out


async def read_body(request: Request, max_body: int, max_decompressed: int) -> bytes:
    """The body, inflated when ``Content-Encoding: gzip``; ``TooLarge`` or ``BadEncoding`` otherwise."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_body:
        raise TooLarge(f"the body is over {max_body} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_body:
            raise TooLarge(f"the body is over {max_body} bytes")
        chunks.append(chunk)
    data = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding == "gzip":
        return gunzip_limited(data, max_decompressed)
    if encoding not in ("", "identity"):
        raise BadEncoding(f"Content-Encoding {encoding!r} is not supported (use gzip or none)")
    return data
