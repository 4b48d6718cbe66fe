"""Spans read back without validation equal the validated spans, on every conformance fixture.

``codec.span_from_props`` builds spans from what the store wrote without running pydantic again;
a span made that way must be indistinguishable from the span the reader validated: equal, with
the same ``__dict__`` (fields in the same order), the same ``model_dump`` and enum-typed fields
(attribute maps come back with sorted keys, as they always have: the store keeps them as sorted JSON).
No Neo4j needed: ``span_props`` is exactly what ingest stores and ``LOAD_TRACES`` returns.
"""

from __future__ import annotations

import pytest

from graphtrace.model import Event, Link, RefType, Span, SpanKind, StatusCode
from graphtrace.readers import read_traces
from graphtrace.store.codec import span_from_props, span_props
from graphtrace.store.queries import LOAD_TRACES
from tests.conformance.cases import CASES


def _same(a, b) -> None:
    assert a == b
    assert a.__dict__ == b.__dict__ and list(a.__dict__) == list(b.__dict__)  # same fields, same order
    assert a.model_dump() == b.model_dump()


def _mapping(args: tuple[str, ...]) -> dict[str, str] | None:
    """The ``--map field=column`` options of a case (the only option cases use) as readers' mapping."""
    assert set(args[0::2]) <= {"--map"}, args
    return dict(a.split("=", 1) for a in args[1::2]) or None


READABLE = [c for c in CASES if c.expect.exit_code != 2]  # the rest are refused whole: no span to store


@pytest.mark.parametrize("case", READABLE, ids=lambda c: c.id)
def test_read_back_equals_the_validated_span(case):
    spans = [s for t in read_traces([case.file], mapping=_mapping(case.expect.args)) for s in t.spans]
    assert spans, case.id
    for span in spans:
        back = span_from_props(span_props(span))
        _same(back, span)
        for got, want in zip(back.events, span.events, strict=True):
            _same(got, want)
        for got, want in zip(back.links, span.links, strict=True):
            _same(got, want)


def test_every_field_and_enum_comes_back():
    span = Span(trace_id="t", span_id="s", parent_span_id="p", ref_type="FOLLOWS_FROM", service="svc",
                name="GET /x", kind="SPAN_KIND_CLIENT", start_ns=5, end_ns=9, status_code=2, status_message="boom",
                attributes={"b": [1, 2], "a": {"k": None}}, resource={"host.name": "h"},
                events=[Event(name="e", time_ns=6, attributes={"x": 1.5})],
                links=[Link(trace_id="u", span_id="v", ref_type="CHILD_OF", attributes={"q": "r"}),
                       Link(trace_id="w", span_id="z")])
    back = span_from_props(span_props(span))
    _same(back, span)
    assert (back.kind, back.status_code, back.ref_type) == (SpanKind.CLIENT, StatusCode.ERROR, RefType.FOLLOWS_FROM)
    assert (back.links[0].ref_type, back.links[1].ref_type) == (RefType.CHILD_OF, None)


def test_load_traces_projects_every_property_span_from_props_reads():
    """Every key span_props writes that span_from_props needs is in LOAD_TRACES's projection."""
    props = span_props(Span(trace_id="t", span_id="s", parent_span_id="p", ref_type="CHILD_OF",
                            start_ns=1, end_ns=2, attributes={"k": 1}, resource={"host.name": "h"}))
    derived = {"duration_ns", "op_key", "host", "attr.k"}  # copies for Cypher filters, not read back
    for key in set(props) - derived:
        assert f".{key}," in LOAD_TRACES or f".{key}}}" in LOAD_TRACES, key
