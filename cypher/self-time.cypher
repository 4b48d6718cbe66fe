// name: self-time
// question: Which spans of one trace spend the most time in themselves rather than waiting on children?
// param: trace_id string -- the trace to examine
// param: limit int = null -- rows to return (null = every span)
// column: span_id string -- span id
// column: service string -- the span's service
// column: name string -- operation name
// column: duration_ns int -- duration in ns
// column: children_ns int -- union of the children's intervals, each clipped to the span
// column: self_ns int -- duration_ns - children_ns (never negative)
// column: self_share float -- self_ns / duration_ns (null for a 0 ns span)
// agrees-with: self_times -- graphtrace.analysis.self_time.self_times
// mode: read
// show: name=text, self_ns=duration, self_share=share, duration_ns=duration, children_ns=duration, service=text, span_id=id
// example: -p trace_id 971a659583cb354ebf2a7babf50db2f8 -p limit 10
//
// Self time uses the raw spans (no critical-path sanitising): every child, clipped to the span.
// Ordered by self time (largest first), then span id.
MATCH (:Trace {trace_id: $trace_id})-[:HAS_SPAN]->(s:Span)
// Children clipped to the span, sorted by start, swept once: u = [covered ns, end of coverage so far].
CALL (s) {
  OPTIONAL MATCH (s)-[:PARENT_OF]->(c:Span)
  WITH c, CASE WHEN c.start_ns > s.start_ns THEN c.start_ns ELSE s.start_ns END AS lo,
       CASE WHEN c.end_ns < s.end_ns THEN c.end_ns ELSE s.end_ns END AS hi
  ORDER BY lo
  WITH collect(CASE WHEN c IS NOT NULL AND hi > lo THEN [lo, hi] END) AS iv
  RETURN reduce(u = [0, s.start_ns], x IN iv |
    CASE WHEN x[1] > u[1] THEN [u[0] + x[1] - CASE WHEN x[0] > u[1] THEN x[0] ELSE u[1] END, x[1]] ELSE u END
  )[0] AS children_ns
}
WITH s, s.end_ns - s.start_ns AS duration_ns, children_ns
WITH s, duration_ns, children_ns, duration_ns - children_ns AS self_ns
RETURN s.span_id AS span_id, s.service AS service, s.name AS name, duration_ns, children_ns, self_ns,
       CASE WHEN duration_ns > 0 THEN toFloat(self_ns) / duration_ns END AS self_share
ORDER BY self_ns DESC, span_id ASC
LIMIT coalesce($limit, 1000000000)
