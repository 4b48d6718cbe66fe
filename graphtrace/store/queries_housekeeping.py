"""The Cypher of the housekeeping commands (``db reset``, ``delete``, ``traces``), as constants.

Kept beside :mod:`graphtrace.store.queries` (same rules: parameterised, no data in the text).
Statements with ``IN TRANSACTIONS`` run in auto-commit sessions (``session.run``), each inner
transaction bounded, so a big store never fills the transaction memory pool.

>>> "IN TRANSACTIONS" in RESET_ROUND and "$round" in RESET_ROUND
True
"""

from __future__ import annotations

# --- db reset: every node (and so every relationship), a round at a time ------

COUNT_NODES = "MATCH (n) RETURN count(n) AS nodes"

# Spans first: each has a handful of relationships, so a batch of them stays small; the nodes left
# after them (a Service holds one IN_SERVICE per span of it: 250,000 at 10^4 traces) have lost most
# of theirs by then, so their batches are small too.
RESET_SPANS_ROUND = """
MATCH (n:Span) WITH n LIMIT $round
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $batch ROWS
RETURN count(*) AS deleted
"""

RESET_ROUND = """
MATCH (n) WITH n LIMIT $round
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $batch ROWS
RETURN count(*) AS deleted
"""

# --- delete: traces by id or by start time -------------------------------------

# Which of the given ids are stored (each once), with their span counts; marks them incomplete
# (search and the recipes skip such a trace; ingest treats it as stale) so that an interrupted
# delete never leaves a half-deleted trace looking whole.
MARK_TRACES_FOR_DELETE = """
UNWIND $trace_ids AS tid
MATCH (t:Trace {trace_id: tid})
SET t.incomplete = true
RETURN t.trace_id AS trace_id, COUNT { (t)-[:HAS_SPAN]->() } AS spans
"""

DELETE_MARKED_SPANS = """
UNWIND $trace_ids AS tid
MATCH (:Trace {trace_id: tid})-[:HAS_SPAN]->(s:Span)
CALL (s) { DETACH DELETE s } IN TRANSACTIONS OF $batch ROWS
"""

DELETE_TRACE_NODES = """
UNWIND $trace_ids AS tid
MATCH (t:Trace {trace_id: tid})
DETACH DELETE t
"""

# Complete traces that started before $before_ns (the same bound as the search's until filter).
TRACE_IDS_BEFORE = """
MATCH (t:Trace)
WHERE t.start_ns < $before_ns AND t.incomplete IS NULL
RETURN t.trace_id AS trace_id ORDER BY t.start_ns, t.trace_id
"""

# --- traces: what the store covers ---------------------------------------------

TRACE_WINDOW = """
MATCH (t:Trace) WHERE t.incomplete IS NULL
RETURN count(t) AS traces, min(t.start_ns) AS first_start_ns, max(t.end_ns) AS last_end_ns
"""

SERVICE_WINDOWS = """
MATCH (t:Trace)-[:HAS_SPAN]->(s:Span) WHERE t.incomplete IS NULL
WITH s.service AS service, t, count(s) AS spans
RETURN service, count(t) AS traces, sum(spans) AS spans,
       min(t.start_ns) AS first_start_ns, max(t.end_ns) AS last_end_ns
ORDER BY service
"""

TRACE_SERVICES = """
UNWIND $trace_ids AS tid
MATCH (t:Trace {trace_id: tid})-[:HAS_SPAN]->(s:Span)
WITH tid, s.service AS service ORDER BY service
RETURN tid AS trace_id, collect(DISTINCT service) AS services
"""
