// name: repeated-calls
// question: Where does one parent make the same call again and again (N+1 queries, chatty loops)?
// param: since_ns time = null -- window start on the parent span's start, inclusive (null = no bound)
// param: until_ns time = null -- window end on the parent span's start, exclusive (null = no bound)
// param: service string = null -- only calls to this service (null = all)
// param: min_repeats int = 5 -- report groups of at least this many sibling calls
// param: limit int = 50 -- rows to return
// column: trace_id string -- the trace
// column: parent_span_id string -- the span making the calls
// column: parent_service string -- its service
// column: parent_name string -- its name
// column: service string -- the called spans' service
// column: operation string -- their normalised operation (Span.op_key: name plus statement or route, ids and literals as ?)
// column: calls int -- sibling calls in the group
// column: total_ns int -- sum of their durations
// column: cp_ns int -- their critical-path time (sum of Span.cp_ns)
// column: first_start_ns int -- start of the first call
// column: span_ids list<string> -- the calls, in start order
// agrees-with: none -- same rule as the repeated_calls anomaly (graphtrace.analysis.anomalies.repeated_calls)
// mode: read
// show: service=text, operation=text, calls=count, total_ns=duration, cp_ns=duration, parent_service=text, parent_name=text, trace_id=id, first_start_ns=time, parent_span_id=id, span_ids=text
// example: -p min_repeats 10 -p service postgres
//
// A parent's calls are its children that are CLIENT spans or belong to another service than the parent;
// they are grouped by (service, op_key), op_key being graphtrace.model.operation_key(span) stored at
// ingest.  Ordered by calls, then total_ns (largest first), then trace id, parent, service, operation.
// Cost: a parent needs at least min_repeats children, which the index on Span(trace_id, parent_span_id)
// counts without reading any span (one ordered pass over the index); only those parents are expanded.
MATCH (x:Span)
WHERE x.trace_id IS NOT NULL AND x.parent_span_id IS NOT NULL
WITH x.trace_id AS tid, x.parent_span_id AS pid, count(*) AS children
WHERE children >= $min_repeats
MATCH (p:Span {trace_id: tid, span_id: pid})
WHERE ($since_ns IS NULL OR p.start_ns >= $since_ns)
  AND ($until_ns IS NULL OR p.start_ns < $until_ns)
CALL (p) {
  MATCH (p)-[:PARENT_OF]->(c:Span)
  WHERE (c.kind = 'CLIENT' OR c.service <> p.service)
    AND ($service IS NULL OR c.service = $service)
  WITH c.service AS service, c.op_key AS operation, collect(c) AS calls
  WHERE size(calls) >= $min_repeats
  RETURN service, operation,
         COLLECT { UNWIND calls AS x RETURN x ORDER BY x.start_ns, x.end_ns, x.span_id } AS group
}
RETURN p.trace_id AS trace_id, p.span_id AS parent_span_id, p.service AS parent_service, p.name AS parent_name,
       service, operation, size(group) AS calls,
       reduce(t = 0, x IN group | t + x.duration_ns) AS total_ns,
       reduce(t = 0, x IN group | t + coalesce(x.cp_ns, 0)) AS cp_ns,
       group[0].start_ns AS first_start_ns, [x IN group | x.span_id] AS span_ids
ORDER BY calls DESC, total_ns DESC, trace_id, parent_span_id, service, operation
LIMIT $limit
