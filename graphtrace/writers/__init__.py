"""Writers: traces (the model) back out as files in the formats graphtrace reads.

``graphtrace generate`` and the benchmarks use them; each writer turns one
:class:`~graphtrace.model.Trace` into one self-contained document, written
one per line (NDJSON), which the matching reader reads back.

* OTLP JSON: :func:`graphtrace.readers.otlp_writer.write_otlp_json` (exact ns)
* Jaeger query-API JSON: :func:`jaeger_document` (µs: start truncated, duration rounded)
* Zipkin v2 JSON: :func:`zipkin_document` (µs, as Jaeger)
* Parseable-style flat rows: :func:`rows_document` (exact ns in ``span_start_time_unix_nano``
  integer columns)

>>> sorted(FORMATS)
['jaeger', 'otlp-json', 'rows', 'zipkin']
"""

from graphtrace.writers.lines import FORMATS, write_lines
from graphtrace.writers.jaeger import jaeger_document
from graphtrace.writers.rows import rows_document
from graphtrace.writers.zipkin import zipkin_document

__all__ = ["FORMATS", "jaeger_document", "rows_document", "write_lines", "zipkin_document"]
