"""OTLP payloads in and out of the spool: a cheap check on receipt, the full decode when grouping.

On receipt (:func:`check_payload`) the payload is parsed once, to refuse a malformed request (an
``InputError``: the receiver answers 400) and to count its spans; spans without a trace id or a
span id are counted as rejected (the OTLP partial-success answer).  The full decode into
:class:`~graphtrace.model.Span` (:func:`decode_spans`) reuses the file readers
(:mod:`graphtrace.readers.otlp_proto`, :mod:`graphtrace.readers.otlp_json`), so a span received
live is the same span ``graphtrace ingest`` would read from a file.

>>> check_payload(JSON, b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "01", "spanId": "02"}, {}]}]}]}')
(2, 1)
>>> check_payload(JSON, b'[1, 2]')
Traceback (most recent call last):
...
graphtrace.errors.InputError: request: body: not an OTLP ExportTraceServiceRequest object
"""

from __future__ import annotations

from typing import Any

import orjson
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from graphtrace.errors import InputError
from graphtrace.model import Span
from graphtrace.readers.build import BadItem, SpanBatch, SpanItem
from graphtrace.readers.context import ReadContext
from graphtrace.readers.otlp_fast import fast_items
from graphtrace.readers.otlp_json import read_document
from graphtrace.readers.otlp_proto import read_proto
from graphtrace.spool.proto_json import request_json
from graphtrace.spool.records import JSON, PROTO


def count_message(message: ExportTraceServiceRequest) -> tuple[int, int]:
    """(spans, spans without a trace id or span id) of a parsed request."""
    spans = rejected = 0
    for rs in message.resource_spans:
        for group in rs.scope_spans:
            for span in group.spans:
                spans += 1
                if not span.trace_id.strip(b"\0") or not span.span_id.strip(b"\0"):
                    rejected += 1
    return spans, rejected


def _count_json(doc: Any) -> tuple[int, int]:
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceSpans", []), list):
        raise InputError("not an OTLP ExportTraceServiceRequest object", record="request", field="body")
    spans = rejected = 0
    for rs in doc.get("resourceSpans") or ():
        groups = (rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans") or ()) if isinstance(rs, dict) else None
        if not isinstance(groups, list):
            raise InputError("resourceSpans[] must be objects with a scopeSpans list", record="request", field="body")
        for group in groups:
            raw = group.get("spans") if isinstance(group, dict) else None
            if not isinstance(raw, list | None):
                raise InputError("scopeSpans[].spans must be a list", record="request", field="body")
            for span in raw or ():
                spans += 1
                if not isinstance(span, dict) or not span.get("traceId") or not span.get("spanId"):
                    rejected += 1
    return spans, rejected


def check_payload(kind: int, payload: bytes) -> tuple[int, int]:
    """(spans, rejected spans) of one request body; ``InputError`` when it is not a valid request."""
    if kind == PROTO:
        try:
            message = ExportTraceServiceRequest.FromString(payload)
        except (DecodeError, RuntimeWarning, ValueError) as exc:
            raise InputError(f"not a valid OTLP protobuf ExportTraceServiceRequest ({exc})",
                             record="request", field="body") from None
        return count_message(message)
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc})", record="request", field="body") from None
    return _count_json(doc)


def decode_spans(kind: int, payload: bytes, where: str, ctx: ReadContext) -> tuple[list[Span], int]:
    """The spans of one spooled payload and how many of its spans were skipped (reported in ``ctx``).

    Clean payloads take the readers' msgspec fast path (protobuf through
    :func:`graphtrace.spool.proto_json.request_json`); anything it refuses is read again by the
    careful readers, which give the same spans and say what is wrong.
    """
    fast = _fast(kind, payload, where)
    if fast is not None:
        return fast.spans, 0
    if kind == PROTO:
        items = read_proto(payload, where, ctx)
    else:
        try:
            items = read_document(orjson.loads(payload), where, None, ctx)
        except orjson.JSONDecodeError:
            ctx.skip(where, "document", None, "not valid JSON")
            return [], 1
    spans: list[Span] = []
    bad = 0
    for item in items:
        if type(item) is SpanItem:
            spans.append(item.span)
        elif type(item) is SpanBatch:
            spans.extend(item.spans)
        elif isinstance(item, BadItem):
            bad += 1
            ctx.skip_diagnostic(item.diagnostic)
    return spans, bad


def _fast(kind: int, payload: bytes, where: str) -> SpanBatch | None:
    if kind == PROTO:
        try:
            payload = request_json(ExportTraceServiceRequest.FromString(payload))
        except (DecodeError, RuntimeWarning, ValueError, orjson.JSONEncodeError):
            return None
    return fast_items(payload, where, None)
