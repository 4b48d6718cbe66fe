// name: cold-connections
// question: Which client calls opened a new connection (DNS, TCP, TLS set-up) instead of reusing a pooled one, and what did the set-up cost?
// param: since_ns time = null -- window start on the client span's start, inclusive (null = no bound)
// param: until_ns time = null -- window end on the client span's start, exclusive (null = no bound)
// param: service string = null -- only calls whose caller or callee is this service (null = all)
// param: per string = 'span' one of span|edge -- 'span': one row per cold call; 'edge': one row per (caller, callee, operation)
// param: limit int = 50 -- rows to return
// column: caller string -- the client span's service
// column: callee string -- the called service: the first SERVER/CONSUMER child's service, else attribute peer.service, server.address, net.peer.name, db.system or rpc.service (null when nothing says)
// column: operation string -- the client span's name
// column: trace_id string -- the trace (null per edge)
// column: span_id string -- the client span (null per edge)
// column: cold_calls int -- cold calls (1 per span)
// column: traces int -- traces with such a call
// column: client_ns int -- the client span's duration (per edge: the sum)
// column: setup_ns int -- union of the set-up children's intervals, each clipped to the call (per edge: the sum)
// column: max_setup_ns int -- the largest setup_ns of one call
// column: setup_cp_ns int -- critical-path time of the set-up children (Span.cp_ns; per edge: the sum)
// column: steps list<string> -- the set-up children's names, in start order (per edge: the distinct names, sorted)
// agrees-with: none -- same rule as the cold_connection anomaly (graphtrace.analysis.anomalies.cold_connection)
// mode: read
// show: caller=text, callee=text, operation=text, cold_calls=count, setup_ns=duration, max_setup_ns=duration, setup_cp_ns=duration, client_ns=duration, traces=count, trace_id=id, span_id=id, steps=text
// example: -p per edge
//
// A cold call is a CLIENT span (not itself a set-up step) with children whose lower-cased, trimmed name
// fully matches the cold_connection anomaly's pattern: dns.lookup, dns.resolve, tls.handshake,
// ssl.handshake, connect, or any dotted name ending in .connect (tcp.connect, tls.connect, db.connect...);
// the store tests the name once at ingest and marks such spans Span.conn_setup = true (indexed), so the
// query starts from the set-up spans instead of every CLIENT span.
// Ordered by setup_ns (largest first), then caller, callee, operation, trace_id, span_id.
MATCH (c:Span {kind: 'CLIENT'})-[:PARENT_OF]->(:Span {conn_setup: true})
WHERE c.conn_setup IS NULL
  AND ($since_ns IS NULL OR c.start_ns >= $since_ns)
  AND ($until_ns IS NULL OR c.start_ns < $until_ns)
WITH DISTINCT c
CALL (c) {
  MATCH (c)-[:PARENT_OF]->(k:Span {conn_setup: true})
  WITH k, CASE WHEN k.start_ns > c.start_ns THEN k.start_ns ELSE c.start_ns END AS lo,
       CASE WHEN k.end_ns < c.end_ns THEN k.end_ns ELSE c.end_ns END AS hi
  ORDER BY k.start_ns, k.end_ns, k.span_id
  WITH collect(k.name) AS steps, sum(coalesce(k.cp_ns, 0)) AS setup_cp_ns,
       collect(CASE WHEN hi > lo THEN [lo, hi] END) AS clipped
  // Union of the clipped intervals (already in start order): one sweep keeping [covered ns, reach].
  RETURN steps, setup_cp_ns,
         reduce(u = [0, c.start_ns], x IN clipped |
           CASE WHEN x[1] > u[1] THEN [u[0] + x[1] - CASE WHEN x[0] > u[1] THEN x[0] ELSE u[1] END, x[1]]
           ELSE u END)[0] AS setup_ns
}
CALL (c) {
  OPTIONAL MATCH (c)-[:PARENT_OF]->(srv:Span)
  WHERE srv.kind IN ['SERVER', 'CONSUMER']
  WITH srv ORDER BY srv.start_ns, srv.end_ns, srv.span_id
  WITH collect(srv.service) AS servers
  // (Looked up by a key variable, so a database without these attributes raises no warning.)
  WITH servers, [key IN ['attr.peer.service', 'attr.server.address', 'attr.net.peer.name', 'attr.db.system',
                         'attr.rpc.service'] | c[key]] AS peers
  RETURN head([v IN servers + peers WHERE v IS NOT NULL AND toString(v) <> '' | toString(v)]) AS callee
}
WITH c, callee, steps, setup_cp_ns, setup_ns
WHERE size(steps) > 0 AND ($service IS NULL OR c.service = $service OR callee = $service)
WITH c.service AS caller, callee, c.name AS operation,
     CASE WHEN $per = 'edge' THEN null ELSE c.trace_id END AS trace_id,
     CASE WHEN $per = 'edge' THEN null ELSE c.span_id END AS span_id,
     count(*) AS cold_calls, count(DISTINCT c.trace_id) AS traces, sum(c.duration_ns) AS client_ns,
     sum(setup_ns) AS setup_ns, max(setup_ns) AS max_setup_ns, sum(setup_cp_ns) AS setup_cp_ns,
     collect(steps) AS step_lists
RETURN caller, callee, operation, trace_id, span_id, cold_calls, traces, client_ns, setup_ns, max_setup_ns,
       setup_cp_ns,
       CASE WHEN $per = 'edge'
         THEN COLLECT { UNWIND step_lists AS l UNWIND l AS n RETURN DISTINCT n ORDER BY n }
         ELSE head(step_lists) END AS steps
ORDER BY setup_ns DESC, caller, callee, operation, trace_id, span_id
LIMIT $limit
