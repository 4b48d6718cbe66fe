"""One trace as generic flat rows (one row per span), the shape SQL backends export.

Columns: ``trace_id, span_id, parent_span_id, name, service, kind,
start_ns, end_ns, status_code, status_message``, then ``resource.K`` for
each resource key and the attributes under their own names.  Times are exact
integer ns.  Events and links have no column here and are dropped.

>>> from graphtrace.model import Span, Trace
>>> t = Trace(trace_id="ab", spans=[Span(trace_id="ab", span_id="01", service="web", name="GET",
...     kind="SERVER", start_ns=1_000, end_ns=4_000, resource={"host.name": "h"})])
>>> row = rows_document(t)[0]
>>> row["kind"], row["end_ns"], row["resource.host.name"]
('SERVER', 4000, 'h')
"""

from __future__ import annotations

from typing import Any

from graphtrace.model import Trace


def rows_document(trace: Trace) -> list[dict[str, Any]]:
    """The trace's spans as flat row objects."""
    rows = []
    for span in trace.spans:
        row: dict[str, Any] = {
            "trace_id": trace.trace_id, "span_id": span.span_id,
            "parent_span_id": span.parent_span_id or "", "name": span.name, "service": span.service,
            "kind": span.kind.value, "start_ns": span.start_ns, "end_ns": span.end_ns,
            "status_code": span.status_code.value, "status_message": span.status_message,
        }
        row.update({f"resource.{k}": v for k, v in span.resource.items() if k != "service.name"})
        row.update({k: v for k, v in span.attributes.items() if k not in row})
        rows.append(row)
    return rows
