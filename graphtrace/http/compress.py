"""gzip of large JSON answers (the trace view of a 50,000-span trace is ~23 MB, ~5 MB gzipped).

Only when the client accepts gzip (``Accept-Encoding``, a ``q=0`` refuses it) and the body is at
least :data:`MIN_GZIP` bytes.  Level 1: a 23 MB view costs ~0.2 s of CPU (level 6 saves another
~20 % of the size for three times the CPU).

>>> accepts_gzip("br, gzip;q=0.8"), accepts_gzip("gzip;q=0"), accepts_gzip(None), accepts_gzip("*")
(True, False, False, True)
"""

from __future__ import annotations

import gzip
from typing import Any

import orjson
from starlette.responses import Response

MIN_GZIP = 64 * 1024


def accepts_gzip(header: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header accepts gzip (explicitly or through ``*``)."""
    found: dict[str, float] = {}
    for item in (header or "").split(","):
        name, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        found[name.strip().lower()] = q
    q = found.get("gzip", found.get("x-gzip", found.get("*", 0.0)))
    return q > 0


def json_response(value: Any, accept_encoding: str | None) -> Response:
    """``value`` as JSON, gzipped when the client accepts it and the body is large."""
    return body_response(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS), False, accept_encoding)


def body_response(body: bytes, gzipped: bool, accept_encoding: str | None) -> Response:
    """A JSON ``body`` (already gzipped if ``gzipped``) as the client accepts it: gzipped when it
    accepts gzip and the JSON is large (or came gzipped), plain otherwise."""
    headers = {"Vary": "Accept-Encoding"}
    if accepts_gzip(accept_encoding):
        if not gzipped and len(body) >= MIN_GZIP:
            body, gzipped = gzip.compress(body, compresslevel=1), True
        if gzipped:
            headers["Content-Encoding"] = "gzip"
    elif gzipped:
        body = gzip.decompress(body)
    return Response(body, media_type="application/json", headers=headers)
