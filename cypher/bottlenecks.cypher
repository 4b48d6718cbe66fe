// name: bottlenecks
// question: Which spans of one trace own the most critical-path time, and what share of the trace is that?
// param: trace_id string -- the trace to examine
// param: limit int = 5 -- rows to return
// column: span_id string -- span id
// column: service string -- the span's service
// column: name string -- operation name
// column: self_ns int -- self time (duration minus the union of clipped children)
// column: cp_ns int -- critical-path time the span owns
// column: share float -- cp_ns / trace duration (latest span end - earliest span start)
// agrees-with: bottlenecks -- graphtrace.analysis.bottlenecks.bottlenecks
// mode: read
// show: name=text, share=share, cp_ns=duration, self_ns=duration, service=text, span_id=id
// example: -p trace_id 971a659583cb354ebf2a7babf50db2f8 -p limit 10
//
// Only spans with critical-path time > 0; ranked by cp_ns (largest first), then span id.
// 1. The trace, which annotate must have finished (ingest does): else an error saying so.
MATCH (tr:Trace {trace_id: $trace_id})
WITH tr, toBoolean(CASE WHEN tr.annotated THEN true
  ELSE ['trace ' + $trace_id + ' is not annotated: run graphtrace annotate'] END) AS annotated
// 2. The trace's duration, once (a subquery: a collected list of the spans carried on every row
//    would be counted once per row by the memory accounting); the spans owning critical-path time:
//    the sum of the sections annotate stored (Span.cp_secs, flat [lo1, hi1, ...]; not its
//    Span.cp_ns, which check compares on its own).
CALL (tr) {
  MATCH (tr)-[:HAS_SPAN]->(x:Span)
  RETURN max(x.end_ns) - min(x.start_ns) AS trace_ns
}
MATCH (tr)-[:HAS_SPAN]->(s:Span)
WHERE annotated AND s.on_cp
WITH s, trace_ns, coalesce(s.cp_secs, []) AS secs
WITH s, trace_ns,
     CASE WHEN s.on_cp THEN reduce(t = 0, i IN range(0, size(secs) / 2 - 1) | t + secs[2 * i + 1] - secs[2 * i])
          ELSE 0 END AS cp_ns
WHERE cp_ns > 0
// 3. Self time, from the span and its children: raw children clipped to the span, sorted by start,
//    swept once to measure their union.
CALL (s) {
  OPTIONAL MATCH (s)-[:PARENT_OF]->(c)
  WITH c, CASE WHEN c.start_ns > s.start_ns THEN c.start_ns ELSE s.start_ns END AS lo,
       CASE WHEN c.end_ns < s.end_ns THEN c.end_ns ELSE s.end_ns END AS hi
  ORDER BY lo
  WITH collect(CASE WHEN c IS NOT NULL AND hi > lo THEN [lo, hi] END) AS iv
  RETURN (s.end_ns - s.start_ns) - reduce(u = [0, s.start_ns], x IN iv |
    CASE WHEN x[1] > u[1] THEN [u[0] + x[1] - CASE WHEN x[0] > u[1] THEN x[0] ELSE u[1] END, x[1]] ELSE u END
  )[0] AS self_ns
}
RETURN s.span_id AS span_id, s.service AS service, s.name AS name, self_ns, cp_ns,
       CASE WHEN trace_ns > 0 THEN toFloat(cp_ns) / trace_ns ELSE 0.0 END AS share
ORDER BY cp_ns DESC, span_id ASC
LIMIT $limit
