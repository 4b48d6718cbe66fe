"""One name per format: ``otlp-json`` everywhere, ``otlp`` still accepted (older generate -f scripts)."""

from pathlib import Path

import pytest

from graphtrace.errors import InputError
from graphtrace.model import Span, Trace
from graphtrace.readers import FORMATS, read_traces
from graphtrace.writers import FORMATS as WRITE_FORMATS, write_lines

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "otel-demo-add-to-cart.json"


def test_readers_and_writers_share_the_name():
    assert "otlp-json" in FORMATS and "otlp-json" in WRITE_FORMATS and "otlp" not in WRITE_FORMATS


def test_otlp_is_read_as_otlp_json():
    spans = {name: [len(t.spans) for t in read_traces([EXAMPLE], input_format=name)] for name in ("otlp", "otlp-json")}
    # examples/README.md: the example is one trace of 25 spans (its span table, rows 1-25)
    assert spans == {"otlp": [25], "otlp-json": [25]}


def test_otlp_is_written_as_otlp_json():
    t = Trace(trace_id="ab", spans=[Span(trace_id="ab", span_id="01", start_ns=0, end_ns=5)])
    assert write_lines([t], "otlp") == write_lines([t], "otlp-json")
    with pytest.raises(InputError):
        write_lines([t], "otlp-jsonx")
