"""Readers: trace exports (OTLP JSON/protobuf, Jaeger, Zipkin, flat rows) -> ``model.Trace``
(``read_traces``) or ``spantable.SpanTable`` (``read_tables``).

>>> FORMATS
('otlp-json', 'otlp-proto', 'jaeger', 'zipkin', 'rows')
"""

from graphtrace.readers.otlp_writer import write_otlp_json
from graphtrace.readers.sniff import FORMATS
from graphtrace.readers.stream import TraceStream, read_traces
from graphtrace.readers.tables import TableStream, read_tables

__all__ = ["FORMATS", "TableStream", "TraceStream", "read_tables", "read_traces", "write_otlp_json"]
