// name: critical-path
// question: Which sections of one trace's time make up its critical path, and which span owns each?
// param: trace_id string -- the trace to examine
// column: span_id string -- span that owns the section
// column: service string -- the span's service
// column: name string -- operation name
// column: start_ns int -- section start, ns since the epoch
// column: end_ns int -- section end, ns since the epoch
// column: duration_ns int -- end_ns - start_ns (zero-length sections are left out)
// agrees-with: critical_path -- graphtrace.analysis.critical_path.critical_path
// mode: read
// example: -p trace_id 971a659583cb354ebf2a7babf50db2f8
//
// Jaeger UI's walk: sanitise top-down, then from each root's end take the last-finishing child,
// emit the gap, recurse into it, continue before its start.  Each root (orphans too) gets its own
// path, so the sections tile every root.  Ordered by start (then end, span id).
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
WITH s, path, san, reduce(w = {t: san.hi, first: true, chosen: [], secs: []}, k IN kids |
  CASE WHEN (w.first AND k.hi <= w.t) OR (NOT w.first AND k.hi < w.t)
    THEN {t: k.lo, first: false, chosen: w.chosen + k.id, secs: w.secs + [[k.hi, w.t]]}
    ELSE w END) AS walk
WITH collect({s: s, path: path, kept: san.kept, chosen: walk.chosen,
              secs: CASE WHEN san.kept THEN [x IN walk.secs + [[san.lo, walk.t]] WHERE x[1] > x[0]] ELSE [] END
             }) AS rows
// 5. A span is on the critical path iff every span below its root on its path was chosen by its parent.
CALL (rows) {
  UNWIND rows AS r
  UNWIND r.chosen AS id
  RETURN collect(id) AS chosen_ids
}
UNWIND rows AS r
WITH r WHERE r.kept AND all(n IN tail(nodes(r.path)) WHERE n.span_id IN chosen_ids)
UNWIND r.secs AS sec
WITH r.s AS s, sec[0] AS start_ns, sec[1] AS end_ns
RETURN s.span_id AS span_id, s.service AS service, s.name AS name, start_ns, end_ns,
       end_ns - start_ns AS duration_ns
ORDER BY start_ns, end_ns, span_id
