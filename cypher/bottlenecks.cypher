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
// example: -p trace_id 971a659583cb354ebf2a7babf50db2f8 -p limit 10
//
// Only spans with critical-path time > 0; ranked by cp_ns (largest first), then span id.
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
             }) AS rows,
     // the trace's duration, once (every span of the trace is below one of its roots)
     max(s.end_ns) - min(s.start_ns) AS trace_ns
// 5. A span is on the critical path iff every span below its root on its path was chosen by its parent.
CALL (rows) {
  UNWIND rows AS r
  UNWIND r.chosen AS id
  RETURN collect(id) AS chosen_ids
}
UNWIND rows AS r
WITH r, trace_ns WHERE r.kept AND all(n IN tail(nodes(r.path)) WHERE n.span_id IN chosen_ids)
WITH r.s AS s, r.self_ns AS self_ns, reduce(t = 0, x IN r.secs | t + x[1] - x[0]) AS cp_ns, trace_ns
WHERE cp_ns > 0
// (an aggregation, one row per span: the rows sorted below then hold these columns only, not the
// list of the whole trace's rows, which the sort's memory accounting would count once per row)
WITH s, self_ns, cp_ns, max(trace_ns) AS trace_ns
RETURN s.span_id AS span_id, s.service AS service, s.name AS name, self_ns, cp_ns,
       CASE WHEN trace_ns > 0 THEN toFloat(cp_ns) / trace_ns ELSE 0.0 END AS share
ORDER BY cp_ns DESC, span_id ASC
LIMIT $limit
