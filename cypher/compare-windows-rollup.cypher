// name: compare-windows-rollup
// question: Which service edges, operations or services got slower in window B than in window A? (from the per-minute rollups)
// param: a_since_ns time = null -- window A start, inclusive; windows are rounded to whole minutes: a minute counts when it starts in the window (null = no bound)
// param: a_until_ns time = null -- window A end, exclusive (null = no bound)
// param: b_since_ns time = null -- window B start, inclusive (null = no bound)
// param: b_until_ns time = null -- window B end, exclusive (null = no bound)
// param: kind string = null one of edge|operation|service -- 'edge', 'operation', 'service' (per-service view: the service's entry spans), or null for edges and operations
// param: min_calls int = 5 -- keep rows with at least this many calls in EACH window
// param: order_by string = 'delta_p95_ns' one of delta_p50_ns|delta_p95_ns|ratio_p50|ratio_p95 -- rank by this column, largest first: delta_p50_ns, delta_p95_ns, ratio_p50 or ratio_p95
// param: limit int = 20 -- rows to return
// column: kind string -- 'edge' (remote calls, client duration), 'operation' (every span of a service and name) or 'service' (entry spans of the service)
// column: service string -- the caller (edge) or the span's service (operation, service)
// column: callee string -- the called service (edge; null for an operation)
// column: operation string -- the SERVER span's name (edge; the child's name for an inferred call), the span name (operation), null (service)
// column: a_calls int -- calls (edge) or spans (operation, service) starting in window A (exact for whole-minute windows)
// column: a_p50_ns int -- median duration in A, within 1 % of percentileDisc (DDSketch, docs/rollups.md)
// column: a_p95_ns int -- 95th percentile in A, within 1 %
// column: b_calls int -- calls or spans starting in window B
// column: b_p50_ns int -- median duration in B, within 1 %
// column: b_p95_ns int -- 95th percentile in B, within 1 %
// column: delta_p50_ns int -- b_p50_ns - a_p50_ns
// column: delta_p95_ns int -- b_p95_ns - a_p95_ns
// column: ratio_p50 float -- b_p50_ns / a_p50_ns (null when a_p50_ns is 0)
// column: ratio_p95 float -- b_p95_ns / a_p95_ns (null when a_p95_ns is 0)
// column: inferred_calls int -- calls in A or B inferred from spans without CLIENT/SERVER kinds (edge; null otherwise)
// agrees-with: none -- the check compares it with the in-memory figures within the sketch's error (jobs/check_rollups.py)
// mode: read
// needs: remote-calls when kind is edge
// show: service=text, callee=text, operation=text, a_p95_ns=duration, b_p95_ns=duration, ratio_p95=ratio, delta_p95_ns=duration, a_calls=count, b_calls=count, a_p50_ns=duration, b_p50_ns=duration, ratio_p50=ratio, delta_p50_ns=duration, kind=text, inferred_calls=count
// example: -p a_until_ns 2024-11-20T10:00:00Z -p b_since_ns 2024-11-20T10:00:00Z -p min_calls 3
//
// The rollup twin of `compare-windows` (`recipe run compare-windows --exact` scans the spans).  Reads the
// (:Rollup) cells of kind 'edge', 'op' and 'service' written at ingest (one per minute and group, on the
// client span's or the span's start) and merges their DDSketch buckets per window, as slow-edges-rollup
// does.  A minute in both windows counts in both.
WITH CASE WHEN $a_since_ns IS NULL THEN null WHEN $a_since_ns >= 0 THEN ($a_since_ns + 59999999999) / 60000000000
          ELSE -((-$a_since_ns) / 60000000000) END AS a0,
     CASE WHEN $a_until_ns IS NULL THEN null WHEN $a_until_ns >= 0 THEN ($a_until_ns + 59999999999) / 60000000000
          ELSE -((-$a_until_ns) / 60000000000) END AS a1,
     CASE WHEN $b_since_ns IS NULL THEN null WHEN $b_since_ns >= 0 THEN ($b_since_ns + 59999999999) / 60000000000
          ELSE -((-$b_since_ns) / 60000000000) END AS b0,
     CASE WHEN $b_until_ns IS NULL THEN null WHEN $b_until_ns >= 0 THEN ($b_until_ns + 59999999999) / 60000000000
          ELSE -((-$b_until_ns) / 60000000000) END AS b1
MATCH (r:Rollup)
WHERE r.kind IN CASE $kind WHEN 'edge' THEN ['edge'] WHEN 'operation' THEN ['op'] WHEN 'service' THEN ['service']
                  ELSE ['edge', 'op'] END
WITH r, (a0 IS NULL OR r.minute >= a0) AND (a1 IS NULL OR r.minute < a1) AS in_a,
     (b0 IS NULL OR r.minute >= b0) AND (b1 IS NULL OR r.minute < b1) AS in_b
WHERE in_a OR in_b
WITH r, in_a, in_b, CASE r.kind WHEN 'op' THEN 'operation' ELSE r.kind END AS kind
WITH kind, r.service AS service, CASE WHEN kind = 'edge' THEN r.callee END AS callee,
     CASE WHEN kind = 'service' THEN null ELSE r.operation END AS operation,
     collect(CASE WHEN in_a THEN r END) AS a_cells, collect(CASE WHEN in_b THEN r END) AS b_cells,
     sum(CASE WHEN in_a THEN r.n ELSE 0 END) AS a_calls, sum(CASE WHEN in_b THEN r.n ELSE 0 END) AS b_calls,
     CASE WHEN kind = 'edge' THEN sum(r.inferred) END AS inferred_calls
WHERE a_calls >= $min_calls AND b_calls >= $min_calls AND a_calls > 0 AND b_calls > 0
CALL (a_cells) {
  UNWIND a_cells AS c
  UNWIND range(0, size(c.keys) - 1) AS i
  WITH c.keys[i] AS b, sum(c.counts[i]) AS n
  ORDER BY b
  WITH collect(b) AS bs, collect(n) AS ns, sum(n) AS total
  WITH bs, total, reduce(acc = [], n IN ns | acc + [coalesce(acc[-1], 0) + n]) AS cum,
       [q IN [0.5, 0.95] | CASE WHEN total = 1 THEN 0
          WHEN toInteger(q * total) = q * total AND toInteger(q * total) <> 0 THEN toInteger(q * total) - 1
          ELSE toInteger(q * total) END] AS ranks
  WITH [rk IN ranks | head([j IN range(0, size(cum) - 1) WHERE cum[j] > rk | bs[j]])] AS qb
  RETURN [b IN qb | CASE WHEN b IS NULL THEN null WHEN b = 0 THEN 0
            ELSE sign(b) * toInteger(round(2 * ((1 + 0.01) / (1 - 0.01)) ^ (abs(b) - 1) / (((1 + 0.01) / (1 - 0.01)) + 1))) END] AS aq
}
CALL (b_cells) {
  UNWIND b_cells AS c
  UNWIND range(0, size(c.keys) - 1) AS i
  WITH c.keys[i] AS b, sum(c.counts[i]) AS n
  ORDER BY b
  WITH collect(b) AS bs, collect(n) AS ns, sum(n) AS total
  WITH bs, total, reduce(acc = [], n IN ns | acc + [coalesce(acc[-1], 0) + n]) AS cum,
       [q IN [0.5, 0.95] | CASE WHEN total = 1 THEN 0
          WHEN toInteger(q * total) = q * total AND toInteger(q * total) <> 0 THEN toInteger(q * total) - 1
          ELSE toInteger(q * total) END] AS ranks
  WITH [rk IN ranks | head([j IN range(0, size(cum) - 1) WHERE cum[j] > rk | bs[j]])] AS qb
  RETURN [b IN qb | CASE WHEN b IS NULL THEN null WHEN b = 0 THEN 0
            ELSE sign(b) * toInteger(round(2 * ((1 + 0.01) / (1 - 0.01)) ^ (abs(b) - 1) / (((1 + 0.01) / (1 - 0.01)) + 1))) END] AS bq
}
WITH kind, service, callee, operation, a_calls, aq[0] AS a_p50_ns, aq[1] AS a_p95_ns,
     b_calls, bq[0] AS b_p50_ns, bq[1] AS b_p95_ns, inferred_calls
WITH kind, service, callee, operation, a_calls, a_p50_ns, a_p95_ns, b_calls, b_p50_ns, b_p95_ns, inferred_calls,
     b_p50_ns - a_p50_ns AS delta_p50_ns, b_p95_ns - a_p95_ns AS delta_p95_ns,
     CASE WHEN a_p50_ns = 0 THEN null ELSE toFloat(b_p50_ns) / a_p50_ns END AS ratio_p50,
     CASE WHEN a_p95_ns = 0 THEN null ELSE toFloat(b_p95_ns) / a_p95_ns END AS ratio_p95
WITH *, CASE $order_by
          WHEN 'delta_p50_ns' THEN delta_p50_ns WHEN 'delta_p95_ns' THEN delta_p95_ns
          WHEN 'ratio_p50' THEN ratio_p50 WHEN 'ratio_p95' THEN ratio_p95
        END AS rank_key
RETURN kind, service, callee, operation, a_calls, a_p50_ns, a_p95_ns, b_calls, b_p50_ns, b_p95_ns,
       delta_p50_ns, delta_p95_ns, ratio_p50, ratio_p95, inferred_calls
// Rows without a ranking value (a null ratio) go last.
ORDER BY rank_key IS NULL, rank_key DESC, kind, service, callee, operation
LIMIT $limit
