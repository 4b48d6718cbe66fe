// name: critical-path-hotspots
// question: Which services and operations own the most critical-path time across traces (or, in A/B mode, whose share changed between two windows)?
// param: since_ns time = null -- only traces starting at or after this, ns since the epoch (null = no bound)
// param: until_ns time = null -- only traces starting before this (null = no bound)
// param: group_by string = 'operation' one of operation|service -- 'operation': one row per (service, span name); 'service': one row per service (operation is null)
// param: service string = null -- only rows of this service (shares stay relative to all critical-path time in the window)
// param: compare bool = false -- A/B mode: since_ns/until_ns is window A, b_since_ns/b_until_ns window B; rows gain B's time and the change of share, ranked by that change
// param: b_since_ns time = null -- A/B mode: window B start on the trace's start, inclusive (null = no bound)
// param: b_until_ns time = null -- A/B mode: window B end, exclusive (null = no bound)
// param: limit int = 20 -- rows to return
// column: service string -- the service owning the time
// column: operation string -- span name (null when grouped by service)
// column: cp_ns int -- sum of the spans' critical-path time (Span.cp_ns)
// column: share float -- cp_ns / critical-path time of all annotated traces in the window
// column: traces int -- traces in which this service/operation owns some critical-path time
// column: spans int -- spans with critical-path time > 0
// column: max_cp_ns int -- the largest critical-path time of one such span
// column: b_cp_ns int -- A/B mode: cp_ns in window B (null otherwise)
// column: b_share float -- A/B mode: b_cp_ns / critical-path time of all annotated traces in B
// column: delta_share float -- A/B mode: b_share - share (the change of the share; null when a window is empty)
// agrees-with: none
// mode: read
// rollup: critical-path-hotspots-rollup -- `recipe run critical-path-hotspots` answers from the per-minute rollups by default; --exact runs this span scan
// show: service=text, operation=text, share=share, cp_ns=duration, b_share=share, delta_share=share, b_cp_ns=duration, traces=count, spans=count, max_cp_ns=duration
// example: -p group_by service -p limit 10
//
// Only traces with Trace.annotated = true count (annotate writes Span.cp_ns); the critical-path time of
// a trace adds up to the duration of its roots' paths, so the total is the sum of every span's cp_ns.
// Ordered by cp_ns (largest first), then service, operation; in A/B mode by delta_share (largest first).
// In A/B mode a group seen only in B has cp_ns 0, share 0.0 (when A has traces), traces 0, max_cp_ns null.
MATCH (t:Trace)
WHERE t.annotated = true
WITH t, ($since_ns IS NULL OR t.start_ns >= $since_ns) AND ($until_ns IS NULL OR t.start_ns < $until_ns) AS in_a,
     $compare AND ($b_since_ns IS NULL OR t.start_ns >= $b_since_ns) AND ($b_until_ns IS NULL OR t.start_ns < $b_until_ns) AS in_b
WHERE in_a OR in_b
// Per trace first: a group's trace count is then a plain count, not a DISTINCT over 2.5M trace ids
// (at 10^5 traces that pass was two thirds of the time).
CALL (t) {
  MATCH (t)-[:HAS_SPAN]->(s:Span)
  WHERE s.cp_ns > 0
  RETURN s.service AS service, CASE WHEN $group_by = 'service' THEN null ELSE s.name END AS operation,
         sum(s.cp_ns) AS trace_cp_ns, count(s) AS trace_spans, max(s.cp_ns) AS trace_max_cp_ns
}
WITH service, operation, sum(CASE WHEN in_a THEN trace_cp_ns ELSE 0 END) AS cp_ns,
     count(CASE WHEN in_a THEN 1 END) AS traces, sum(CASE WHEN in_a THEN trace_spans ELSE 0 END) AS spans,
     max(CASE WHEN in_a THEN trace_max_cp_ns END) AS max_cp_ns, sum(CASE WHEN in_b THEN trace_cp_ns ELSE 0 END) AS b_cp_ns
WITH collect({service: service, operation: operation, cp_ns: cp_ns, traces: traces, spans: spans,
              max_cp_ns: max_cp_ns, b_cp_ns: b_cp_ns}) AS groups, sum(cp_ns) AS total, sum(b_cp_ns) AS b_total
UNWIND groups AS g
WITH g, total, b_total
WHERE ($service IS NULL OR g.service = $service) AND ($compare OR g.traces > 0)
WITH g.service AS service, g.operation AS operation, g.cp_ns AS cp_ns,
     CASE WHEN total > 0 THEN toFloat(g.cp_ns) / total END AS share,
     g.traces AS traces, g.spans AS spans, g.max_cp_ns AS max_cp_ns,
     CASE WHEN $compare THEN g.b_cp_ns END AS b_cp_ns,
     CASE WHEN $compare AND b_total > 0 THEN toFloat(g.b_cp_ns) / b_total END AS b_share
WITH *, CASE WHEN share IS NOT NULL AND b_share IS NOT NULL THEN b_share - share END AS delta_share
RETURN service, operation, cp_ns, share, traces, spans, max_cp_ns, b_cp_ns, b_share, delta_share
ORDER BY CASE WHEN $compare THEN delta_share END IS NULL, CASE WHEN $compare THEN delta_share END DESC,
         cp_ns DESC, service, operation
LIMIT $limit
