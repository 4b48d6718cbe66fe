"""Round trip: read_traces(write_otlp_json(traces)) == traces, for OTLP-shaped traces."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphtrace.model import Event, Link, Span, Trace
from graphtrace.readers import read_traces, write_otlp_json

hex_id = lambda n: st.integers(min_value=1, max_value=16 ** n - 1).map(lambda v: f"{v:0{n}x}")
scalars = st.one_of(st.text(max_size=8), st.integers(-2**63, 2**63 - 1), st.booleans(),
                    st.floats(allow_nan=False, allow_infinity=False))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)), max_leaves=6)
attrs = st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda k: not k.startswith("otel.scope")),
                        values, max_size=4)


@st.composite
def traces(draw):
    trace_id = draw(hex_id(32))
    n = draw(st.integers(1, 5))
    ids = draw(st.lists(hex_id(16), min_size=n, max_size=n, unique=True))
    spans = []
    for i, span_id in enumerate(ids):
        parent = ids[draw(st.integers(0, i - 1))] if i and draw(st.booleans()) else None
        start = draw(st.integers(0, 2**62))
        service = draw(st.sampled_from(["cart", "web", "db"]))
        resource = {"service.name": service, **draw(st.dictionaries(st.sampled_from(["host.name", "k8s.pod.name"]),
                                                                   st.text(max_size=5), max_size=2))}
        spans.append(Span(
            trace_id=trace_id, span_id=span_id, parent_span_id=parent, ref_type="CHILD_OF" if parent else None,
            service=service, name=draw(st.text(max_size=10)), kind=draw(st.integers(0, 5)),
            start_ns=start, end_ns=start + draw(st.integers(0, 10**12)), status_code=draw(st.integers(0, 2)),
            status_message=draw(st.text(max_size=5)), attributes=draw(attrs), resource=resource,
            events=[Event(name=draw(st.text(max_size=5)), time_ns=draw(st.integers(0, 2**62)), attributes=draw(attrs))
                    for _ in range(draw(st.integers(0, 2)))],
            links=[Link(trace_id=draw(hex_id(32)), span_id=draw(hex_id(16)), attributes=draw(attrs))
                   for _ in range(draw(st.integers(0, 1)))]))
    return Trace(trace_id=trace_id, spans=spans)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(traces(), min_size=1, max_size=3, unique_by=lambda t: t.trace_id))
def test_otlp_json_round_trip(original):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.ndjson"
        path.write_bytes(write_otlp_json(original))
        stream = read_traces([path])
        assert list(stream) == original
        assert stream.skipped == [] and stream.warnings == []
