// name: slow-edges-rollup
// question: Which service-to-service edges are recurrently slow across traces? (from the per-minute rollups)
// param: since_ns time = null -- window start on the client span's start, inclusive; rounded to whole minutes: a minute counts when it starts in the window (null = no bound)
// param: until_ns time = null -- window end on the client span's start, exclusive (null = no bound)
// param: service string = null -- only edges whose caller or callee is this service (null = all)
// param: min_calls int = 1 -- leave out edges with fewer calls than this
// param: order_by string = 'p95_ns' one of p50_ns|p95_ns|p99_ns|gap_p50_ns|gap_p95_ns|gap_p99_ns|calls|traces|errors|error_rate|cp_share|inferred_calls -- rank by this column, largest first (no value last)
// param: limit int = 20 -- rows to return
// column: caller string -- calling service (the CLIENT span's service; the parent's for an inferred call)
// column: callee string -- called service (the SERVER span's service; the child's for an inferred call)
// column: operation string -- the SERVER span's name (the child's for an inferred call)
// column: calls int -- remote calls on this edge in the window (exact, for whole-minute windows)
// column: traces int -- traces with a call on this edge, each counted in the minute of its first such call (exact without a window)
// column: p50_ns int -- median client duration: percentileDisc within 1 % (DDSketch, docs/rollups.md)
// column: p95_ns int -- 95th percentile of the client duration, within 1 %
// column: p99_ns int -- 99th percentile of the client duration, within 1 %
// column: gap_p50_ns int -- median known gap (client minus server duration), within 1 % (null when none is known)
// column: gap_p95_ns int -- 95th percentile of the known gaps, within 1 %
// column: gap_p99_ns int -- 99th percentile of the known gaps, within 1 %
// column: errors int -- calls whose client or server span has status ERROR
// column: error_rate float -- errors / calls
// column: cp_traces int -- traces in which a client span of this edge is on the critical path, counted in the minute of the first such call
// column: cp_share float -- cp_traces / traces (null when traces is 0 in the window)
// column: inferred_calls int -- calls inferred from spans without CLIENT/SERVER kinds
// column: unknown_gaps int -- inferred calls whose gap is unknown, left out of the gap percentiles
// agrees-with: none -- the check compares it with graphtrace.analysis.edges.edge_stats within the sketch's error (jobs/check_rollups.py)
// mode: read
// needs: remote-calls
// show: caller=text, callee=text, operation=text, p95_ns=duration, calls=count, p50_ns=duration, p99_ns=duration, error_rate=share, cp_share=share, gap_p95_ns=duration, traces=count, errors=count, gap_p50_ns=duration, gap_p99_ns=duration, cp_traces=count, inferred_calls=count, unknown_gaps=count
// example: -p limit 5
//
// The rollup twin of `slow-edges` (which scans every REMOTE_CALL; `recipe run slow-edges --exact`).
// Reads the (:Rollup {kind: 'edge'}) cells written at ingest, one per minute and edge, and merges their
// DDSketch buckets: b > 0 stands for 2 * gamma^(b-1) / (gamma + 1), gamma = 1.01 / 0.99, b < 0 for the
// negative of |b|'s, 0 for 0.  The percentile takes Neo4j's percentileDisc rank over the merged counts
// and answers the bucket holding that value: within 1 % of the exact percentileDisc.
WITH CASE WHEN $since_ns IS NULL THEN null WHEN $since_ns >= 0 THEN ($since_ns + 59999999999) / 60000000000
          ELSE -((-$since_ns) / 60000000000) END AS m0,
     CASE WHEN $until_ns IS NULL THEN null WHEN $until_ns >= 0 THEN ($until_ns + 59999999999) / 60000000000
          ELSE -((-$until_ns) / 60000000000) END AS m1
MATCH (r:Rollup {kind: 'edge'})
WHERE (m0 IS NULL OR r.minute >= m0) AND (m1 IS NULL OR r.minute < m1)
  AND ($service IS NULL OR r.service = $service OR r.callee = $service)
WITH r.service AS caller, r.callee AS callee, r.operation AS operation, collect(r) AS cells,
     sum(r.n) AS calls, sum(r.traces) AS traces, sum(r.errors) AS errors, sum(r.cp_traces) AS cp_traces,
     sum(r.inferred) AS inferred_calls, sum(r.unknown) AS unknown_gaps
WHERE calls >= $min_calls AND calls > 0
CALL (cells) {
  UNWIND cells AS c
  UNWIND range(0, size(c.keys) - 1) AS i
  WITH c.keys[i] AS b, sum(c.counts[i]) AS n
  ORDER BY b
  WITH collect(b) AS bs, collect(n) AS ns, sum(n) AS total
  WITH bs, total, reduce(acc = [], n IN ns | acc + [coalesce(acc[-1], 0) + n]) AS cum,
       [q IN [0.5, 0.95, 0.99] | CASE WHEN total = 1 THEN 0
          WHEN toInteger(q * total) = q * total AND toInteger(q * total) <> 0 THEN toInteger(q * total) - 1
          ELSE toInteger(q * total) END] AS ranks
  WITH [rk IN ranks | head([j IN range(0, size(cum) - 1) WHERE cum[j] > rk | bs[j]])] AS qb
  RETURN [b IN qb | CASE WHEN b IS NULL THEN null WHEN b = 0 THEN 0
            ELSE sign(b) * toInteger(round(2 * ((1 + 0.01) / (1 - 0.01)) ^ (abs(b) - 1) / (((1 + 0.01) / (1 - 0.01)) + 1))) END] AS dq
}
CALL (cells) {
  UNWIND cells AS c
  UNWIND range(0, size(c.gkeys) - 1) AS i
  WITH c.gkeys[i] AS b, sum(c.gcounts[i]) AS n
  ORDER BY b
  WITH collect(b) AS bs, collect(n) AS ns, sum(n) AS total
  WITH bs, total, reduce(acc = [], n IN ns | acc + [coalesce(acc[-1], 0) + n]) AS cum,
       [q IN [0.5, 0.95, 0.99] | CASE WHEN total = 1 THEN 0
          WHEN toInteger(q * total) = q * total AND toInteger(q * total) <> 0 THEN toInteger(q * total) - 1
          ELSE toInteger(q * total) END] AS ranks
  WITH [rk IN ranks | head([j IN range(0, size(cum) - 1) WHERE cum[j] > rk | bs[j]])] AS qb
  RETURN [b IN qb | CASE WHEN b IS NULL THEN null WHEN b = 0 THEN 0
            ELSE sign(b) * toInteger(round(2 * ((1 + 0.01) / (1 - 0.01)) ^ (abs(b) - 1) / (((1 + 0.01) / (1 - 0.01)) + 1))) END] AS gq
}
WITH caller, callee, operation, calls, traces, dq[0] AS p50_ns, dq[1] AS p95_ns, dq[2] AS p99_ns,
     gq[0] AS gap_p50_ns, gq[1] AS gap_p95_ns, gq[2] AS gap_p99_ns, errors, toFloat(errors) / calls AS error_rate,
     cp_traces, CASE WHEN traces > 0 THEN toFloat(cp_traces) / traces END AS cp_share, inferred_calls, unknown_gaps
WITH *, CASE $order_by
          WHEN 'p50_ns' THEN p50_ns WHEN 'p95_ns' THEN p95_ns WHEN 'p99_ns' THEN p99_ns
          WHEN 'gap_p50_ns' THEN gap_p50_ns WHEN 'gap_p95_ns' THEN gap_p95_ns
          WHEN 'gap_p99_ns' THEN gap_p99_ns WHEN 'calls' THEN calls WHEN 'traces' THEN traces
          WHEN 'errors' THEN errors WHEN 'error_rate' THEN error_rate WHEN 'cp_share' THEN cp_share
          WHEN 'inferred_calls' THEN inferred_calls
        END AS rank_key
RETURN caller, callee, operation, calls, traces, p50_ns, p95_ns, p99_ns,
       gap_p50_ns, gap_p95_ns, gap_p99_ns, errors, error_rate, cp_traces, cp_share, inferred_calls, unknown_gaps
ORDER BY rank_key IS NULL, rank_key DESC, caller, callee, operation
LIMIT $limit
