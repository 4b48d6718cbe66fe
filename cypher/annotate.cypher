// name: annotate
// question: Write each span's self time, critical-path time, on-path flag and depth for a batch of traces.
// param: trace_ids list<string> -- the traces to annotate
// column: traces int -- traces annotated
// column: spans int -- spans written
// agrees-with: analyze_trace -- graphtrace.analysis: self_time.self_times, critical_path.critical_path_times, on_path, tree depth
// mode: maintenance -- writes Span.self_ns, Span.cp_ns, Span.on_cp, Span.depth and Trace.annotated
// example: -p trace_ids 971a659583cb354ebf2a7babf50db2f8 --write
//
// The same computation as the call-tree recipe, for every span of each trace, written back.
// Run by ingest after writing traces (graphtrace.recipes.annotate.annotate_traces batches the ids).
UNWIND $trace_ids AS tid
MATCH (tr:Trace {trace_id: tid})
CALL (tr) {
  // 1. Every span with its path from its root (a span with no PARENT_OF coming in is a root).
  MATCH (tr)-[:HAS_SPAN]->(root:Span)
  WHERE NOT EXISTS { MATCH (:Span)-[:PARENT_OF]->(root) }
  MATCH path = (root)-[:PARENT_OF*0..]->(s:Span)
  WITH s, path, nodes(path) AS ns
  // 2. Sanitise top-down: the interval intersected with the sanitised parent's; a child starting at or
  //    after the parent's end or ending at or before its start is dropped with its descendants, and so
  //    is a CONSUMER child of a PRODUCER.
  WITH s, path, reduce(acc = {lo: ns[0].start_ns, hi: ns[0].end_ns, kept: true}, i IN range(1, size(ns) - 1) |
    CASE
      WHEN NOT acc.kept THEN acc
      WHEN ns[i - 1].kind = 'PRODUCER' AND ns[i].kind = 'CONSUMER' THEN {lo: acc.lo, hi: acc.hi, kept: false}
      WHEN ns[i].start_ns >= acc.hi OR ns[i].end_ns <= acc.lo THEN {lo: acc.lo, hi: acc.hi, kept: false}
      ELSE {lo: CASE WHEN ns[i].start_ns > acc.lo THEN ns[i].start_ns ELSE acc.lo END,
            hi: CASE WHEN ns[i].end_ns < acc.hi THEN ns[i].end_ns ELSE acc.hi END, kept: true}
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
  SET s.self_ns = r.self_ns,
      s.cp_ns = CASE WHEN on_cp THEN reduce(t = 0, x IN r.secs | t + x[1] - x[0]) ELSE 0 END,
      s.on_cp = on_cp,
      s.depth = length(r.path)
  RETURN count(s) AS spans
}
SET tr.annotated = true
RETURN count(tr) AS traces, sum(spans) AS spans
