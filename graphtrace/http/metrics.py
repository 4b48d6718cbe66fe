"""``/metrics`` in the Prometheus text exposition format (version 0.0.4).

>>> print(prometheus_text({"graphtrace_spans_received_total": 3}), end="")
# HELP graphtrace_spans_received_total Spans accepted into the spool (acknowledged to the sender).
# TYPE graphtrace_spans_received_total counter
graphtrace_spans_received_total 3
"""

from __future__ import annotations

HELP = {
    "graphtrace_spans_received_total": ("counter", "Spans accepted into the spool (acknowledged to the sender)."),
    "graphtrace_spans_rejected_total": ("counter", "Spans rejected in an accepted request (no trace or span id)."),
    "graphtrace_spans_refused_total": ("counter", "Spans in requests refused whole (backpressure)."),
    "graphtrace_spans_written_total": ("counter", "Spans written to Neo4j (re-sent spans count again)."),
    "graphtrace_spans_dropped_total": ("counter", "Spooled spans that could not be stored (invalid, refused by Neo4j)."),
    "graphtrace_traces_written_total": ("counter", "Trace pieces written to Neo4j."),
    "graphtrace_traces_pending": ("gauge", "Traces waiting for their decision wait in memory."),
    "graphtrace_spans_pending": ("gauge", "Spans waiting in memory."),
    "graphtrace_spool_bytes": ("gauge", "Bytes in the spool's segments on disk."),
    "graphtrace_spool_corrupt_records_total": ("counter", "Corrupt or cut-short spool records found (skipped)."),
    "graphtrace_neo4j_write_seconds_sum": ("counter", "Seconds spent writing trace batches to Neo4j."),
    "graphtrace_neo4j_write_seconds_count": ("counter", "Trace batches written to Neo4j."),
    "graphtrace_neo4j_up": ("gauge", "1 when the last Neo4j write or probe succeeded."),
}


def prometheus_text(values: dict[str, float]) -> str:
    """The text format for ``name -> value``; names not in :data:`HELP` are typed untyped."""
    lines = []
    for name, value in values.items():
        kind, text = HELP.get(name, ("untyped", name))
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}", f"{name} {value}"]
    return "\n".join(lines) + "\n"
