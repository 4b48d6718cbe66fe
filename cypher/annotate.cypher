// name: annotate
// question: Write each span's self time, critical-path time, on-path flag and depth for a batch of traces.
// param: trace_ids list<string> -- the traces to annotate
// param: resume bool = false -- false: start each trace from its roots; true: go on from where the last run stopped (traces not in progress are left alone)
// param: block int = 256 -- the critical-path walk keeps a span's chosen children in blocks of this many (tests lower it)
// param: lo int = 0 -- write only the rows of rank lo .. hi - 1 of each trace's pass (a wide pass takes several runs)
// param: hi int = 1000000000 -- see lo; a trace whose pass has more rows keeps its pass state and is listed in `more`
// column: traces int -- traces whose annotation this run completed (marked Trace.annotated)
// column: spans int -- spans written by this run
// column: more list<string> -- traces whose pass has rows from rank hi on: run again with the same resume, lo = hi
// agrees-with: analyze_trace -- graphtrace.analysis: self_time.self_times, critical_path.critical_path_times, on_path, tree depth
// mode: maintenance -- writes Span.self_ns, cp_ns, on_cp, depth, san_lo, san_hi, kept, cp_secs, pre_key and Trace.annotated
// show: traces=count, spans=count, more=id
// example: -p trace_ids 971a659583cb354ebf2a7babf50db2f8 --write
//
// The same computation as the call-tree recipe, written back, in passes of 64 levels so that the
// work is linear in the spans (times at most 64), never quadratic in the depth: a run walks each
// trace from its starting spans (the roots, or the frontier the last run stored) down 64 levels,
// writes the spans above the 64th level, and stores the state of the spans at the 64th level on the
// Trace (annotate_ids / _lo / _hi / _meta) for the next run with resume = true.  A trace is marked
// annotated only by the run that writes its last level; the first run unmarks it.  A trace of at
// most 64 levels is done in one run.  graphtrace.recipes.annotate.annotate_traces runs the passes.
// Besides the values above it stores what the per-trace read recipes need, so that they read each
// span and its children only: the sanitised interval (san_lo, san_hi, kept), the critical-path
// sections the span owns (cp_secs, flat [lo1, hi1, lo2, hi2, ...], on the path only) and pre_key,
// a list of ints that sorts the spans in tree pre-order: the starting span's key (its prefix) plus
// the span's rank in this run's rows sorted by (prefix, path of (start, end, id) from the starting
// span).  A frontier span carries its prefix to the next run as Span.annotate_prefix (removed when the
// span is written; a later chunk of the same pass reads the prefix back from its pre_key).
// A run computes the whole pass but writes only the rows of rank lo .. hi - 1 (rank: pre-order in the
// pass), so that no transaction holds the writes of a very wide level (100,000 children went over the
// transaction memory pool at commit); the pass state on the Trace moves on only in the run that writes
// a trace's last rows.  graphtrace.recipes.annotate.annotate_traces runs the chunks.
UNWIND $trace_ids AS tid
MATCH (tr:Trace {trace_id: tid})
WHERE NOT $resume OR tr.annotate_ids IS NOT NULL
CALL (tr) {
  // 1. Starting spans and their state: roots on a fresh run (on the path, kept, depth 0), else the
  //    stored frontier (meta = depth * 4 + kept * 2 + on).
  CALL (tr) {
    WITH tr WHERE NOT $resume
    MATCH (tr)-[:HAS_SPAN]->(root:Span)
    WHERE NOT EXISTS { MATCH (:Span)-[:PARENT_OF]->(root) }
    RETURN root AS f, {lo: root.start_ns, hi: root.end_ns, kept: true, on: true, depth: 0, pre: []} AS st
    UNION
    WITH tr WHERE $resume
    UNWIND range(0, size(tr.annotate_ids) - 1) AS i
    MATCH (f:Span {trace_id: tr.trace_id, span_id: tr.annotate_ids[i]})
    RETURN f, {lo: tr.annotate_lo[i], hi: tr.annotate_hi[i], kept: tr.annotate_meta[i] % 4 >= 2,
               on: tr.annotate_meta[i] % 2 = 1, depth: tr.annotate_meta[i] / 4,
               pre: coalesce(f.annotate_prefix, f.pre_key[0..-1])} AS st
  }
  // 2. Every span up to 64 levels below a starting span, with its path from there (at most 65 nodes).
  MATCH path = (f)-[:PARENT_OF*0..64]->(s:Span)
  WITH st, s, path, nodes(path) AS ns
  // 3. Sanitise top-down from the starting state: the interval intersected with the sanitised parent's;
  //    a child starting at or after the parent's end or ending at or before its start is dropped with
  //    its descendants, and so is a CONSUMER child of a PRODUCER.
  //    (reduce walks the nodes in order; indexing nodes(path) would cost O(i) per step)
  WITH st, s, path, reduce(acc = {lo: st.lo, hi: st.hi, kept: st.kept, kind: head(ns).kind}, n IN tail(ns) |
    CASE
      WHEN NOT acc.kept THEN acc
      WHEN acc.kind = 'PRODUCER' AND n.kind = 'CONSUMER' THEN {lo: acc.lo, hi: acc.hi, kept: false}
      WHEN n.start_ns >= acc.hi OR n.end_ns <= acc.lo THEN {lo: acc.lo, hi: acc.hi, kept: false}
      ELSE {lo: CASE WHEN n.start_ns > acc.lo THEN n.start_ns ELSE acc.lo END,
            hi: CASE WHEN n.end_ns < acc.hi THEN n.end_ns ELSE acc.hi END, kept: true, kind: n.kind}
    END) AS san
  // 4. Self time: raw children clipped to the span, sorted by start, swept once to measure their union.
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
  // 5. The walk inside each kept span: its kept children, clipped, sorted by (end desc, start asc, id asc);
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
  //    A pick [id, end, limit] goes into a block of at most $block (256): appending to one long list in reduce
  //    nests the list once per append, and a root with 16,000 picks overflowed the server's stack.
  WITH st, s, path, san, self_ns, reduce(w = {t: san.hi, first: true, n: 0, cur: [], done: []}, k IN kids |
    CASE WHEN NOT ((w.first AND k.hi <= w.t) OR (NOT w.first AND k.hi < w.t)) THEN w
      WHEN w.n % $block = $block - 1 THEN {t: k.lo, first: false, n: w.n + 1, cur: [], done: w.done + [w.cur + [[k.id, k.hi, w.t]]]}
      ELSE {t: k.lo, first: false, n: w.n + 1, cur: w.cur + [[k.id, k.hi, w.t]], done: w.done} END) AS walk
  WITH st, s, path, san, self_ns, walk.t AS t, [p IN reduce(f = [], b IN walk.done + [walk.cur] | f + b) | p] AS picks
  WITH collect({st: st, s: s, path: path, self_ns: self_ns, san: san, chosen: [p IN picks | p[0]],
                secs: CASE WHEN san.kept THEN [x IN [p IN picks | [p[1], p[2]]] + [[san.lo, t]] WHERE x[1] > x[0]]
                      ELSE [] END
               }) AS rows,
       collect([st.pre, [n IN nodes(path) | [n.start_ns, n.end_ns, n.span_id]]]) AS keys
  // 5b. Pre-order rank of every row (the last entry of its pre_key): the light keys (prefix, path of
  //     (start, end, id)) sorted with the rows' indexes; row order[j] gets rank j (sorting the rows
  //     themselves, or sorting again to invert the permutation, holds 100,000 wide rows in a sort:
  //     hundreds of MB of the transaction memory pool at 100,000 children).
  CALL (keys) {
    UNWIND range(0, size(keys) - 1) AS i
    WITH i, keys[i][0] AS prefix, keys[i][1] AS down
    ORDER BY prefix, down
    RETURN collect(i) AS order
  }
  WITH rows, order
  // 6. A span is on the critical path iff its starting span is and every span below that on its path
  //    was chosen by its parent.  The chosen children are flagged (annotate_chosen, set here and
  //    removed below, inside this query's transaction): a lookup per path step, where a list
  //    membership test would cost the number of chosen spans.
  CALL (rows) {
    UNWIND rows AS r
    WITH r WHERE length(r.path) < 64
    UNWIND r.chosen AS id
    MATCH (c:Span {trace_id: r.s.trace_id, span_id: id})
    SET c.annotate_chosen = true
  }
  UNWIND range(0, size(order) - 1) AS rank
  WITH rows[order[rank]] AS r, rank
  WITH r, rank, r.s AS s, length(r.path) AS d, r.st.pre + [rank] AS pre_key,
       r.st.on AND r.san.kept AND all(n IN tail(nodes(r.path)) WHERE n.annotate_chosen IS NOT NULL) AS on_cp
  REMOVE s.annotate_chosen
  // 7. Spans above the 64th level are written; those on it are the next run's frontier (rows of this
  //    run's rank range only).
  WITH r, s, d, pre_key, on_cp, $lo <= rank AND rank < $hi AS mine
  FOREACH (_ IN CASE WHEN mine AND d < 64 THEN [1] ELSE [] END |
    SET s.self_ns = r.self_ns,
        s.cp_ns = CASE WHEN on_cp THEN reduce(t = 0, x IN r.secs | t + x[1] - x[0]) ELSE 0 END,
        s.on_cp = on_cp,
        s.depth = r.st.depth + d,
        s.san_lo = CASE WHEN r.san.kept THEN r.san.lo END,
        s.san_hi = CASE WHEN r.san.kept THEN r.san.hi END,
        s.kept = r.san.kept,
        s.cp_secs = CASE WHEN on_cp THEN [i IN range(0, 2 * size(r.secs) - 1) | r.secs[i / 2][i % 2]] END,
        s.pre_key = pre_key
    REMOVE s.annotate_prefix)
  FOREACH (_ IN CASE WHEN mine AND d = 64 THEN [1] ELSE [] END | SET s.annotate_prefix = pre_key)
  RETURN sum(CASE WHEN mine AND d < 64 THEN 1 ELSE 0 END) AS spans, count(*) <= $hi AS final,
         collect(CASE WHEN d = 64 THEN {id: s.span_id, lo: r.san.lo, hi: r.san.hi,
           meta: (r.st.depth + d) * 4 + CASE WHEN r.san.kept THEN 2 ELSE 0 END + CASE WHEN on_cp THEN 1 ELSE 0 END}
         END) AS frontier
}
// 8. After a trace's last rows of the pass: done when no frontier is left (setting a property to null
//    removes it); before them the pass state stays as it is, and the trace is unmarked.
WITH tr, spans, final, frontier, final AND size(frontier) = 0 AS done
SET tr.annotated = CASE WHEN done THEN true END,
    tr.annotate_ids = CASE WHEN NOT final THEN tr.annotate_ids WHEN done THEN null ELSE [x IN frontier | x.id] END,
    tr.annotate_lo = CASE WHEN NOT final THEN tr.annotate_lo WHEN done THEN null ELSE [x IN frontier | x.lo] END,
    tr.annotate_hi = CASE WHEN NOT final THEN tr.annotate_hi WHEN done THEN null ELSE [x IN frontier | x.hi] END,
    tr.annotate_meta = CASE WHEN NOT final THEN tr.annotate_meta WHEN done THEN null
                            ELSE [x IN frontier | x.meta] END
RETURN sum(CASE WHEN done THEN 1 ELSE 0 END) AS traces, sum(spans) AS spans,
       collect(CASE WHEN NOT final THEN tr.trace_id END) AS more
