// name: critical-path-hotspots-rollup
// question: Which services and operations own the most critical-path time across traces (or, in A/B mode, whose share changed between two windows)? (from the per-minute rollups)
// param: since_ns time = null -- only traces starting at or after this; rounded to whole minutes: a minute counts when it starts in the window (null = no bound)
// param: until_ns time = null -- only traces starting before this (null = no bound)
// param: group_by string = 'operation' one of operation|service -- 'operation': one row per (service, span name); 'service': one row per service (operation is null)
// param: service string = null -- only rows of this service (shares stay relative to all critical-path time in the window)
// param: compare bool = false -- A/B mode: since_ns/until_ns is window A, b_since_ns/b_until_ns window B; rows gain B's time and the change of share, ranked by that change
// param: b_since_ns time = null -- A/B mode: window B start on the trace's start, inclusive, in whole minutes (null = no bound)
// param: b_until_ns time = null -- A/B mode: window B end, exclusive (null = no bound)
// param: limit int = 20 -- rows to return
// column: service string -- the service owning the time
// column: operation string -- span name (null when grouped by service)
// column: cp_ns int -- sum of the spans' critical-path time (exact)
// column: share float -- cp_ns / critical-path time of all traces in the window
// column: traces int -- traces in which this service/operation owns some critical-path time (exact)
// column: spans int -- spans with critical-path time > 0 (exact)
// column: max_cp_ns int -- the largest critical-path time of one such span, within 1 % (the top DDSketch bucket)
// column: b_cp_ns int -- A/B mode: cp_ns in window B (null otherwise)
// column: b_share float -- A/B mode: b_cp_ns / critical-path time of all traces in B
// column: delta_share float -- A/B mode: b_share - share (null when a window is empty)
// agrees-with: none -- the check compares it with the in-memory critical path (jobs/check_rollups.py)
// mode: read
// show: service=text, operation=text, share=share, cp_ns=duration, b_share=share, delta_share=share, b_cp_ns=duration, traces=count, spans=count, max_cp_ns=duration
// example: -p group_by service -p limit 10
//
// The rollup twin of `critical-path-hotspots` (`recipe run critical-path-hotspots --exact` scans the spans).
// Reads the (:Rollup {kind: 'cp_op'}) or {kind: 'cp_svc'} cells: per minute of the trace's start and
// group, the spans' critical-path time computed at ingest by the same walk as `annotate`.  A trace
// lies in one minute, so every figure but max_cp_ns is exact for whole-minute windows.
WITH CASE WHEN $since_ns IS NULL THEN null WHEN $since_ns >= 0 THEN ($since_ns + 59999999999) / 60000000000
          ELSE -((-$since_ns) / 60000000000) END AS a0,
     CASE WHEN $until_ns IS NULL THEN null WHEN $until_ns >= 0 THEN ($until_ns + 59999999999) / 60000000000
          ELSE -((-$until_ns) / 60000000000) END AS a1,
     CASE WHEN $b_since_ns IS NULL THEN null WHEN $b_since_ns >= 0 THEN ($b_since_ns + 59999999999) / 60000000000
          ELSE -((-$b_since_ns) / 60000000000) END AS b0,
     CASE WHEN $b_until_ns IS NULL THEN null WHEN $b_until_ns >= 0 THEN ($b_until_ns + 59999999999) / 60000000000
          ELSE -((-$b_until_ns) / 60000000000) END AS b1
MATCH (r:Rollup {kind: CASE WHEN $group_by = 'service' THEN 'cp_svc' ELSE 'cp_op' END})
WITH r, (a0 IS NULL OR r.minute >= a0) AND (a1 IS NULL OR r.minute < a1) AS in_a,
     $compare AND (b0 IS NULL OR r.minute >= b0) AND (b1 IS NULL OR r.minute < b1) AS in_b
WHERE in_a OR in_b
WITH r.service AS service, CASE WHEN $group_by = 'service' THEN null ELSE r.operation END AS operation,
     sum(CASE WHEN in_a THEN r.sum_ns ELSE 0 END) AS cp_ns, sum(CASE WHEN in_a THEN r.traces ELSE 0 END) AS traces,
     sum(CASE WHEN in_a THEN r.n ELSE 0 END) AS spans, max(CASE WHEN in_a THEN r.keys[-1] END) AS top,
     sum(CASE WHEN in_b THEN r.sum_ns ELSE 0 END) AS b_cp_ns
WITH collect({service: service, operation: operation, cp_ns: cp_ns, traces: traces, spans: spans,
              max_cp_ns: CASE WHEN top IS NULL THEN null WHEN top = 0 THEN 0
                ELSE toInteger(round(2 * ((1 + 0.01) / (1 - 0.01)) ^ (top - 1) / (((1 + 0.01) / (1 - 0.01)) + 1))) END,
              b_cp_ns: b_cp_ns}) AS groups, sum(cp_ns) AS total, sum(b_cp_ns) AS b_total
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
