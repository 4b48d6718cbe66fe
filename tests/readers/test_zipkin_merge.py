"""Records sharing a Zipkin span id, merged as zipkin2.internal.Trace.merge / zipkin-lens
span-cleaner do: by (id, shared flag, local endpoint).

zipkin_merge.json holds 9 records of one trace; id 4d1e00c0db9010db appears 6 times:
  CLIENT frontend 10.0.0.1 (timestamp, duration), CLIENT frontend (tags only),
  a kindless record without endpoint (one "wr" annotation),
  SERVER shared backend 10.0.0.2 (timestamp, duration), SERVER shared backend 10.0.0.2
  (annotation + tag), SERVER shared backend 10.0.0.3 (timestamp, duration).
Zipkin's order: not shared first, CLIENT first, endpoint-less before the rest, then by
service/IPv4.  So: [CLIENT 10.0.0.1, CLIENT (no ip), kindless], then [SERVER .2, SERVER .2
fragment, SERVER .3].  The first three merge (same shared flag, no endpoint conflict); the two
.2 servers merge; .3 conflicts with .2 on IPv4 and stays a separate half.  -> 3 halves.
"""

import hashlib

from graphtrace.model import SpanKind
from graphtrace.readers import read_traces
from graphtrace.readers.zipkin import derived_id

T_NS = 1_700_000_000_000_000 * 1000
SHARED = "4d1e00c0db9010db"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_halves_and_fragments(fixtures):
    stream = read_traces([fixtures / "zipkin_merge.json"])
    [trace] = list(stream)
    spans = {s.span_id: s for s in trace.spans}
    # 9 records: root, 3 halves, select, dns.lookup = 6 spans
    assert len(spans) == 6 and stream.skipped == []
    client_id, server_b_id = _sha(f"{SHARED}:client"), _sha(f"{SHARED}:server")
    assert (client_id, server_b_id) == (derived_id(SHARED, "CLIENT"), derived_id(SHARED, "server"))
    client, server_a, server_b = spans[client_id], spans[SHARED], spans[server_b_id]
    # the CLIENT half: its own record's times, the tags fragment's tag, the kindless fragment's event
    assert client.kind is SpanKind.CLIENT and client.service == "frontend"
    assert (client.start_ns, client.duration_ns) == (T_NS + 1_000_000, 6_000_000)
    assert client.attributes["http.url"] == "http://backend:9000/rates"
    assert client.attributes["zipkin.shared_span_id"] == SHARED
    assert [(e.name, e.time_ns) for e in client.events] == [("wr", T_NS + 6_900_000)]
    assert client.parent_span_id == "86154a4ba6e91385"
    # the shared SERVER on 10.0.0.2 keeps the id, with its fragment's tag and annotation
    assert server_a.kind is SpanKind.SERVER and server_a.resource["net.host.ip"] == "10.0.0.2"
    assert (server_a.start_ns, server_a.duration_ns) == (T_NS + 1_500_000, 4_000_000)
    assert server_a.attributes == {"http.status_code": "200"}
    assert [(e.name, e.time_ns) for e in server_a.events] == [("cache.miss", T_NS + 3_000_000)]
    # the second server (10.0.0.3) stays apart: derived id, its own times
    assert server_b.resource["net.host.ip"] == "10.0.0.3"
    assert (server_b.start_ns, server_b.duration_ns) == (T_NS + 1_600_000, 3_000_000)
    # both servers are children of the client half
    assert server_a.parent_span_id == client_id and server_b.parent_span_id == client_id
    # children naming the shared id: select runs on backend 10.0.0.3 -> that server (Zipkin
    # matches the shared half by endpoint); dns.lookup runs on frontend -> the client half
    assert spans["c1c1c1c1c1c1c1c1"].parent_span_id == server_b_id
    assert spans["d1d1d1d1d1d1d1d1"].parent_span_id == client_id


def test_missing_shared_flag_is_backfilled(tmp_path):
    # an old instrumentation: CLIENT and SERVER with one id, no shared flag, and the server
    # record without parentId. Zipkin marks the server shared and gives it the client's parent.
    (tmp_path / "z.json").write_text('''[
      {"traceId": "a", "id": "1", "name": "root", "timestamp": 10, "duration": 100,
       "localEndpoint": {"serviceName": "web"}},
      {"traceId": "a", "id": "2", "parentId": "1", "kind": "SERVER", "name": "get", "timestamp": 30,
       "duration": 20, "localEndpoint": {"serviceName": "api"}},
      {"traceId": "a", "id": "2", "parentId": "1", "kind": "CLIENT", "name": "get", "timestamp": 20,
       "duration": 40, "localEndpoint": {"serviceName": "web"}}]''')
    [trace] = list(read_traces([tmp_path / "z.json"]))
    spans = {s.span_id: s for s in trace.spans}
    client_id = _sha("0000000000000002:client")
    assert spans[client_id].parent_span_id == "0000000000000001"
    assert spans["0000000000000002"].parent_span_id == client_id
    assert (spans["0000000000000002"].start_ns, spans["0000000000000002"].end_ns) == (30_000, 50_000)


def test_same_id_from_two_endpoints_is_not_merged(tmp_path):
    # two kindless records with one id from two services: Zipkin does not merge them (their
    # local endpoints conflict); the old reader merged them into one span of "web"
    (tmp_path / "z.json").write_text('''[
      {"traceId": "a", "id": "1", "name": "call", "timestamp": 10, "duration": 50,
       "localEndpoint": {"serviceName": "web"}},
      {"traceId": "a", "id": "1", "name": "call", "timestamp": 15, "duration": 30,
       "localEndpoint": {"serviceName": "api"}}]''')
    [trace] = list(read_traces([tmp_path / "z.json"]))
    by_service = {s.service: s for s in trace.spans}
    assert set(by_service) == {"web", "api"}
    # sorted by service name, "api" comes first and keeps the id; "web" gets ":unspecified"
    assert by_service["api"].span_id == "0000000000000001"
    assert by_service["web"].span_id == _sha("0000000000000001:unspecified")
    assert (by_service["web"].start_ns, by_service["web"].duration_ns) == (10_000, 50_000)


def test_self_parent_is_a_root_with_a_warning(tmp_path):
    # Zipkin's Span.Builder drops a parentId equal to the span's own id; the trace is kept
    (tmp_path / "z.json").write_text(
        '[{"traceId": "a", "id": "1", "parentId": "1", "name": "r", "timestamp": 5, "duration": 2}]')
    stream = read_traces([tmp_path / "z.json"])
    [trace] = list(stream)
    assert trace.spans[0].parent_span_id is None and (trace.spans[0].start_ns, trace.spans[0].end_ns) == (5_000, 7_000)
    [warning] = stream.warnings
    assert warning.field == "parentId" and stream.skipped == []


def test_chain_of_shared_rpcs(tmp_path):
    # B3 shared ids two hops deep: web -(id 2)-> api -(id 3)-> db.  Each SERVER record carries
    # the shared id and its client's parentId, as Brave reports them.
    (tmp_path / "z.json").write_text('''[
      {"traceId": "a", "id": "1", "kind": "SERVER", "name": "get /", "timestamp": 100, "duration": 900,
       "localEndpoint": {"serviceName": "web"}},
      {"traceId": "a", "id": "2", "parentId": "1", "kind": "CLIENT", "name": "get /api", "timestamp": 200,
       "duration": 600, "localEndpoint": {"serviceName": "web"}},
      {"traceId": "a", "id": "2", "parentId": "1", "kind": "SERVER", "name": "get /api", "timestamp": 250,
       "duration": 500, "localEndpoint": {"serviceName": "api"}, "shared": true},
      {"traceId": "a", "id": "3", "parentId": "2", "kind": "CLIENT", "name": "query", "timestamp": 300,
       "duration": 300, "localEndpoint": {"serviceName": "api"}},
      {"traceId": "a", "id": "3", "parentId": "2", "kind": "SERVER", "name": "query", "timestamp": 320,
       "duration": 250, "localEndpoint": {"serviceName": "db"}, "shared": true}]''')
    [trace] = list(read_traces([tmp_path / "z.json"]))
    parent = {(s.service, s.kind.value): s.parent_span_id for s in trace.spans}
    ids = {(s.service, s.kind.value): s.span_id for s in trace.spans}
    c2, c3 = _sha("0000000000000002:client"), _sha("0000000000000003:client")
    assert ids == {("web", "SERVER"): "0000000000000001", ("web", "CLIENT"): c2,
                   ("api", "SERVER"): "0000000000000002", ("api", "CLIENT"): c3,
                   ("db", "SERVER"): "0000000000000003"}
    # web server <- web client <- api server <- api client (its parentId 2 = the api server,
    # of its own service) <- db server
    assert parent == {("web", "SERVER"): None, ("web", "CLIENT"): "0000000000000001",
                      ("api", "SERVER"): c2, ("api", "CLIENT"): "0000000000000002", ("db", "SERVER"): c3}
