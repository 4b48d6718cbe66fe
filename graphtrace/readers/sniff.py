"""Detecting a source's format from its content, never from its file name.

Two questions: the *layout* (one JSON document, NDJSON, CSV text, binary
protobuf) from the first bytes, then the *format* from the first record:

* ``{"resourceSpans": ...}`` -> ``otlp-json``
* ``{"data": [...]}`` or ``{"data": {trace}}``, an object with ``traceID`` and
  ``spans`` (a trace), or one with ``traceID``, ``spanID`` and ``references`` /
  ``process`` / ``processID`` / ``startTimeMillis`` (a span, as Jaeger's
  Elasticsearch/OpenSearch storage holds it) -> ``jaeger``
* an object with ``traceId`` and ``id``, or a list of them, or a list of lists -> ``zipkin``
* an object (or list of objects) with recognised flat-row columns -> ``rows``
* bytes that are not UTF-8 JSON/CSV -> ``otlp-proto`` (confirmed by parsing)

The layout is decided by parsing, not by the shape of lines: a head that parses
as one JSON value, or that is the opening of one (brackets still open, cut at a
line break, e.g. ``[`` / ``{"data":[`` followed by one object per line), is a
*document*, even when some of its lines are complete objects; a head whose
first line is a complete JSON value followed by more lines is *NDJSON* (one
document cannot go on after its value).  When neither holds (a bad first line),
lines that can only be pieces of a bigger document (``]``, ``},``, a trailing
comma) make it a broken document, else it is NDJSON with a bad line.

Elasticsearch/OpenSearch wrappers are not records: bulk action lines
(``{"index": {...}}``) are skipped (:func:`is_bulk_action`) and search hits
(``{"_index": ..., "_source": {...}}``, ``{"hits": {"hits": [...]}}``) are
unwrapped to their ``_source`` (:func:`unwrap_hits`).

>>> detect_layout(b'{"resourceSpans": []}\\n{"resourceSpans": []}\\n', complete=True)
'ndjson'
>>> detect_layout(b'{\\n  "data": []\\n}\\n', complete=True)
'document'
>>> detect_layout(b'{"resourceSpans": []}\\n{"resourceSp', complete=False)
'ndjson'
>>> detect_layout(b'{"data":[\\n{"traceID": "a", "spans": []}\\n]}\\n', complete=True)
'document'
>>> detect_layout(b'[\\n{"traceId": "a", "id": "1"},\\n{"traceId": "a", "id": "2"}\\n', complete=False)
'document'
>>> detect_layout(b"TraceId,SpanId\\nab,01\\n", complete=True)
'csv'
>>> detect_format({"data": [{"traceID": "ab", "spans": []}]})
'jaeger'
>>> detect_format({"traceID": "ab", "spanID": "01", "references": [], "process": {}})
'jaeger'
>>> detect_format([{"traceId": "ab", "id": "01", "name": "get"}])
'zipkin'
"""

from __future__ import annotations

import codecs
import re
from typing import Any

import msgspec
import orjson

from graphtrace.readers.columns import looks_like_row

FORMATS = ("otlp-json", "otlp-proto", "jaeger", "zipkin", "rows")
ALIASES = {"otlp": "otlp-json"}  # older spellings, still accepted (generate -f otlp)


def canonical_format(name: str | None) -> str | None:
    """The one name of a format (``otlp`` is an alias of ``otlp-json``); other names as given.

    >>> canonical_format("otlp"), canonical_format("jaeger"), canonical_format(None)
    ('otlp-json', 'jaeger', None)
    """
    return ALIASES.get(name, name) if name is not None else None
_PROBE_LINES = 5
_BULK_ACTIONS = frozenset({"index", "create", "update", "delete"})
# a JSON string that ends on its line, a bracket, or a quote that opens a string the line cuts
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\[\]{}]|"')
_CLOSE = {"[": "]", "{": "}"}


def detect_layout(head: bytes, *, complete: bool) -> str:
    """``empty``, ``document``, ``ndjson``, ``csv`` or ``binary`` for the first bytes of an input."""
    if len(head) > _BIG:
        huge = _huge_first_line(head, complete)
        if huge is not None:
            return huge  # what the rules below say, without copying a huge input into text
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
    if _json_value(lines[0]):
        return "ndjson"  # one document cannot go on after a complete first line
    if complete and _json_value(text):
        return "document"
    if _open_prefix("\n".join(lines)):
        return "document"  # the opening of one document (whole: a cut one), lines and all
    return "document" if any(map(_fragment, lines[:_PROBE_LINES])) else "ndjson"


_LEADING = re.compile(rb"(?:\xef\xbb\xbf|[ \t\r\n])*")  # what the text rules lstrip: BOM, whitespace
_TRAILING = re.compile(rb"[ \t\r\n]*")


def _huge_first_line(head: bytes, complete: bool) -> str | None:
    """:func:`detect_layout` of a head whose first line is JSON-looking UTF-8 text, decided on the
    bytes (UTF-8 checked a MiB at a time, the line validated by msgspec in place), so a 10^6-span
    line costs no text copy of itself: ``document`` for a whole input of that one line (only
    whitespace after its newline), ``ndjson`` for a first line over 1 MiB that is one JSON value
    followed by more; None when the text rules must decide.

    >>> bom, nl = codecs.BOM_UTF8, bytes([10])
    >>> _huge_first_line(bom + b' {"a": 1}' + nl + b' ' + nl, True), _huge_first_line(b'{"a": 1}' + nl + b'[]', True)
    ('document', None)
    >>> _huge_first_line(b'{"a": "' + bytes([255]) + b'"}', True), _huge_first_line(b'a,b', True)
    (None, None)
    """
    start = _LEADING.match(head).end()  # type: ignore[union-attr]
    if head[start:start + 1] not in (b"{", b"["):
        return None
    newline = head.find(b"\n", start)
    if complete and (newline == -1 or _TRAILING.fullmatch(head, newline + 1) is not None):
        layout = "document"
    elif not complete and newline - start > 4 * _BIG + 8:  # over _BIG characters, whatever their UTF-8 size
        try:
            with memoryview(head) as view:
                msgspec.json.decode(view[start:newline], type=msgspec.Raw)
        except msgspec.DecodeError:
            return None
        layout = "ndjson"
    else:
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for lo in range(0, len(head), 1 << 20):
            decoder.decode(head[lo:lo + (1 << 20)])
        if complete:
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return layout


def _utf8(head: bytes, complete: bool) -> str | None:
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not complete and exc.start >= len(head) - 3:
            return head[: exc.start].decode("utf-8")
        return None


_BIG = 1 << 20  # a longer text is checked without building its objects


def _json_value(text: str) -> bool:
    """True for text that is by itself one JSON object or array.

    A text over 1 MiB (a huge NDJSON line: one 10^6-span trace) is only validated
    (msgspec into ``Raw``: no objects built, about 5x faster than orjson and no memory per
    value); its record is parsed for real by the reader afterwards.  The one JSON that
    msgspec accepts and orjson refuses is a number beyond a double's range (``1e999``):
    such a line is then sniffed as a complete value and skipped as an invalid line.

    >>> _json_value('{"a": [1]}'), _json_value('{"a": [1]'), _json_value('[' + '1,' * _BIG + '1]')
    (True, False, True)
    """
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return False
    if len(stripped) > _BIG:
        try:
            msgspec.json.decode(stripped.encode(), type=msgspec.Raw)
        except msgspec.DecodeError:
            return False
        return True
    try:
        orjson.loads(stripped)
    except orjson.JSONDecodeError:
        return False
    return True


def _open_prefix(text: str) -> bool:
    """True when ``text`` is the beginning of one JSON value cut at a line break, brackets still open.

    Closed by appending the missing brackets (after dropping a trailing comma, or
    completing a dangling key), it must parse.  JSON strings never span lines, so
    a string cut by a line break means this is no such beginning.

    >>> _open_prefix('{"data": [\\n  {"traceID": "a"},'), _open_prefix('{"a": 1}\\n{"a": 2}')
    (True, False)
    >>> _open_prefix('{"traceId": "ab", "na\\n{"traceId": "ab"}')
    False
    """
    stack: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token == '"':
            return False
        if token in _CLOSE:
            stack.append(_CLOSE[token])
        elif token in "]}":
            if not stack or stack.pop() != token:
                return False
    if not stack:
        return False
    body, closers = text.rstrip(), "".join(reversed(stack))
    if body.endswith(","):
        body = body[:-1]
    elif body.endswith(":"):
        body += "null"
    return _json_value(body + closers) or _json_value(body + ":null" + closers)


def _fragment(line: str) -> bool:
    """A line that can only be a piece of a bigger document (``]``, ``},``, ``"key": [``).

    >>> [_fragment(x) for x in ("[", "  },", '"spans": [', "{'a': u'b'}")]
    [True, True, True, False]
    """
    stripped = line.strip()
    return stripped[:1] in ("]", "}", ",", '"') or stripped[-1:] in (",", "[", "{", ":")


def is_bulk_action(value: Any) -> bool:
    """An Elasticsearch/OpenSearch bulk action line (it precedes a document; it is none itself).

    >>> is_bulk_action({"index": {"_index": "jaeger-span-2024-05-01"}}), is_bulk_action({"index": 1})
    (True, False)
    """
    if type(value) is not dict or len(value) != 1:
        return False
    key, body = next(iter(value.items()))
    return key in _BULK_ACTIONS and isinstance(body, dict)


def unwrap_hits(value: Any) -> Any:
    """The ``_source`` documents of Elasticsearch/OpenSearch hits; any other value as it is.

    A hit (``{"_index": ..., "_source": {...}}``, as elasticdump writes a line), a list of
    hits, or a search response (``{"hits": {"hits": [...]}}``).

    >>> unwrap_hits({"_index": "jaeger-span", "_id": "x", "_source": {"spanID": "1"}})
    {'spanID': '1'}
    >>> unwrap_hits({"took": 3, "hits": {"total": 1, "hits": [{"_index": "i", "_source": {"a": 1}}]}})
    [{'a': 1}]
    """
    if type(value) is dict:
        if _is_hit(value):
            return value["_source"]
        hits = value.get("hits")
        if isinstance(hits, dict) and isinstance(hits.get("hits"), list):
            return [unwrap_hits(hit) for hit in hits["hits"]]
    elif type(value) is list and value and _is_hit(value[0]):
        return [unwrap_hits(hit) for hit in value]
    return value


def _is_hit(value: Any) -> bool:
    return type(value) is dict and isinstance(value.get("_source"), dict) and \
        ("_index" in value or "_id" in value)


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
    if _jaeger(value):
        return "jaeger"
    if "traceId" in keys and "id" in keys:
        return "zipkin"
    if looks_like_row(keys, mapping):
        return "rows"
    return None


_JAEGER_SPAN_KEYS = ("references", "process", "processID", "startTimeMillis")


def _jaeger(value: dict[str, Any]) -> bool:
    """A Jaeger API response, trace object, or span (as Jaeger's ES/OpenSearch storage holds it)."""
    keys = value.keys()
    data = value.get("data")
    if isinstance(data, list) or (isinstance(data, dict) and ("spans" in data or "traceID" in data)):
        return True
    if "data" in keys and data is None and "errors" in keys:
        return True  # the query API's answer when nothing was found
    spans = value.get("spans")
    if isinstance(spans, list) and ("traceID" in keys or (spans and isinstance(spans[0], dict)
                                                         and "spanID" in spans[0])):
        return True
    return "traceID" in keys and "spanID" in keys and any(k in keys for k in _JAEGER_SPAN_KEYS)
