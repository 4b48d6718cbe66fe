// name: slow-edges
// question: Which service-to-service edges are recurrently slow across traces?
// param: since_ns time = null -- window start on the client span's start, inclusive (null = no bound)
// param: until_ns time = null -- window end on the client span's start, exclusive (null = no bound)
// param: service string = null -- only edges whose caller or callee is this service (null = all)
// param: min_calls int = 1 -- leave out edges with fewer calls than this
// param: order_by string = 'p95_ns' one of p50_ns|p95_ns|p99_ns|gap_p50_ns|gap_p95_ns|gap_p99_ns|calls|traces|errors|error_rate|cp_share|inferred_calls -- rank by this column, largest first (no value last): p50_ns, p95_ns, p99_ns, gap_p50_ns, gap_p95_ns, gap_p99_ns, calls, traces, errors, error_rate, cp_share or inferred_calls
// param: limit int = 20 -- rows to return
// column: caller string -- calling service (the CLIENT span's service; the parent's for an inferred call)
// column: callee string -- called service (the SERVER span's service; the child's for an inferred call)
// column: operation string -- the SERVER span's name (the child's for an inferred call)
// column: calls int -- remote calls (CLIENT->SERVER pairs and inferred calls) on this edge in the window
// column: traces int -- distinct traces with at least one such call
// column: p50_ns int -- median client duration (percentileDisc, nearest rank)
// column: p95_ns int -- 95th percentile of the client duration (percentileDisc)
// column: p99_ns int -- 99th percentile of the client duration (percentileDisc)
// column: gap_p50_ns int -- median gap, client duration minus server duration, over the calls whose gap is known (percentileDisc; null when none is)
// column: gap_p95_ns int -- 95th percentile of the known gaps (percentileDisc)
// column: gap_p99_ns int -- 99th percentile of the known gaps (percentileDisc)
// column: errors int -- calls whose client or server span has status ERROR
// column: error_rate float -- errors / calls
// column: cp_traces int -- traces in which a client span of this edge is on the critical path (Span.on_cp)
// column: cp_share float -- cp_traces / traces
// column: inferred_calls int -- calls inferred from spans without CLIENT/SERVER kinds (parent and child in different services)
// column: unknown_gaps int -- inferred calls whose gap is unknown (the parent has other children), left out of the gap percentiles
// agrees-with: edge_stats -- graphtrace.analysis.edges.edge_stats (same filters, order and percentile definition)
// mode: read
// rollup: slow-edges-rollup -- `recipe run slow-edges` answers from the per-minute rollups by default; --exact runs this span scan
// needs: remote-calls
// show: caller=text, callee=text, operation=text, p95_ns=duration, calls=count, p50_ns=duration, p99_ns=duration, error_rate=share, cp_share=share, gap_p95_ns=duration, traces=count, errors=count, gap_p50_ns=duration, gap_p99_ns=duration, cp_traces=count, inferred_calls=count, unknown_gaps=count
// example: -p limit 5
//
// Percentiles: Neo4j's percentileDisc, the nearest-rank value: values sorted ascending, x = p * n,
// index floor(x), minus one when x is a whole non-zero number (p = 1 or n = 1: the maximum).  It is
// always an observed value.  graphtrace.analysis.edges.percentile_disc implements the same rule.
// Critical path: Span.on_cp is written by the maintenance recipe `annotate` (run by ingest); a trace
// that was never annotated counts as "not on the critical path".
// Inferred calls (REMOTE_CALL {inferred: true}, traces without span kinds) count like pairs; an unknown
// gap is null, which percentileDisc skips.  Rows without a ranking value (no known gap) go last.
// Ties on the ranking column are broken by caller, callee, operation (ascending).
// No labels on the ends: REMOTE_CALL only joins spans, and so Neo4j scans the relationships
// (a type scan) instead of every span and its relationships.  Traces are counted as distinct
// Trace nodes (one HAS_SPAN hop), cheaper than distinct trace-id strings.
MATCH (c)-[r:REMOTE_CALL]->(s)
MATCH (t:Trace)-[:HAS_SPAN]->(c)
WHERE ($since_ns IS NULL OR c.start_ns >= $since_ns)
  AND ($until_ns IS NULL OR c.start_ns < $until_ns)
  AND ($service IS NULL OR r.caller = $service OR r.callee = $service)
WITH r.caller AS caller, r.callee AS callee, r.operation AS operation,
     count(*) AS calls,
     count(DISTINCT t) AS traces,
     percentileDisc(c.duration_ns, 0.5) AS p50_ns,
     percentileDisc(c.duration_ns, 0.95) AS p95_ns,
     percentileDisc(c.duration_ns, 0.99) AS p99_ns,
     percentileDisc(r.gap_ns, 0.5) AS gap_p50_ns,
     percentileDisc(r.gap_ns, 0.95) AS gap_p95_ns,
     percentileDisc(r.gap_ns, 0.99) AS gap_p99_ns,
     sum(CASE WHEN c.status_code = 'ERROR' OR s.status_code = 'ERROR' THEN 1 ELSE 0 END) AS errors,
     count(DISTINCT CASE WHEN c.on_cp = true THEN t END) AS cp_traces,
     sum(CASE WHEN r.inferred = true THEN 1 ELSE 0 END) AS inferred_calls,
     sum(CASE WHEN r.gap_ns IS NULL THEN 1 ELSE 0 END) AS unknown_gaps
WHERE calls >= $min_calls
WITH caller, callee, operation, calls, traces, p50_ns, p95_ns, p99_ns,
     gap_p50_ns, gap_p95_ns, gap_p99_ns, errors, toFloat(errors) / calls AS error_rate,
     cp_traces, toFloat(cp_traces) / traces AS cp_share, inferred_calls, unknown_gaps
WITH *, CASE $order_by
          WHEN 'p50_ns' THEN p50_ns WHEN 'p95_ns' THEN p95_ns WHEN 'p99_ns' THEN p99_ns
          WHEN 'gap_p50_ns' THEN gap_p50_ns WHEN 'gap_p95_ns' THEN gap_p95_ns
          WHEN 'gap_p99_ns' THEN gap_p99_ns WHEN 'calls' THEN calls WHEN 'traces' THEN traces
          WHEN 'errors' THEN errors WHEN 'error_rate' THEN error_rate WHEN 'cp_share' THEN cp_share
          WHEN 'inferred_calls' THEN inferred_calls
        END AS rank_key
RETURN caller, callee, operation, calls, traces, p50_ns, p95_ns, p99_ns,
       gap_p50_ns, gap_p95_ns, gap_p99_ns, errors, error_rate, cp_traces, cp_share, inferred_calls, unknown_gaps
ORDER BY rank_key IS NULL, rank_key DESC, caller, callee, operation
LIMIT $limit
