// name: diagnose-owned
// question: How much critical-path time does each service own (its processing, the wire of its calls, the errors that start in it) in a baseline and an incident window?
// param: baseline_since_ns time = null -- baseline start on the trace's start, inclusive (null = no bound)
// param: baseline_until_ns time = null -- baseline end, exclusive (null = no bound)
// param: incident_since_ns time = null -- incident start on the trace's start, inclusive (null = no bound)
// param: incident_until_ns time = null -- incident end, exclusive (null = no bound)
// column: window string -- 'baseline' or 'incident'
// column: part string -- 'requests' (one row per window: traces and their total duration), 'processing', 'wire' or 'errors'
// column: service string -- the owning service (the caller for 'wire'; null for 'requests')
// column: callee string -- the called service ('wire' only)
// column: operation string -- the span name ('processing', 'errors'; null = the whole service), the SERVER span's name ('wire')
// column: traces int -- traces of the window with this owner
// column: total int -- critical-path ns ('requests': trace duration ns; 'errors': error origins)
// column: sumsq float -- sum over those traces of the per-trace value squared, in ms^2 (errors: counts^2)
// agrees-with: window_rows -- graphtrace.analysis.owned.window_rows (graphtrace diagnose ranks these rows: graphtrace.analysis.owned_rank)
// mode: read
// needs: remote-calls
// show: window=text, part=text, service=text, callee=text, operation=text, total=count, traces=count, sumsq=count
// example: -p baseline_since_ns 2024-11-20T09:59:45Z -p baseline_until_ns 2024-11-20T10:00:00Z -p incident_since_ns 2024-11-20T10:00:00Z -p incident_until_ns 2024-11-20T10:00:10Z
//
// A trace belongs to a window when its first span starts in it (a trace in both windows counts in
// both); only annotated traces count (the `annotate` recipe writes Span.cp_ns).  Each span's
// critical-path time (cp_ns) has one owner: the wire of the edge when the span is the client side of
// a known remote call (a REMOTE_CALL that is not inferred, or inferred with a known gap: the parent's
// only child; several SERVER children: the first by start, then span id), otherwise the processing
// of its service and name.  An error origin is an ERROR span with no ERROR child.
MATCH (t:Trace)
WHERE t.annotated = true
WITH t, [w IN [['baseline', $baseline_since_ns, $baseline_until_ns], ['incident', $incident_since_ns, $incident_until_ns]]
         WHERE (w[1] IS NULL OR t.start_ns >= w[1]) AND (w[2] IS NULL OR t.start_ns < w[2]) | w[0]] AS windows
WHERE size(windows) > 0
CALL (t) {
  OPTIONAL MATCH (t)-[:HAS_SPAN]->(s:Span)
  WHERE s.cp_ns > 0 OR s.status_code = 'ERROR'
  CALL (s) {
    OPTIONAL MATCH (s)-[r:REMOTE_CALL]->(k:Span)
    WHERE r.inferred = false OR r.gap_ns IS NOT NULL
    WITH r, k ORDER BY k.start_ns, k.span_id LIMIT 1
    RETURN r.callee AS callee, r.operation AS call_op
  }
  WITH s, callee, call_op,
       s.status_code = 'ERROR' AND NOT EXISTS { (s)-[:PARENT_OF]->(:Span {status_code: 'ERROR'}) } AS origin
  UNWIND [CASE WHEN s.cp_ns > 0 AND callee IS NULL THEN ['processing', s.service, null, s.name, s.cp_ns] END,
          CASE WHEN s.cp_ns > 0 AND callee IS NOT NULL THEN ['wire', s.service, callee, call_op, s.cp_ns] END,
          CASE WHEN origin THEN ['errors', s.service, null, s.name, 1] END] AS item
  WITH item WHERE item IS NOT NULL
  // one value per owner and trace
  WITH item[0] AS part, item[1] AS service, item[2] AS callee, item[3] AS operation, sum(item[4]) AS v
  WITH collect([part, service, callee, operation, v]) AS keyed
  CALL (keyed) {
    UNWIND keyed AS k
    WITH k WHERE k[0] <> 'wire'
    WITH k[0] AS part, k[1] AS service, sum(k[4]) AS v
    RETURN collect([part, service, null, null, v]) AS whole
  }
  UNWIND keyed + whole + [['requests', null, null, null, t.duration_ns]] AS k
  RETURN k[0] AS part, k[1] AS service, k[2] AS callee, k[3] AS operation, k[4] AS v
}
UNWIND windows AS window
WITH window, part, service, callee, operation, count(*) AS traces, sum(v) AS total,
     sum((toFloat(v) / CASE part WHEN 'errors' THEN 1.0 ELSE 1000000.0 END) ^ 2) AS sumsq
RETURN window, part, service, callee, operation, traces, total, sumsq
ORDER BY window, CASE part WHEN 'requests' THEN 0 WHEN 'processing' THEN 1 WHEN 'wire' THEN 2 ELSE 3 END,
         service IS NOT NULL, service, callee IS NOT NULL, callee, operation IS NOT NULL, operation
