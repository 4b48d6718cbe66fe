// name: client-server-gaps
// question: Where does a client wait much longer than its server worked, and is the time lost before or after the server?
// param: since_ns time = null -- window start on the client span's start, inclusive (null = no bound)
// param: until_ns time = null -- window end on the client span's start, exclusive (null = no bound)
// param: service string = null -- only calls whose caller or callee is this service (null = all)
// param: operation string = null -- only calls of this operation, the SERVER span's name (null = all)
// param: min_gap_ms float = 10.0 -- keep calls whose gap is at least this many ms (null = no bound; an unknown gap never passes a bound)
// param: min_ratio float = 5.0 -- ... and whose client/server duration ratio is at least this (null = no bound; a 0 ns server counts as an infinite ratio)
// param: limit int = 50 -- rows to return
// column: trace_id string -- the trace
// column: client_span_id string -- the CLIENT span (the parent span of an inferred call)
// column: server_span_id string -- its SERVER child (the child span of an inferred call)
// column: caller string -- the client's service
// column: callee string -- the server's service
// column: operation string -- the SERVER span's name (the child's name for an inferred call)
// column: client_start_ns int -- client start, ns since the epoch
// column: client_ns int -- client duration
// column: server_ns int -- server duration
// column: gap_ns int -- client_ns - server_ns (null when unknown: an inferred call whose parent has other children)
// column: before_ns int -- server start - client start (request travel, queueing, connection set-up; negative under clock skew; null when the gap is unknown)
// column: after_ns int -- client end - server end (response travel; negative under clock skew; null when the gap is unknown)
// column: ratio float -- client_ns / server_ns (null when the server lasted 0 ns or the gap is unknown)
// column: inferred bool -- true for a call inferred from spans without CLIENT/SERVER kinds (parent and child in different services)
// agrees-with: client_server_pairs -- graphtrace.analysis.gaps.client_server_pairs, with the client_server_gap anomaly's thresholds (gap >= min_gap_ms AND ratio >= min_ratio)
// mode: read
// needs: remote-calls
// show: caller=text, callee=text, operation=text, gap_ns=duration, client_ns=duration, server_ns=duration, ratio=ratio, trace_id=id, before_ns=duration, after_ns=duration, client_start_ns=time, inferred=text, client_span_id=id, server_span_id=id
// example: -p min_gap_ms 100 -p service cart
//
// Each REMOTE_CALL relationship (precomputed at ingest) is one CLIENT->SERVER pair; a client with
// several SERVER children gives one row per child.  Both thresholds must hold, as in the in-memory
// client_server_gap anomaly; pass null for one to use the other alone.  An inferred call (traces
// without span kinds) is a row too; when its gap is unknown (the parent has other children) it passes
// no threshold, and appears only when both are null.
// Ordered by gap (largest first, unknown gaps last), then trace id, client span id, server span id.
// No labels on the ends: REMOTE_CALL only joins spans, and so Neo4j scans the relationships
// (a type scan) instead of every span and its relationships.
MATCH (c)-[r:REMOTE_CALL]->(s)
WHERE ($since_ns IS NULL OR c.start_ns >= $since_ns)
  AND ($until_ns IS NULL OR c.start_ns < $until_ns)
  AND ($service IS NULL OR r.caller = $service OR r.callee = $service)
  AND ($operation IS NULL OR r.operation = $operation)
  AND ($min_gap_ms IS NULL OR r.gap_ns >= $min_gap_ms * 1000000.0)
  AND ($min_ratio IS NULL OR r.ratio >= $min_ratio OR (r.ratio IS NULL AND r.gap_ns IS NOT NULL))
RETURN c.trace_id AS trace_id, c.span_id AS client_span_id, s.span_id AS server_span_id,
       r.caller AS caller, r.callee AS callee, r.operation AS operation,
       c.start_ns AS client_start_ns, c.duration_ns AS client_ns, s.duration_ns AS server_ns,
       r.gap_ns AS gap_ns, r.before_ns AS before_ns, r.after_ns AS after_ns, r.ratio AS ratio,
       r.inferred = true AS inferred
ORDER BY gap_ns IS NULL, gap_ns DESC, trace_id, client_span_id, server_span_id
LIMIT $limit
