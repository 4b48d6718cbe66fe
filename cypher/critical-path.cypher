// name: critical-path
// question: Which sections of one trace's time make up its critical path, and which span owns each?
// param: trace_id string -- the trace to examine
// column: span_id string -- span that owns the section
// column: service string -- the span's service
// column: name string -- operation name
// column: start_ns int -- section start, ns since the epoch
// column: end_ns int -- section end, ns since the epoch
// column: duration_ns int -- end_ns - start_ns (zero-length sections are left out)
// agrees-with: critical_path -- graphtrace.analysis.critical_path.critical_path
// mode: read
// show: name=text, duration_ns=duration, start_ns=offset, service=text, span_id=id, end_ns=offset
// example: -p trace_id 971a659583cb354ebf2a7babf50db2f8
//
// Jaeger UI's walk: sanitise top-down, then from each root's end take the last-finishing child,
// emit the gap, recurse into it, continue before its start.  Each root (orphans too) gets its own
// path, so the sections tile every root.  Ordered by start (then end, span id).
// 1. The trace, which annotate must have finished (ingest does): else an error saying so.
MATCH (tr:Trace {trace_id: $trace_id})
WITH tr, toBoolean(CASE WHEN tr.annotated THEN true
  ELSE ['trace ' + $trace_id + ' is not annotated: run graphtrace annotate'] END) AS annotated
MATCH (tr)-[:HAS_SPAN]->(s:Span)
WHERE annotated AND s.on_cp
// 2. The sections each span on the path owns, as annotate stored them (Span.cp_secs, flat
//    [lo1, hi1, lo2, hi2, ...]; annotate walks the tree top-down in passes of 64 levels).
UNWIND range(0, size(coalesce(s.cp_secs, [])) / 2 - 1) AS i
WITH s, s.cp_secs[2 * i] AS start_ns, s.cp_secs[2 * i + 1] AS end_ns
RETURN s.span_id AS span_id, s.service AS service, s.name AS name, start_ns, end_ns,
       end_ns - start_ns AS duration_ns
ORDER BY start_ns, end_ns, span_id
