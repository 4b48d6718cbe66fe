// name: compare-windows
// question: Which service edges, operations or services got slower in window B than in window A?
// param: a_since_ns time = null -- window A start, inclusive (null = no bound)
// param: a_until_ns time = null -- window A end, exclusive (null = no bound)
// param: b_since_ns time = null -- window B start, inclusive (null = no bound)
// param: b_until_ns time = null -- window B end, exclusive (null = no bound)
// param: kind string = null one of edge|operation|service -- 'edge', 'operation', 'service' (per-service view: the service's entry spans), or null for edges and operations
// param: min_calls int = 5 -- keep rows with at least this many calls in EACH window
// param: order_by string = 'delta_p95_ns' one of delta_p50_ns|delta_p95_ns|ratio_p50|ratio_p95 -- rank by this column, largest first: delta_p50_ns, delta_p95_ns, ratio_p50 or ratio_p95
// param: limit int = 20 -- rows to return
// column: kind string -- 'edge' (remote calls, client duration), 'operation' (every span of a service and name) or 'service' (entry spans of the service)
// column: service string -- the caller (edge) or the span's service (operation, service)
// column: callee string -- the called service (edge; null for an operation)
// column: operation string -- the SERVER span's name (edge; the child's name for an inferred call), the span name (operation), null (service)
// column: a_calls int -- calls (edge) or spans (operation, service) starting in window A
// column: a_p50_ns int -- median duration in A (percentileDisc)
// column: a_p95_ns int -- 95th percentile in A (percentileDisc)
// column: b_calls int -- calls or spans starting in window B
// column: b_p50_ns int -- median duration in B (percentileDisc)
// column: b_p95_ns int -- 95th percentile in B (percentileDisc)
// column: delta_p50_ns int -- b_p50_ns - a_p50_ns
// column: delta_p95_ns int -- b_p95_ns - a_p95_ns
// column: ratio_p50 float -- b_p50_ns / a_p50_ns (null when a_p50_ns is 0)
// column: ratio_p95 float -- b_p95_ns / a_p95_ns (null when a_p95_ns is 0)
// column: inferred_calls int -- calls in A or B inferred from spans without CLIENT/SERVER kinds, whose duration is the parent span's (edge; null otherwise)
// agrees-with: none
// mode: read
// rollup: compare-windows-rollup -- `recipe run compare-windows` answers from the per-minute rollups by default; --exact runs this span scan
// needs: remote-calls when kind is edge
// show: service=text, callee=text, operation=text, a_p95_ns=duration, b_p95_ns=duration, ratio_p95=ratio, delta_p95_ns=duration, a_calls=count, b_calls=count, a_p50_ns=duration, b_p50_ns=duration, ratio_p50=ratio, delta_p50_ns=duration, kind=text, inferred_calls=count
// example: -p a_until_ns 2024-11-20T10:00:00Z -p b_since_ns 2024-11-20T10:00:00Z -p min_calls 3
//
// A span belongs to a window when its start (the client span's start for an edge) is in it; the
// windows may overlap, and a span in both counts in both.  Percentiles are percentileDisc (nearest
// rank), as in slow-edges.  Ties are broken by kind, service, callee, operation.
// An inferred call (REMOTE_CALL {inferred: true}: parent and child without span kinds, in different
// services) is an edge call like a CLIENT->SERVER pair; its duration is the parent span's.
// The per-service view ('service') compares the service's entry spans: its SERVER spans, and its spans
// without CLIENT/SERVER kinds whose parent is absent or in another service (the request as it served it).
CALL () {
  // No labels on the ends: REMOTE_CALL only joins spans, and so Neo4j scans the relationships
  // (a type scan) instead of every span and its relationships.
  MATCH (c)-[r:REMOTE_CALL]->()
  WHERE $kind IS NULL OR $kind = 'edge'
  WITH r.caller AS service, r.callee AS callee, r.operation AS operation, c.duration_ns AS d,
       r.inferred = true AS inferred,
       ($a_since_ns IS NULL OR c.start_ns >= $a_since_ns) AND ($a_until_ns IS NULL OR c.start_ns < $a_until_ns) AS in_a,
       ($b_since_ns IS NULL OR c.start_ns >= $b_since_ns) AND ($b_until_ns IS NULL OR c.start_ns < $b_until_ns) AS in_b
  WHERE in_a OR in_b
  RETURN 'edge' AS kind, service, callee, operation, d, in_a, in_b, inferred
  UNION ALL
  MATCH (s:Span)
  WHERE $kind IS NULL OR $kind = 'operation'
  WITH s.service AS service, null AS callee, s.name AS operation, s.duration_ns AS d, null AS inferred,
       ($a_since_ns IS NULL OR s.start_ns >= $a_since_ns) AND ($a_until_ns IS NULL OR s.start_ns < $a_until_ns) AS in_a,
       ($b_since_ns IS NULL OR s.start_ns >= $b_since_ns) AND ($b_until_ns IS NULL OR s.start_ns < $b_until_ns) AS in_b
  WHERE in_a OR in_b
  RETURN 'operation' AS kind, service, callee, operation, d, in_a, in_b, inferred
  UNION ALL
  MATCH (s:Span)
  WHERE $kind = 'service'
    AND (s.kind = 'SERVER' OR (s.kind IN ['UNSPECIFIED', 'INTERNAL']
         AND NOT EXISTS { MATCH (p:Span)-[:PARENT_OF]->(s) WHERE p.service = s.service }))
  WITH s.service AS service, null AS callee, null AS operation, s.duration_ns AS d, null AS inferred,
       ($a_since_ns IS NULL OR s.start_ns >= $a_since_ns) AND ($a_until_ns IS NULL OR s.start_ns < $a_until_ns) AS in_a,
       ($b_since_ns IS NULL OR s.start_ns >= $b_since_ns) AND ($b_until_ns IS NULL OR s.start_ns < $b_until_ns) AS in_b
  WHERE in_a OR in_b
  RETURN 'service' AS kind, service, callee, operation, d, in_a, in_b, inferred
}
// percentileDisc and count skip the nulls, so each window aggregates only its own durations.
WITH kind, service, callee, operation,
     count(CASE WHEN in_a THEN d END) AS a_calls,
     percentileDisc(CASE WHEN in_a THEN d END, 0.5) AS a_p50_ns,
     percentileDisc(CASE WHEN in_a THEN d END, 0.95) AS a_p95_ns,
     count(CASE WHEN in_b THEN d END) AS b_calls,
     percentileDisc(CASE WHEN in_b THEN d END, 0.5) AS b_p50_ns,
     percentileDisc(CASE WHEN in_b THEN d END, 0.95) AS b_p95_ns,
     CASE kind WHEN 'edge' THEN sum(CASE WHEN inferred THEN 1 ELSE 0 END) END AS inferred_calls
WHERE a_calls >= $min_calls AND b_calls >= $min_calls AND a_calls > 0 AND b_calls > 0
WITH kind, service, callee, operation, a_calls, a_p50_ns, a_p95_ns, b_calls, b_p50_ns, b_p95_ns, inferred_calls,
     b_p50_ns - a_p50_ns AS delta_p50_ns, b_p95_ns - a_p95_ns AS delta_p95_ns,
     CASE WHEN a_p50_ns = 0 THEN null ELSE toFloat(b_p50_ns) / a_p50_ns END AS ratio_p50,
     CASE WHEN a_p95_ns = 0 THEN null ELSE toFloat(b_p95_ns) / a_p95_ns END AS ratio_p95
WITH *, CASE $order_by
          WHEN 'delta_p50_ns' THEN delta_p50_ns WHEN 'delta_p95_ns' THEN delta_p95_ns
          WHEN 'ratio_p50' THEN ratio_p50 WHEN 'ratio_p95' THEN ratio_p95
        END AS rank_key
RETURN kind, service, callee, operation, a_calls, a_p50_ns, a_p95_ns, b_calls, b_p50_ns, b_p95_ns,
       delta_p50_ns, delta_p95_ns, ratio_p50, ratio_p95, inferred_calls
// Rows without a ranking value (a null ratio) go last.
ORDER BY rank_key IS NULL, rank_key DESC, kind, service, callee, operation
LIMIT $limit
