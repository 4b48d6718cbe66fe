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
// example: -p trace_id 971a659583cb354ebf2a7babf50db2f8
//
// Rows come in tree pre-order: roots, then children, each ordered by (start, end, span id).
// 1. Every span with its path from its root (a span with no PARENT_OF coming in is a root).
MATCH (:Trace {trace_id: $trace_id})-[:HAS_SPAN]->(root:Span)
WHERE NOT EXISTS { MATCH (:Span)-[:PARENT_OF]->(root) }
MATCH path = (root)-[:PARENT_OF*0..]->(s:Span)
WITH s, path, nodes(path) AS ns
// 2. Sanitise top-down: the interval intersected with the sanitised parent's; a child starting at or
//    after the parent's end or ending at or before its start is dropped with its descendants, and so
//    is a CONSUMER child of a PRODUCER.
//    (reduce walks the nodes in order; indexing nodes(path) would cost O(i) per step)
WITH s, path, reduce(acc = {lo: ns[0].start_ns, hi: ns[0].end_ns, kept: true, kind: ns[0].kind}, n IN tail(ns) |
  CASE
    WHEN NOT acc.kept THEN acc
    WHEN acc.kind = 'PRODUCER' AND n.kind = 'CONSUMER' THEN {lo: acc.lo, hi: acc.hi, kept: false}
    WHEN n.start_ns >= acc.hi OR n.end_ns <= acc.lo THEN {lo: acc.lo, hi: acc.hi, kept: false}
    ELSE {lo: CASE WHEN n.start_ns > acc.lo THEN n.start_ns ELSE acc.lo END,
          hi: CASE WHEN n.end_ns < acc.hi THEN n.end_ns ELSE acc.hi END, kept: true, kind: n.kind}
  END) AS san
// 3. Self time: raw children clipped to the span, sorted by start, swept once to measure their union.
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
// 4. The walk inside each kept span: its kept children, clipped, sorted by (end desc, start asc, id asc);
//    one pass picks the last-finishing child (first step end <= limit, later steps end < limit).
CALL (s, san) {
  // (the filter sits in WITH, so the planner expands from s instead of scanning an index)
  OPTIONAL MATCH (s)-[:PARENT_OF]->(c)
  WITH c WHERE san.kept AND NOT (s.kind = 'PRODUCER' AND c.kind = 'CONSUMER')
    AND c.start_ns < san.hi AND c.end_ns > san.lo
  WITH c, CASE WHEN c.start_ns > san.lo THEN c.start_ns ELSE san.lo END AS clo,
       CASE WHEN c.end_ns < san.hi THEN c.end_ns ELSE san.hi END AS chi
  ORDER BY chi DESC, clo ASC, c.span_id ASC
  RETURN collect(CASE WHEN c IS NOT NULL THEN {id: c.span_id, lo: clo, hi: chi} END) AS kids
}
WITH s, path, san, self_ns, reduce(w = {t: san.hi, first: true, chosen: [], secs: []}, k IN kids |
  CASE WHEN (w.first AND k.hi <= w.t) OR (NOT w.first AND k.hi < w.t)
    THEN {t: k.lo, first: false, chosen: w.chosen + k.id, secs: w.secs + [[k.hi, w.t]]}
    ELSE w END) AS walk
WITH collect({s: s, path: path, self_ns: self_ns, kept: san.kept, chosen: walk.chosen,
              secs: CASE WHEN san.kept THEN [x IN walk.secs + [[san.lo, walk.t]] WHERE x[1] > x[0]] ELSE [] END
             }) AS rows
// 5. A span is on the critical path iff every span below its root on its path was chosen by its parent.
CALL (rows) {
  UNWIND rows AS r
  UNWIND r.chosen AS id
  RETURN collect(id) AS chosen_ids
}
UNWIND rows AS r
WITH r, r.s AS s, r.kept AND all(n IN tail(nodes(r.path)) WHERE n.span_id IN chosen_ids) AS on_cp
WITH r, s, on_cp, [n IN nodes(r.path) | [n.start_ns, n.end_ns, n.span_id]] AS preorder_key
RETURN s.span_id AS span_id, s.parent_span_id AS parent_span_id, length(r.path) AS depth,
       s.service AS service, s.name AS name, s.kind AS kind, s.start_ns AS start_ns,
       s.end_ns - s.start_ns AS duration_ns, r.self_ns AS self_ns,
       CASE WHEN on_cp THEN reduce(t = 0, x IN r.secs | t + x[1] - x[0]) ELSE 0 END AS cp_ns,
       on_cp
ORDER BY preorder_key
