"""Readers: trace exports (OTLP JSON/protobuf, Jaeger, Zipkin, flat rows) -> ``model.Trace``.

>>> FORMATS
('otlp-json', 'otlp-proto', 'jaeger', 'zipkin', 'rows')
"""

from graphtrace.readers.otlp_writer import write_otlp_json
from graphtrace.readers.sniff import FORMATS
from graphtrace.readers.stream import TraceStream, read_traces

__all__ = ["FORMATS", "TraceStream", "read_traces", "write_otlp_json"]
