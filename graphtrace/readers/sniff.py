"""Detecting a source's format from its content, never from its file name.

Two questions: the *layout* (one JSON document, NDJSON, CSV text, binary
protobuf) from the first bytes, then the *format* from the first record:

* ``{"resourceSpans": ...}`` -> ``otlp-json``
* ``{"data": [...]}``, or an object with ``traceID`` and ``spans`` -> ``jaeger``
* an object with ``traceId`` and ``id``, or a list of them, or a list of lists -> ``zipkin``
* an object (or list of objects) with recognised flat-row columns -> ``rows``
* bytes that are not UTF-8 JSON/CSV -> ``otlp-proto`` (confirmed by parsing)

>>> detect_layout(b'{"resourceSpans": []}\\n{"resourceSpans": []}\\n', complete=True)
'ndjson'
>>> detect_layout(b'{\\n  "data": []\\n}\\n', complete=True)
'document'
>>> detect_layout(b'{"resourceSpans": []}\\n{"resourceSp', complete=False)
'ndjson'
>>> detect_layout(b"TraceId,SpanId\\nab,01\\n", complete=True)
'csv'
>>> detect_format({"data": [{"traceID": "ab", "spans": []}]})
'jaeger'
>>> detect_format([{"traceId": "ab", "id": "01", "name": "get"}])
'zipkin'
"""

from __future__ import annotations

from typing import Any

import orjson

from graphtrace.readers.columns import looks_like_row

FORMATS = ("otlp-json", "otlp-proto", "jaeger", "zipkin", "rows")
_PROBE_LINES = 5


def detect_layout(head: bytes, *, complete: bool) -> str:
    """``empty``, ``document``, ``ndjson``, ``csv`` or ``binary`` for the first bytes of an input."""
    text = _utf8(head, complete)
    if text is None:
        return "binary"
    text = text.lstrip("\ufeff \t\r\n")
    if not text:
        return "empty"
    if text[0] not in "{[":
        first = text.split("\n", 1)[0]
        return "csv" if ("," in first or "\t" in first) and '"""' not in first else "binary"
    segments = text.split("\n")
    if not complete:
        segments = segments[:-1]  # the last line of a partial head may be cut
    lines = [line for line in segments if line.strip()]
    if not lines or (complete and len(lines) == 1):
        return "document"  # a single line (or a huge first line) is one document
    probe = lines[:_PROBE_LINES]
    if _json_record(probe[0]):
        return "ndjson"
    return "ndjson" if any(_json_record(line) for line in probe[1:]) else "document"


def _utf8(head: bytes, complete: bool) -> str | None:
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not complete and exc.start >= len(head) - 3:
            return head[: exc.start].decode("utf-8")
        return None


def _json_record(line: str) -> bool:
    """True for a line that is by itself a non-empty JSON object or array."""
    stripped = line.strip()
    if not stripped or stripped[0] not in "{[":
        return False
    try:
        value = orjson.loads(stripped)
    except orjson.JSONDecodeError:
        return False
    return isinstance(value, (dict, list)) and bool(value)


def detect_format(value: Any, mapping: dict[str, str] | None = None) -> str | None:
    """The format of one parsed JSON document or NDJSON record, or None when unknown."""
    if isinstance(value, list):
        first = next((v for v in value if v is not None), None)
        if isinstance(first, list):
            return "zipkin"
        if not isinstance(first, dict):
            return None
        value = first
    if not isinstance(value, dict):
        return None
    keys = value.keys()
    if "resourceSpans" in keys or "resource_spans" in keys:
        return "otlp-json"
    if isinstance(value.get("data"), list) or ("spans" in keys and "traceID" in keys):
        return "jaeger"
    if "spans" in keys and isinstance(value["spans"], list):
        spans = value["spans"]
        if spans and isinstance(spans[0], dict) and "spanID" in spans[0]:
            return "jaeger"
    if "traceId" in keys and "id" in keys:
        return "zipkin"
    if looks_like_row(keys, mapping):
        return "rows"
    return None
