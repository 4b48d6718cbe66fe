"""Trace and span id normalisation.

Hex ids (any case) become lowercase and are left-padded with zeros to 32
(trace) or 16 (span) digits, so ``0EBF`` and ``000...0ebf`` name the same
span.  Base64 ids (old OTLP exporters, protobuf-as-JSON) of exactly 16/8
bytes become hex.  Any other id (``span-A``) is kept as written and the
caller is told so, to warn once.

>>> normalize_id("0EBF", 16)
('0000000000000ebf', None)
>>> normalize_id("S0jtyZ2ARdmV1M+sGuEA0Q==", 32)
('4b48edc99d8045d995d4cfac1ae100d1', None)
>>> normalize_id("span-A", 16)
('span-A', 'not a hex id; kept as written')
"""

from __future__ import annotations

import base64
import binascii
import re

from graphtrace.errors import short_repr

MAX_ID = 256  # characters: a longer "id" is a value in the wrong field, not an id
_HEX = re.compile(r"[0-9a-fA-F]+")
_B64 = {32: re.compile(r"[A-Za-z0-9+/_-]{22}=="), 16: re.compile(r"[A-Za-z0-9+/_-]{11}=")}
_CACHE: dict[tuple[str, int], tuple[str, str | None]] = {}
_CACHE_LIMIT = 200_000

TRACE_WIDTH = 32
SPAN_WIDTH = 16


class IdError(ValueError):
    """An id that is missing or not a string."""


def normalize_id(value: object, width: int) -> tuple[str, str | None]:
    """Return ``(id, warning)``: the canonical id and a warning text or None.

    Raises :class:`IdError` for a missing (empty / null) or non-string id.

    >>> normalize_id("ABCDEF0123456789", 16)
    ('abcdef0123456789', None)
    >>> try:
    ...     normalize_id("", 16)
    ... except IdError as exc:
    ...     print(exc)
    missing id
    """
    if type(value) is not str:
        if value is None:
            raise IdError("missing id")
        raise IdError(f"expected a string id, got {type(value).__name__} {short_repr(value)}")
    key = (value, width)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    result = _normalize(value, width)
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[key] = result
    return result


def _normalize(value: str, width: int) -> tuple[str, str | None]:
    if len(value) == width and value.isalnum() and value.isascii():
        try:
            bytes.fromhex(value)
            return value.lower(), None
        except ValueError:
            pass
    text = value.strip()
    if not text:
        raise IdError("missing id")
    if len(text) > MAX_ID:
        raise IdError(f"an id of {len(text):,} characters is too long (at most {MAX_ID}): {short_repr(text, 40)}")
    if _HEX.fullmatch(text):
        text = text.lower()
        if len(text) < width:
            return text.rjust(width, "0"), None
        if len(text) == width:
            return text, None
        return text, f"hex id longer than {width} digits; kept as written"
    pattern = _B64.get(width)
    if pattern is not None and pattern.fullmatch(text):
        try:
            raw = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):  # pragma: no cover - the pattern already checked
            raw = b""
        if len(raw) == width // 2:
            return raw.hex(), None
    return value, "not a hex id; kept as written"


def optional_id(value: object, width: int) -> tuple[str | None, str | None]:
    """Like :func:`normalize_id` but ``None``/empty/all-zero parent ids mean "no parent".

    >>> optional_id("", 16), optional_id("0000000000000000", 16), optional_id("1", 16)
    ((None, None), (None, None), ('0000000000000001', None))
    """
    if value is None or value == "":
        return None, None
    ident, warning = normalize_id(value, width)
    if warning is None and not ident.strip("0"):
        return None, None
    return ident, warning
