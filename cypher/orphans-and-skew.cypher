// name: orphans-and-skew
// question: Which spans lost their parent, and which children stick out of their parent on another host or service (clock skew)?
// param: since_ns time = null -- window start on the span's (the child's) start, inclusive (null = no bound)
// param: until_ns time = null -- window end on the span's start, exclusive (null = no bound)
// param: service string = null -- only spans of this service, or skewed children of a parent of this service (null = all)
// param: kind string = null one of orphan|skew -- 'orphan', 'skew', or null for both
// param: min_skew_ns int = 1 -- how far outside its parent a child must be to count as skewed
// param: limit int = 100 -- rows to return
// column: kind string -- 'skew' (a remote child outside its parent) or 'orphan' (its parent is not in the database)
// column: trace_id string -- the trace
// column: span_id string -- the orphan or the skewed child
// column: service string -- its service
// column: name string -- its name
// column: parent_span_id string -- the parent it names (for an orphan: the missing one)
// column: parent_service string -- the parent's service (null for an orphan)
// column: host string -- the span's host (Span.host: resource host.name, else k8s.pod.name, else host.id; null if none)
// column: parent_host string -- the parent's host (null for an orphan or when unknown)
// column: starts_before_ns int -- how long the child starts before its parent (0 if not, or under min_skew_ns)
// column: ends_after_ns int -- how long it ends after its parent (0 if not, under min_skew_ns, or asynchronous)
// column: correction_ns int -- the shift Jaeger's clock-skew adjuster would add to the child (reported, never applied; null for an orphan)
// column: descendants int -- spans below the orphan (null for a skewed child)
// agrees-with: none -- same rules as the clock_skew and orphan_span anomalies (graphtrace.analysis.anomalies)
// mode: read
// show: kind=text, service=text, name=text, correction_ns=duration, starts_before_ns=duration, ends_after_ns=duration, parent_service=text, descendants=count, trace_id=id, span_id=id, host=text, parent_host=text, parent_span_id=id
// example: -p kind skew -p min_skew_ns 100000
//
// A child is remote when its service differs from its parent's, or both have a host and the hosts
// differ.  Ending after the parent is not counted for asynchronous children (ref_type FOLLOWS_FROM, or a
// CONSUMER under a PRODUCER).  Correction: if the child lasted no longer than the parent, the shift that
// centres it inside the parent, parent.start + (parent.duration - child.duration) / 2 - child.start (0 if
// it is already inside); otherwise the shift that makes it start with the parent (0 if it did not start
// before).  Hosts are Span.host, written at ingest (graphtrace.model.Span.host, as the anomalies use it).
// Orphans are looked up through Trace.root_span_ids (spans with no PARENT_OF coming in, kept by ingest)
// instead of testing every span.
// Ordered: skewed children first, by starts_before_ns + ends_after_ns (largest first); then orphans,
// by descendants (most first); ties by trace id, span id.
CALL () {
  MATCH (p:Span)-[:PARENT_OF]->(c:Span)
  WHERE ($kind IS NULL OR $kind = 'skew')
    AND ($since_ns IS NULL OR c.start_ns >= $since_ns)
    AND ($until_ns IS NULL OR c.start_ns < $until_ns)
    AND ($service IS NULL OR c.service = $service OR p.service = $service)
    AND (c.start_ns < p.start_ns OR c.end_ns > p.end_ns)
    AND (c.service <> p.service OR c.host <> p.host)
  WITH p, c, p.start_ns - c.start_ns AS early,
       CASE WHEN c.ref_type = 'FOLLOWS_FROM' OR (p.kind = 'PRODUCER' AND c.kind = 'CONSUMER') THEN 0
            ELSE c.end_ns - p.end_ns END AS late
  WITH p, c,
       CASE WHEN early > 0 AND early >= $min_skew_ns THEN early ELSE 0 END AS before,
       CASE WHEN late > 0 AND late >= $min_skew_ns THEN late ELSE 0 END AS after
  WHERE before > 0 OR after > 0
  RETURN 'skew' AS kind, c AS s, p.span_id AS parent_span_id, p.service AS parent_service,
         c.host AS host, p.host AS parent_host, before, after,
         CASE WHEN c.duration_ns > p.duration_ns
                THEN CASE WHEN p.start_ns > c.start_ns THEN p.start_ns - c.start_ns ELSE 0 END
              WHEN c.start_ns >= p.start_ns AND c.end_ns <= p.end_ns THEN 0
              ELSE p.start_ns + (p.duration_ns - c.duration_ns) / 2 - c.start_ns END AS correction,
         null AS descendants
  UNION ALL
  MATCH (t:Trace)
  WHERE ($kind IS NULL OR $kind = 'orphan')
  UNWIND t.root_span_ids AS root_id
  MATCH (s:Span {trace_id: t.trace_id, span_id: root_id})
  WHERE s.parent_span_id IS NOT NULL
    AND ($since_ns IS NULL OR s.start_ns >= $since_ns)
    AND ($until_ns IS NULL OR s.start_ns < $until_ns)
    AND ($service IS NULL OR s.service = $service)
    AND NOT EXISTS { (:Span)-[:PARENT_OF]->(s) }
  RETURN 'orphan' AS kind, s, s.parent_span_id AS parent_span_id, null AS parent_service, s.host AS host,
         null AS parent_host, 0 AS before, 0 AS after, null AS correction,
         COUNT { (s)-[:PARENT_OF*1..]->(:Span) } AS descendants
}
RETURN kind, s.trace_id AS trace_id, s.span_id AS span_id, s.service AS service, s.name AS name,
       parent_span_id, parent_service, host, parent_host, before AS starts_before_ns, after AS ends_after_ns,
       correction AS correction_ns, descendants
ORDER BY kind DESC, starts_before_ns + ends_after_ns DESC, descendants DESC, trace_id, span_id
LIMIT $limit
