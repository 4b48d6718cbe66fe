"""Every Cypher statement of the store, the bulk loader and `graphtrace check`, as constants (the only Cypher in Python).

All statements are parameterised: data goes in ``$rows`` / ``$trace_ids``,
never into the query text.  The graph schema is described in
``docs/schema.md``.

>>> SPAN_KEY_CONSTRAINT.startswith("CREATE CONSTRAINT span_key IF NOT EXISTS")
True
>>> all("$" in q for q in (MERGE_TRACES, CREATE_TRACES, MERGE_SPANS, PARENT_EDGES))
True
"""

from __future__ import annotations

from graphtrace.model import KINDLESS

# The kinds of model.KINDLESS as a Cypher list (an inferred call joins two spans of these kinds).
_KINDLESS = "[" + ", ".join(f"'{k}'" for k in sorted(KINDLESS)) + "]"

# --- schema -----------------------------------------------------------------

TRACE_ID_CONSTRAINT = (
    "CREATE CONSTRAINT trace_id IF NOT EXISTS FOR (t:Trace) REQUIRE t.trace_id IS UNIQUE"
)
SPAN_KEY_CONSTRAINT = (
    "CREATE CONSTRAINT span_key IF NOT EXISTS FOR (s:Span) REQUIRE (s.trace_id, s.span_id) IS UNIQUE"
)
SERVICE_NAME_CONSTRAINT = (
    "CREATE CONSTRAINT service_name IF NOT EXISTS FOR (s:Service) REQUIRE s.name IS UNIQUE"
)
ROLLUP_KEY_CONSTRAINT = (  # the per-minute rollups (store/rollups.py, docs/rollups.md)
    "CREATE CONSTRAINT rollup_key IF NOT EXISTS FOR (r:Rollup) REQUIRE r.rkey IS UNIQUE"
)
CONSTRAINTS = (TRACE_ID_CONSTRAINT, SPAN_KEY_CONSTRAINT, SERVICE_NAME_CONSTRAINT, ROLLUP_KEY_CONSTRAINT)

INDEXES = (
    "CREATE INDEX span_start_ns IF NOT EXISTS FOR (s:Span) ON (s.start_ns)",
    "CREATE INDEX span_service IF NOT EXISTS FOR (s:Span) ON (s.service)",
    "CREATE INDEX span_name IF NOT EXISTS FOR (s:Span) ON (s.name)",
    "CREATE INDEX span_kind IF NOT EXISTS FOR (s:Span) ON (s.kind)",
    "CREATE INDEX span_op_key IF NOT EXISTS FOR (s:Span) ON (s.op_key)",
    "CREATE INDEX span_status_code IF NOT EXISTS FOR (s:Span) ON (s.status_code)",
    "CREATE INDEX span_duration_ns IF NOT EXISTS FOR (s:Span) ON (s.duration_ns)",
    "CREATE INDEX span_conn_setup IF NOT EXISTS FOR (s:Span) ON (s.conn_setup)",
    "CREATE INDEX span_trace_parent IF NOT EXISTS FOR (s:Span) ON (s.trace_id, s.parent_span_id)",
    "CREATE INDEX trace_start_ns IF NOT EXISTS FOR (t:Trace) ON (t.start_ns)",
    "CREATE INDEX trace_duration_ns IF NOT EXISTS FOR (t:Trace) ON (t.duration_ns)",
    "CREATE INDEX remote_call_operation IF NOT EXISTS FOR ()-[r:REMOTE_CALL]-() ON (r.operation)",
    "CREATE INDEX remote_call_caller_callee IF NOT EXISTS FOR ()-[r:REMOTE_CALL]-() ON (r.caller, r.callee)",
    "CREATE INDEX rollup_kind_minute IF NOT EXISTS FOR (r:Rollup) ON (r.kind, r.minute)",
    "CREATE INDEX trace_rollup IF NOT EXISTS FOR (t:Trace) ON (t.rollup)",
)

AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"

SHOW_CONSTRAINTS = (
    "SHOW CONSTRAINTS YIELD name, type, entityType, labelsOrTypes, properties "
    "RETURN name, type, entityType, labelsOrTypes, properties ORDER BY name"
)
SHOW_INDEXES = (
    "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, state, owningConstraint "
    "WHERE type <> 'LOOKUP' "
    "RETURN name, type, entityType, labelsOrTypes, properties, state, owningConstraint ORDER BY name"
)

# --- ingest (one transaction per batch, statements in this order) -------------

# Creates missing Trace nodes and says which traces already had spans: those
# take the MERGE path and the whole-trace fix-ups, new ones the CREATE path.
MERGE_TRACES = """
UNWIND $trace_ids AS tid
MERGE (t:Trace {trace_id: tid})
RETURN tid AS trace_id, EXISTS { (t)-[:HAS_SPAN]->() } AS existed
"""

MERGE_SERVICES = """
UNWIND $names AS name
MERGE (:Service {name: name})
"""

# Remote-call properties (docs/architecture.md, "Remote calls"); c = CLIENT, s = SERVER (or the
# parent and child of an inferred call: `inferred`); `known` is false for an inferred call whose
# parent has other children, and then the gap, before, after and ratio are unknown (absent).
_REMOTE_CALL_PROPS = """
SET r.caller = c.service, r.callee = s.service, r.operation = s.name, r.inferred = inferred,
    r.gap_ns = CASE WHEN known THEN c.duration_ns - s.duration_ns END,
    r.before_ns = CASE WHEN known THEN s.start_ns - c.start_ns END,
    r.after_ns = CASE WHEN known THEN c.end_ns - s.end_ns END,
    r.ratio = CASE WHEN NOT known OR s.duration_ns = 0 THEN null
                   ELSE toFloat(c.duration_ns) / toFloat(s.duration_ns) END
"""

# New traces, in one statement: no span of theirs can exist yet (spans only ever
# arrive with their Trace), so spans and edges are CREATEd.  $services lists the
# batch's service names; a span row names its service by index (svc) and an
# edge is [parent index, child index, ref_type, is a remote call, inferred, gap known] within its trace.
CREATE_TRACES = """
UNWIND range(0, size($services) - 1) AS i
MATCH (v:Service {name: $services[i]})
WITH i, v ORDER BY i
WITH collect(v) AS svcs
UNWIND $traces AS tr
MATCH (t:Trace {trace_id: tr.trace_id})
SET t += tr.props
WITH t, tr, svcs
CALL (t, tr, svcs) {
  UNWIND range(0, size(tr.spans) - 1) AS i
  WITH t, i, tr.spans[i] AS row, svcs[tr.spans[i].svc] AS v
  CREATE (t)-[:HAS_SPAN]->(s:Span)-[:IN_SERVICE]->(v)
  SET s = row.props
  WITH i, s ORDER BY i
  RETURN collect(s) AS nodes
}
CALL (tr, nodes) {
  UNWIND tr.edges AS e
  WITH nodes[e[0]] AS c, nodes[e[1]] AS s, e
  CREATE (c)-[:PARENT_OF {ref_type: e[2]}]->(s)
  WITH c, s, e WHERE e[3]
  WITH c, s, e[4] AS inferred, e[5] AS known
  CREATE (c)-[r:REMOTE_CALL]->(s)""" + _REMOTE_CALL_PROPS + """}
"""

# A new trace too big for one transaction (graphtrace.store.big_trace): the Trace node
# marked incomplete, then its spans and its edges in chunks, one transaction each, then its
# properties (removing the mark).  A span row is {service, props}; an edge is [parent span id,
# child span id, then as in CREATE_TRACES]; the endpoints are found by the span_key index.
BIG_TRACE_START = """
MERGE (t:Trace {trace_id: $trace_id})
WITH t, EXISTS { (t)-[:HAS_SPAN]->() } AS existed, t.incomplete AS incomplete
SET t.incomplete = CASE WHEN existed AND incomplete IS NULL THEN null ELSE true END
RETURN existed, coalesce(incomplete, false) AS incomplete
"""
BIG_TRACE_FINISH = """
MATCH (t:Trace {trace_id: $trace_id})
SET t += $props
REMOVE t.incomplete
"""
DELETE_TRACE_SPANS_CHUNKED = """
MATCH (:Trace {trace_id: $trace_id})-[:HAS_SPAN]->(s:Span)
CALL (s) { DETACH DELETE s } IN TRANSACTIONS OF 10000 ROWS
"""
CREATE_TRACE_SPANS = """
MATCH (t:Trace {trace_id: $trace_id})
UNWIND $rows AS row
MATCH (v:Service {name: row.service})
CREATE (t)-[:HAS_SPAN]->(s:Span)-[:IN_SERVICE]->(v)
SET s = row.props
"""
CREATE_TRACE_EDGES = """
UNWIND $edges AS e
MATCH (c:Span {trace_id: $trace_id, span_id: e[0]})
MATCH (s:Span {trace_id: $trace_id, span_id: e[1]})
CREATE (c)-[:PARENT_OF {ref_type: e[2]}]->(s)
WITH c, s, e WHERE e[3]
WITH c, s, e[4] AS inferred, e[5] AS known
CREATE (c)-[r:REMOTE_CALL]->(s)""" + _REMOTE_CALL_PROPS

# Traces that already have spans: MERGE on the key; a re-sent span becomes the new version
# (SET =: fields the new version lacks are removed) and leaves a Service it no longer names.
MERGE_SPANS = """
UNWIND $rows AS row
MATCH (t:Trace {trace_id: row.trace_id})
MATCH (svc:Service {name: row.service})
MERGE (s:Span {trace_id: row.trace_id, span_id: row.props.span_id})
SET s = row.props
MERGE (t)-[:HAS_SPAN]->(s)
MERGE (s)-[:IN_SERVICE]->(svc)
WITH s, svc
MATCH (s)-[old:IN_SERVICE]->(other:Service) WHERE other <> svc
DELETE old
"""

# Spans of this batch (pre-existing traces): parent edges from a span that is no longer their parent.
STALE_PARENT_EDGES = """
UNWIND $rows AS row
MATCH (p:Span)-[r:PARENT_OF]->(c:Span {trace_id: row.trace_id, span_id: row.span_id})
WHERE c.parent_span_id IS NULL OR p.span_id <> c.parent_span_id OR p.trace_id <> c.trace_id
DELETE r
"""

# Spans of this batch (pre-existing traces): links to targets the new version no longer names
# (row.targets: [[trace_id, span_id], ...]); the LinkPending bookkeeping is redone for them.
STALE_LINKS = """
UNWIND $rows AS row
MATCH (a:Span {trace_id: row.trace_id, span_id: row.span_id})
REMOVE a:LinkPending, a.pending_link_traces
WITH a, row
MATCH (a)-[r:LINKS_TO]->(b:Span)
WHERE NOT [b.trace_id, b.span_id] IN row.targets
DELETE r
"""

# Child spans of this batch whose parent is in this batch or already stored.
PARENT_EDGES = """
UNWIND $rows AS row
MATCH (c:Span {trace_id: row.trace_id, span_id: row.span_id})
MATCH (p:Span {trace_id: row.trace_id, span_id: row.parent_span_id})
MERGE (p)-[r:PARENT_OF]->(c)
SET r.ref_type = row.ref_type
"""

# Stored children of pre-existing traces whose parent arrived in this batch.
ADOPT_CHILDREN = """
UNWIND $rows AS row
MATCH (p:Span {trace_id: row.trace_id, span_id: row.span_id})
MATCH (c:Span {trace_id: row.trace_id, parent_span_id: row.span_id})
MERGE (p)-[r:PARENT_OF]->(c)
SET r.ref_type = coalesce(c.ref_type, 'CHILD_OF')
"""



_REMOTE_CALL_SET = "MERGE (c)-[r:REMOTE_CALL]->(s)" + _REMOTE_CALL_PROPS

# Pre-existing traces: remote calls that are no longer a CLIENT -> SERVER parent edge (a span
# re-sent with another kind or parent).  Keep in step with TRACE_REMOTE_CALLS' pair condition.
STALE_REMOTE_CALLS = """
UNWIND $trace_ids AS tid
MATCH (:Trace {trace_id: tid})-[:HAS_SPAN]->(c:Span)-[r:REMOTE_CALL]->(s:Span)
WHERE NOT (EXISTS { (c)-[:PARENT_OF]->(s) }
           AND (c.kind = 'CLIENT' AND s.kind = 'SERVER'
                OR c.kind IN """ + _KINDLESS + """ AND s.kind IN """ + _KINDLESS + """ AND c.service <> s.service))
DELETE r
"""

# Pre-existing traces: every CLIENT -> SERVER pair and every inferred call (model.call_type),
# whole-trace (covers pairs split across pieces, and a parent that gained a child: gap unknown).
TRACE_REMOTE_CALLS = """
UNWIND $trace_ids AS tid
MATCH (:Trace {trace_id: tid})-[:HAS_SPAN]->(c:Span)-[:PARENT_OF]->(s:Span)
WITH c, s, c.kind IN """ + _KINDLESS + """ AND s.kind IN """ + _KINDLESS + """ AND c.service <> s.service AS inferred
WHERE inferred OR (c.kind = 'CLIENT' AND s.kind = 'SERVER')
WITH c, s, inferred, NOT inferred OR COUNT { (c)-[:PARENT_OF]->() } = 1 AS known
""" + _REMOTE_CALL_SET

# Links whose target exists get an edge; the rest are returned as pending.
LINKS = """
UNWIND $rows AS row
MATCH (a:Span {trace_id: row.trace_id, span_id: row.span_id})
OPTIONAL MATCH (b:Span {trace_id: row.target_trace_id, span_id: row.target_span_id})
FOREACH (_ IN CASE WHEN b IS NULL THEN [] ELSE [1] END |
  MERGE (a)-[r:LINKS_TO]->(b)
  SET r.ref_type = row.ref_type, r.attributes_json = row.attributes_json)
WITH row, b WHERE b IS NULL
RETURN row.trace_id AS trace_id, row.span_id AS span_id,
       collect(DISTINCT row.target_trace_id) AS missing
"""

# Stored spans with links whose target trace is in this batch.
PENDING_LINK_SOURCES = """
MATCH (a:LinkPending)
WHERE any(tid IN a.pending_link_traces WHERE tid IN $trace_ids)
RETURN a.trace_id AS trace_id, a.span_id AS span_id, a.links_json AS links_json
"""

MARK_PENDING = """
UNWIND $rows AS row
MATCH (a:Span {trace_id: row.trace_id, span_id: row.span_id})
SET a:LinkPending, a.pending_link_traces = row.missing
"""

CLEAR_PENDING = """
UNWIND $rows AS row
MATCH (a:LinkPending {trace_id: row.trace_id, span_id: row.span_id})
REMOVE a:LinkPending, a.pending_link_traces
"""

# Pre-existing traces: aggregates recomputed from every stored span.
RECOMPUTE_TRACES = """
UNWIND $trace_ids AS tid
MATCH (t:Trace {trace_id: tid})-[:HAS_SPAN]->(s:Span)
WITH t, s ORDER BY s.start_ns, s.end_ns, s.span_id
WITH t, min(s.start_ns) AS start, max(s.end_ns) AS end, count(s) AS n,
     [x IN collect(s) WHERE NOT EXISTS { (:Span)-[:PARENT_OF]->(x) } | x.span_id] AS roots
SET t.start_ns = start, t.end_ns = end, t.duration_ns = end - start,
    t.span_count = n, t.root_span_ids = roots
REMOVE t.annotated
"""

# --- read-back ------------------------------------------------------------------

# Only the properties codec.span_from_props reads (not the attr.* copies nor what annotate adds).
LOAD_TRACES = """
UNWIND $trace_ids AS tid
MATCH (:Trace {trace_id: tid})-[:HAS_SPAN]->(s:Span)
RETURN tid AS trace_id, collect(s {.trace_id, .span_id, .parent_span_id, .ref_type, .service, .name, .kind,
       .start_ns, .end_ns, .status_code, .status_message, .attributes_json, .resource_json, .events_json,
       .links_json}) AS spans
"""

LIST_TRACE_IDS = "MATCH (t:Trace) RETURN t.trace_id AS trace_id ORDER BY trace_id"

LARGE_TRACE_IDS = """
MATCH (t:Trace) WHERE t.span_count >= $min_spans AND t.annotated = true AND t.incomplete IS NULL
RETURN t.trace_id AS trace_id ORDER BY t.span_count DESC, trace_id LIMIT $limit
"""

COUNTS = """
CALL () { MATCH (t:Trace) RETURN count(t) AS traces }
CALL () { MATCH (s:Span) RETURN count(s) AS spans }
CALL () { MATCH (v:Service) RETURN count(v) AS services }
CALL () { MATCH ()-[r:REMOTE_CALL]->() RETURN count(r) AS remote_calls }
CALL () { MATCH ()-[r:PARENT_OF]->() RETURN count(r) AS parent_edges }
CALL () { MATCH ()-[r:LINKS_TO]->() RETURN count(r) AS links }
RETURN traces, spans, services, remote_calls, parent_edges, links
"""

# The same counts restricted to some traces (services = distinct services of their spans).
TRACE_COUNTS = """
UNWIND $trace_ids AS tid
MATCH (t:Trace {trace_id: tid})-[:HAS_SPAN]->(s:Span)
RETURN count(DISTINCT t) AS traces, count(s) AS spans, count(DISTINCT s.service) AS services,
       sum(COUNT { (s)-[:REMOTE_CALL]->() }) AS remote_calls,
       sum(COUNT { (s)-[:PARENT_OF]->() }) AS parent_edges,
       sum(COUNT { (s)-[:LINKS_TO]->() }) AS links
"""

# What annotate and ingest wrote, read back by `graphtrace check` (parameterised by trace ids).
ANNOTATIONS = """
UNWIND $trace_ids AS tid
MATCH (t:Trace {trace_id: tid})-[:HAS_SPAN]->(s:Span)
RETURN tid AS trace_id, t.annotated AS annotated,
       collect({span_id: s.span_id, self_ns: s.self_ns, cp_ns: s.cp_ns, on_cp: s.on_cp, depth: s.depth}) AS spans
"""
REMOTE_CALLS = """
UNWIND $trace_ids AS tid
MATCH (:Trace {trace_id: tid})-[:HAS_SPAN]->(c:Span)-[r:REMOTE_CALL]->(s:Span)
RETURN tid AS trace_id, c.span_id AS client_span_id, s.span_id AS server_span_id, r.caller AS caller,
       r.callee AS callee, r.operation AS operation, r.gap_ns AS gap_ns, r.before_ns AS before_ns,
       r.after_ns AS after_ns, r.ratio AS ratio, coalesce(r.inferred, false) AS inferred
"""
# Spans whose PARENT_OF edges are not the one edge from their parent_span_id (several parents, a
# wrong parent, or none: the last is also a span whose parent is not stored, which the caller sorts out).
PARENT_EDGE_ANOMALIES = """
UNWIND $trace_ids AS tid
MATCH (:Trace {trace_id: tid})-[:HAS_SPAN]->(c:Span)
WITH tid, c, [(p:Span)-[:PARENT_OF]->(c) | p.span_id] AS parents
WHERE size(parents) <> CASE WHEN c.parent_span_id IS NULL THEN 0 ELSE 1 END
   OR (size(parents) = 1 AND parents[0] <> c.parent_span_id)
RETURN tid AS trace_id, c.span_id AS span_id, c.parent_span_id AS parent_span_id, parents
"""
# Which of $trace_ids are stored (a Trace node with spans).
TRACES_FOUND = """
UNWIND $trace_ids AS tid
MATCH (t:Trace {trace_id: tid}) WHERE EXISTS { (t)-[:HAS_SPAN]->() }
RETURN tid AS trace_id
"""

# --- bulk load (graphtrace.store.bulk) ---------------------------------------------

# Refuse a non-empty target; then set the few values CSV cannot carry.
ANY_NODE = "MATCH (n) RETURN count(n) > 0 AS found LIMIT 1"
FIXUP_QUERIES = {
    "Trace": "UNWIND $rows AS row MATCH (n:Trace {trace_id: row.key.trace_id}) SET n += row.props",
    "Span": "UNWIND $rows AS row MATCH (n:Span {trace_id: row.key.trace_id, span_id: row.key.span_id}) "
            "SET n += row.props",
    "Service": "UNWIND $rows AS row MATCH (n:Service {name: row.key.name}) SET n += row.props",
}

# --- deletion (tests, benchmarks, re-loads); Service nodes are shared and kept ------

DELETE_TRACES = """
UNWIND $trace_ids AS tid
MATCH (t:Trace {trace_id: tid})
OPTIONAL MATCH (t)-[:HAS_SPAN]->(s:Span)
DETACH DELETE s, t
"""

# graphtrace serve, GET /api/traces (the UI's search results): per listed trace its services, its
# ERROR spans and its top bottleneck (most critical-path time, ties by span id, as analysis.bottlenecks;
# null when the trace is not annotated or no span owns critical-path time).
SEARCH_SUMMARY = """
UNWIND $trace_ids AS id
MATCH (t:Trace {trace_id: id})-[:HAS_SPAN]->(s:Span)
WITH t, s ORDER BY coalesce(s.cp_ns, 0) DESC, s.span_id
WITH t, collect(DISTINCT s.service) AS services,
     sum(CASE WHEN s.status_code = 'ERROR' THEN 1 ELSE 0 END) AS error_count,
     collect(CASE WHEN s.cp_ns > 0 THEN {span_id: s.span_id, service: s.service, name: s.name,
                  self_time_ns: s.self_ns, critical_path_ns: s.cp_ns} END) AS ranked
RETURN t.trace_id AS trace_id, services, error_count, head(ranked) AS top_bottleneck
"""

# graphtrace serve, GET /api/traces: stored traces matching every given filter (null = any), newest first.
SEARCH_TRACES = """
MATCH (t:Trace)
WHERE t.incomplete IS NULL
  AND ($since_ns IS NULL OR t.start_ns >= $since_ns)
  AND ($until_ns IS NULL OR t.start_ns < $until_ns)
  AND ($min_duration_ns IS NULL OR t.duration_ns >= $min_duration_ns)
  AND ($service IS NULL AND $operation IS NULL OR EXISTS {
        MATCH (t)-[:HAS_SPAN]->(s:Span)
        WHERE ($service IS NULL OR s.service = $service) AND ($operation IS NULL OR s.name = $operation) })
  AND ($error IS NULL OR $error = EXISTS {
        MATCH (t)-[:HAS_SPAN]->(e:Span) WHERE e.status_code = 'ERROR' })
WITH t ORDER BY t.start_ns DESC, t.trace_id LIMIT $limit
OPTIONAL MATCH (t)-[:HAS_SPAN]->(r:Span {span_id: t.root_span_ids[0]})
RETURN t.trace_id AS trace_id, t.start_ns AS start_ns, t.duration_ns AS duration_ns,
       t.span_count AS span_count, r.service AS root_service, r.name AS root_operation
ORDER BY start_ns DESC, trace_id
"""

# graphtrace serve, the service graph (GET /api/graph, /api/graph/change, /api/graph/edge): one row per
# (caller, callee) over the remote calls whose client span starts in the window (null = no bound).
# own = gap + the server span's self time: the time of this hop that is not spent further downstream
# (null when the gap is unknown or the trace is not annotated; percentileDisc skips nulls).
GRAPH_EDGES = """
MATCH (c)-[r:REMOTE_CALL]->(s)
WHERE ($since_ns IS NULL OR c.start_ns >= $since_ns) AND ($until_ns IS NULL OR c.start_ns < $until_ns)
  AND ($caller IS NULL OR r.caller = $caller) AND ($callee IS NULL OR r.callee = $callee)
WITH r.caller AS caller, r.callee AS callee, c, r, s, r.gap_ns + s.self_ns AS own
RETURN caller, callee, count(*) AS calls, count(DISTINCT c.trace_id) AS traces,
       collect(DISTINCT r.operation) AS operations,
       percentileDisc(c.duration_ns, 0.5) AS p50_ns, percentileDisc(c.duration_ns, 0.95) AS p95_ns,
       percentileDisc(c.duration_ns, 0.99) AS p99_ns,
       percentileDisc(r.gap_ns, 0.5) AS gap_p50_ns, percentileDisc(r.gap_ns, 0.95) AS gap_p95_ns,
       percentileDisc(own, 0.5) AS own_p50_ns, percentileDisc(own, 0.95) AS own_p95_ns,
       sum(CASE WHEN c.status_code = 'ERROR' OR s.status_code = 'ERROR' THEN 1 ELSE 0 END) AS errors,
       sum(CASE WHEN c.on_cp = true THEN 1 ELSE 0 END) AS cp_calls
ORDER BY caller, callee
"""

# The example traces of one edge: per trace, its slowest call on the edge (the client's duration);
# $on_cp = true keeps only the calls whose client span is on the trace's critical path (Span.on_cp).
GRAPH_EDGE_TRACES = """
MATCH (c)-[r:REMOTE_CALL]->()
WHERE r.caller = $caller AND r.callee = $callee
  AND ($since_ns IS NULL OR c.start_ns >= $since_ns) AND ($until_ns IS NULL OR c.start_ns < $until_ns)
  AND (NOT $on_cp OR c.on_cp = true)
WITH c.trace_id AS trace_id, max(c.duration_ns) AS max_ns, count(*) AS calls, min(c.start_ns) AS start_ns
RETURN trace_id, start_ns, calls, max_ns
ORDER BY max_ns DESC, trace_id
LIMIT $limit
"""

# The start of the first and the last stored trace (the change mode's default windows).
GRAPH_TIME_RANGE = """
MATCH (t:Trace) WHERE t.incomplete IS NULL
RETURN min(t.start_ns) AS first_ns, max(t.start_ns) AS last_ns
"""
