"""A hand-made trace using every field the model has, with its hand-derived graph.

Spans (times in ns)::

    o  INTERNAL  web     500..600    parent "missing" (absent: an extra root)
    r  SERVER    web    1000..2000   root
    c  CLIENT    web    1100..1900   child of r
    s  SERVER    users  1200..1700   child of c, ERROR "boom", links to f (same trace) and to OTHER/o1
    f  PRODUCER  web    1950..2100   child of r by FOLLOWS_FROM (outlives r)
    q  CONSUMER  worker 2050..2300   child of f
"""

from __future__ import annotations

from graphtrace.model import Event, Link, Span, Trace

ROOT_ATTRS = {
    "http.route": "/users/42", "http.status_code": 200, "ratio": 0.5, "ok": True,
    "tags": ["a", "b"], "ports": [80, 443], "mixed": [1, "x"], "nested": {"k": [1, {"z": None}]},
    "empty": [], "none": None, "unicode": "h\u00e9llo \u2713", "big": 2**63,
}


def rich_trace(trace_id: str, other_trace_id: str) -> Trace:
    """The trace of the module docstring, with ``s`` linking to span ``o1`` of ``other_trace_id``."""
    def span(**kw) -> Span:
        return Span(trace_id=trace_id, **kw)

    return Trace(trace_id=trace_id, spans=[
        span(span_id="r", service="web", name="GET /users/42", kind="SERVER", start_ns=1000, end_ns=2000,
             status_code="OK", attributes=ROOT_ATTRS,
             resource={"service.name": "web", "host.name": "h1", "pid": 7}),
        span(span_id="c", parent_span_id="r", service="web", name="GET", kind="CLIENT",
             start_ns=1100, end_ns=1900,
             events=[Event(name="retry", time_ns=1150, attributes={"attempt": 2}), Event(name="x", time_ns=1200)]),
        span(span_id="s", parent_span_id="c", ref_type="CHILD_OF", service="users", name="GetUser",
             kind="SERVER", start_ns=1200, end_ns=1700, status_code="ERROR", status_message="boom",
             links=[Link(trace_id=trace_id, span_id="f", ref_type="FOLLOWS_FROM", attributes={"why": "batch"}),
                    Link(trace_id=other_trace_id, span_id="o1")]),
        span(span_id="f", parent_span_id="r", ref_type="FOLLOWS_FROM", service="web", name="publish",
             kind="PRODUCER", start_ns=1950, end_ns=2100),
        span(span_id="q", parent_span_id="f", service="worker", name="consume", kind="CONSUMER",
             start_ns=2050, end_ns=2300),
        span(span_id="o", parent_span_id="missing", service="web", name="warmup", kind="INTERNAL",
             start_ns=500, end_ns=600),
    ])


def other_trace(trace_id: str) -> Trace:
    """One span ``o1``: the target of ``s``'s second link."""
    return Trace(trace_id=trace_id, spans=[
        Span(trace_id=trace_id, span_id="o1", service="batcher", name="flush", start_ns=10, end_ns=20)])
