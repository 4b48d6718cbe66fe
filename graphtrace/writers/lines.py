"""Traces to NDJSON lines in any writable format: one self-contained document per trace.

>>> from graphtrace.model import Span, Trace
>>> t = Trace(trace_id="ab", spans=[Span(trace_id="ab", span_id="01", start_ns=0, end_ns=5)])
>>> write_lines([t], "zipkin").count(b"\\n"), sorted(FORMATS)[0]
(1, 'jaeger')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import orjson

from graphtrace.errors import InputError
from graphtrace.model import Trace
from graphtrace.readers.otlp_writer import trace_to_otlp
from graphtrace.readers.sniff import canonical_format
from graphtrace.writers.jaeger import jaeger_document
from graphtrace.writers.rows import rows_document
from graphtrace.writers.zipkin import zipkin_document

FORMATS: dict[str, Callable[[Trace], Any]] = {
    "otlp-json": trace_to_otlp, "jaeger": jaeger_document, "zipkin": zipkin_document, "rows": rows_document,
}


def write_lines(traces: Iterable[Trace], fmt: str) -> bytes:
    """The traces in ``fmt`` (``otlp-json``, alias ``otlp``; ``jaeger``, ``zipkin`` or ``rows``),
    one JSON document a line."""
    try:
        encode = FORMATS[canonical_format(fmt) or ""]
    except KeyError:
        raise InputError(f"unknown output format {fmt!r}; one of {', '.join(sorted(FORMATS))}",
                         field="--format") from None
    return b"".join(orjson.dumps(encode(t)) + b"\n" for t in traces)
