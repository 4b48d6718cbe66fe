// name: call-tree
// question: What does one trace look like as a call tree, with each span's self time and critical-path time?
// param: trace_id string -- the trace to show
// column: span_id string -- span id
// column: parent_span_id string -- parent span id as recorded (null for a root; set but absent for an orphan)
// column: depth int -- 0 for a root (orphans are roots), 1 for its children, and so on
// column: service string -- the span's service
// column: name string -- operation name
// column: kind string -- span kind (SERVER, CLIENT, ...)
// column: start_ns int -- start, ns since the epoch
// column: duration_ns int -- duration in ns
// column: self_ns int -- self time: duration minus the union of the children's intervals clipped to the span
// column: cp_ns int -- critical-path time the span owns (sum of its sections)
// column: on_cp bool -- the critical-path walk reaches the span (even with 0 ns of its own)
// agrees-with: analyze_trace -- graphtrace.analysis: tree.preorder, self_time.self_times, critical_path.critical_path_times and on_path
// mode: read
// show: name=text, duration_ns=duration, start_ns=offset, self_ns=duration, cp_ns=duration, service=text, depth=count, on_cp=text, kind=text, span_id=id, parent_span_id=id
// example: -p trace_id 971a659583cb354ebf2a7babf50db2f8
//
// Rows come in tree pre-order: roots, then children, each ordered by (start, end, span id).
// 1. The trace, which annotate must have finished (ingest does): else an error saying so.
MATCH (tr:Trace {trace_id: $trace_id})
WITH tr, toBoolean(CASE WHEN tr.annotated THEN true
  ELSE ['trace ' + $trace_id + ' is not annotated: run graphtrace annotate'] END) AS annotated
MATCH (tr)-[:HAS_SPAN]->(s:Span)
WHERE annotated
// 2. Self time, from the span and its children: raw children clipped to the span, sorted by start,
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
// 3. The critical-path flag and sections and the pre-order key come from annotate (Span.on_cp,
//    cp_secs, pre_key: docs/schema.md), which walks the tree top-down in passes of 64 levels; cp_ns is
//    the sum of the sections (not annotate's Span.cp_ns, which check compares on its own).  Depth is
//    the parent's stored depth + 1 over the stored edge (0 without a parent), so a changed edge shows.
OPTIONAL MATCH (p:Span)-[:PARENT_OF]->(s)
WITH s, self_ns, CASE WHEN p IS NULL THEN 0 ELSE p.depth + 1 END AS depth, coalesce(s.cp_secs, []) AS secs
WITH s, self_ns, depth,
     CASE WHEN s.on_cp THEN reduce(t = 0, i IN range(0, size(secs) / 2 - 1) | t + secs[2 * i + 1] - secs[2 * i])
          ELSE 0 END AS cp_ns
ORDER BY s.pre_key
RETURN s.span_id AS span_id, s.parent_span_id AS parent_span_id, depth,
       s.service AS service, s.name AS name, s.kind AS kind, s.start_ns AS start_ns,
       s.end_ns - s.start_ns AS duration_ns, self_ns, cp_ns, s.on_cp AS on_cp
