// name: error-origins
// question: Where do errors start (the deepest failing spans none of whose children failed), and how far up do they propagate?
// param: since_ns time = null -- window start on the origin span's start, inclusive (null = no bound)
// param: until_ns time = null -- window end on the origin span's start, exclusive (null = no bound)
// param: service string = null -- only origins in this service (null = all)
// param: per string = 'operation' one of operation|span -- 'operation': one row per (service, span name); 'span': one row per origin span
// param: limit int = 50 -- rows to return
// column: service string -- the origin's service
// column: operation string -- the origin's span name
// column: trace_id string -- the trace (null per operation)
// column: span_id string -- the origin span (null per operation)
// column: origins int -- error origins (1 per span)
// column: traces int -- traces with such an origin
// column: max_chain int -- length of the propagation chain: failing ancestors directly above the origin, up to the first that did not fail (per operation: the longest)
// column: mean_chain float -- average chain length
// column: propagated_to list<string> -- per span: the failing ancestors' span ids, nearest first; per operation: the distinct 'service: name' of every failing ancestor, sorted
// column: status_message string -- the origin's status message (per operation: the most frequent, ties by text)
// agrees-with: none -- same rule as the error_origin anomaly (graphtrace.analysis.anomalies.error_origin)
// mode: read
// show: service=text, operation=text, origins=count, traces=count, max_chain=count, mean_chain=count, status_message=text, trace_id=id, span_id=id, propagated_to=text
// example: -p per span -p limit 10
//
// An origin is a span with status ERROR none of whose children has status ERROR.  Ordered by origins,
// then max_chain (largest first), then service, operation, trace id, span id.
MATCH (o:Span {status_code: 'ERROR'})
WHERE ($since_ns IS NULL OR o.start_ns >= $since_ns)
  AND ($until_ns IS NULL OR o.start_ns < $until_ns)
  AND ($service IS NULL OR o.service = $service)
  AND NOT EXISTS { (o)-[:PARENT_OF]->(:Span {status_code: 'ERROR'}) }
// The unbroken chain of failing ancestors: the longest upward path whose spans all failed.
CALL (o) {
  OPTIONAL MATCH path = (:Span)-[:PARENT_OF*1..]->(o)
  WHERE all(n IN nodes(path) WHERE n.status_code = 'ERROR')
  WITH path ORDER BY length(path) DESC LIMIT 1
  RETURN CASE WHEN path IS NULL THEN [] ELSE reverse(nodes(path)[0..-1]) END AS chain
}
WITH o.service AS service, o.name AS operation,
     CASE WHEN $per = 'span' THEN o.trace_id END AS trace_id,
     CASE WHEN $per = 'span' THEN o.span_id END AS span_id,
     o, chain
WITH service, operation, trace_id, span_id,
     count(*) AS origins, count(DISTINCT o.trace_id) AS traces,
     max(size(chain)) AS max_chain, avg(toFloat(size(chain))) AS mean_chain,
     collect(chain) AS chains, collect(coalesce(o.status_message, '')) AS messages
CALL (chains) {
  UNWIND chains AS ch
  UNWIND ch AS n
  WITH DISTINCT n.service + ': ' + n.name AS label ORDER BY label
  RETURN collect(label) AS labels
}
CALL (messages) {
  UNWIND messages AS m
  WITH m, count(*) AS k ORDER BY k DESC, m LIMIT 1
  RETURN m AS common_message
}
RETURN service, operation, trace_id, span_id, origins, traces, max_chain, mean_chain,
       CASE WHEN $per = 'span' THEN [n IN chains[0] | n.span_id] ELSE labels END AS propagated_to,
       CASE WHEN $per = 'span' THEN messages[0] ELSE common_message END AS status_message
ORDER BY origins DESC, max_chain DESC, service, operation, trace_id, span_id
LIMIT $limit
