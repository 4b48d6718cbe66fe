"""Write the seed trace (971a659583cb354ebf2a7babf50db2f8) in every format graphtrace reads.

Run from anywhere: ``python examples/make_formats.py``.  It rewrites, next to itself:

* ``otel-demo-add-to-cart.json``          OTLP JSON (one ExportTraceServiceRequest document), exact ns
* ``otel-demo-add-to-cart.jaeger.json``   Jaeger query-API JSON (µs; durations rounded to the nearest µs)
* ``otel-demo-add-to-cart.zipkin.json``   Zipkin v2 JSON (µs; same rounding)
* ``otel-demo-add-to-cart.rows.json``     Parseable-style flat rows (float epochs; one row per event)

The single source of truth is the ``SPANS`` table below; ``README.md`` derives
every offset by hand.  Only the standard library and orjson are used, and
nothing from graphtrace, so the examples do not depend on the code they test.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import orjson

from graphtrace.readers.otlp_writer import to_key_values

TRACE_ID = "971a659583cb354ebf2a7babf50db2f8"
# 2024-11-25T14:03:12.345600Z: a multiple of 32 µs, so T0 + any multiple of 32 µs
# is a whole µs (Jaeger/Zipkin) and a multiple of 256 ns (exact as a float64 epoch).
T0 = 1_732_543_392_345_600_000
HERE = Path(__file__).resolve().parent
BASE = "otel-demo-add-to-cart"

HOSTS = {
    "load-generator": "load-generator-6d8f7c9b5-kx2lp",
    "frontend-proxy": "frontend-proxy-5b7d9f6c8-q4w7z",
    "frontend": "frontend-7c5d8b9f4-m8n2r",
    "product-catalog": "product-catalog-84f6b7d5c-t9v3h",
    "cart": "cart-6b9c7d8f5-p2x6k",
}
LANG = {"load-generator": "python", "frontend-proxy": "cpp", "frontend": "nodejs",
        "product-catalog": "go", "cart": "dotnet"}

PROXY = "http://frontend-proxy:8080"


def _http_client(method: str, path: str) -> dict:
    return {"http.method": method, "http.url": PROXY + path, "http.status_code": 200}


def _envoy(method: str, path: str, upstream: str) -> dict:
    return {"http.method": method, "http.url": PROXY + path, "http.protocol": "HTTP/1.1",
            "upstream_cluster": upstream, "http.status_code": "200", "component": "proxy"}


def _next(method: str, route: str, target: str) -> dict:
    return {"http.method": method, "http.target": target, "http.route": route, "http.status_code": 200}


def _grpc(service: str, method: str, peer: str) -> dict:
    return {"rpc.system": "grpc", "rpc.service": f"oteldemo.{service}", "rpc.method": method,
            "net.peer.name": peer, "net.peer.port": 8080, "rpc.grpc.status_code": 0}


def _redis(command: str) -> dict:
    return {"db.system": "redis", "db.statement": command, "net.peer.name": "valkey-cart",
            "net.peer.port": 6379, "db.redis.database_index": 0}


def _events(start: int, end: int) -> list[tuple[str, int]]:
    """Three events on the 32 µs grid: at the start, 32 µs later, and on the last grid point before the end."""
    last = start + ((end - start) // 32_000 - 1) * 32_000
    return [("Enqueued", start), ("Sent", start + 32_000), ("ResponseReceived", last)]


# (span_id, parent_id, service, name, kind, start offset ns from T0, duration ns, attributes, events)
# Durations are the seed table's; offsets are derived in README.md ("Timeline").
SPANS = [
    ("5ecdd5c42a31c2e5", None, "load-generator", "user_add_to_cart", "INTERNAL", 0, 1_080_960_237,
     {"product.id": "HQTGWGPNH4", "quantity": 10}, []),
    ("5cc7defd8ac01b04", "5ecdd5c42a31c2e5", "load-generator", "GET", "CLIENT", 192_000, 6_005_672,
     _http_client("GET", "/api/products/HQTGWGPNH4"), []),
    ("673bcdce936c36fd", "5cc7defd8ac01b04", "frontend-proxy", "ingress", "SERVER", 1_184_000, 4_248_000,
     _envoy("GET", "/api/products/HQTGWGPNH4", "frontend"), []),
    ("22048ba783f25d7f", "673bcdce936c36fd", "frontend-proxy", "router frontend egress", "CLIENT",
     1_216_000, 4_175_000, _envoy("GET", "/api/products/HQTGWGPNH4", "frontend"), []),
    ("40eedf31d5f77aa0", "22048ba783f25d7f", "frontend", "GET /api/products/HQTGWGPNH4", "SERVER",
     1_984_000, 2_694_720, _next("GET", "/api/products/[productId]", "/api/products/HQTGWGPNH4"), []),
    ("6317d5ec880c2a7d", "40eedf31d5f77aa0", "frontend", "GET", "SERVER", 2_048_000, 2_559_550,
     {"next.span_name": "GET /api/products/[productId]", "next.span_type": "BaseServer.handleRequest"}, []),
    ("dd16246c312a3ac8", "6317d5ec880c2a7d", "frontend",
     "executing api route (pages) /api/products/[productId]", "INTERNAL", 2_176_000, 2_226_089,
     {"next.span_type": "Node.runHandler", "next.route": "/api/products/[productId]"}, []),
    ("c3f8f25fbccb589c", "dd16246c312a3ac8", "frontend", "grpc.oteldemo.ProductCatalogService/GetProduct",
     "CLIENT", 2_240_000, 2_076_177, _grpc("ProductCatalogService", "GetProduct", "product-catalog"),
     _events(2_240_000, 2_240_000 + 2_076_177)),
    ("634c1ace3f902dc0", "c3f8f25fbccb589c", "product-catalog", "oteldemo.ProductCatalogService/GetProduct",
     "SERVER", 3_008_000, 154_881,
     {"rpc.system": "grpc", "rpc.service": "oteldemo.ProductCatalogService", "rpc.method": "GetProduct",
      "rpc.grpc.status_code": 0, "app.product.id": "HQTGWGPNH4"}, []),
    ("88dd4ed0cfa16aaf", "5ecdd5c42a31c2e5", "load-generator", "POST", "CLIENT", 6_304_000, 1_074_400_892,
     _http_client("POST", "/api/cart"), []),
    ("36dde1a91ce7e0ba", "88dd4ed0cfa16aaf", "frontend-proxy", "ingress", "SERVER", 9_312_000,
     1_069_754_000, _envoy("POST", "/api/cart", "frontend"), []),
    ("66a43a0d5d10cc66", "36dde1a91ce7e0ba", "frontend-proxy", "router frontend egress", "CLIENT",
     9_344_000, 1_069_682_000, _envoy("POST", "/api/cart", "frontend"), []),
    ("e1554eb4fe796276", "66a43a0d5d10cc66", "frontend", "POST /api/cart", "SERVER", 9_408_000,
     1_069_494_306, _next("POST", "/api/cart", "/api/cart"), []),
    ("1ac5140b5da23d72", "e1554eb4fe796276", "frontend", "POST", "SERVER", 9_472_000, 1_069_375_205,
     {"next.span_name": "POST /api/cart", "next.span_type": "BaseServer.handleRequest"}, []),
    ("450b340462c0a8f4", "1ac5140b5da23d72", "frontend", "executing api route (pages) /api/cart",
     "INTERNAL", 9_536_000, 1_069_144_803, {"next.span_type": "Node.runHandler", "next.route": "/api/cart"},
     []),
    ("0ebfca528fb2a3c7", "450b340462c0a8f4", "frontend", "grpc.oteldemo.CartService/AddItem", "CLIENT",
     9_600_000, 1_066_789_345, _grpc("CartService", "AddItem", "cart"), []),
    ("20477715a96a4d58", "0ebfca528fb2a3c7", "frontend", "dns.lookup", "CLIENT", 9_600_000, 1_361_055,
     {"peer.ipv4": "10.96.134.27"}, []),
    ("c4e8b74e72625cd3", "0ebfca528fb2a3c7", "frontend", "tcp.connect", "INTERNAL", 10_600_000, 778_763,
     {"net.transport": "ip_tcp", "net.peer.name": "cart", "net.peer.ip": "10.96.134.27",
      "net.peer.port": 8080}, []),
    ("940f2b8ead0ffb3d", "0ebfca528fb2a3c7", "cart", "POST /oteldemo.CartService/AddItem", "SERVER",
     1_075_904_000, 382_800,
     {"rpc.system": "grpc", "rpc.service": "oteldemo.CartService", "rpc.method": "AddItem",
      "http.request.method": "POST", "url.path": "/oteldemo.CartService/AddItem",
      "http.response.status_code": 200}, []),
    ("43f98c9155372669", "940f2b8ead0ffb3d", "cart", "HGET", "CLIENT", 1_075_904_000, 215_900,
     _redis("HGET"), []),
    ("9a0ee73806625703", "940f2b8ead0ffb3d", "cart", "HMSET", "CLIENT", 1_076_128_000, 68_300,
     _redis("HMSET"), []),
    ("e575504609c9c07c", "940f2b8ead0ffb3d", "cart", "EXPIRE", "CLIENT", 1_076_224_000, 58_200,
     _redis("EXPIRE"), []),
    ("06be3d91dbd37f1d", "450b340462c0a8f4", "frontend", "grpc.oteldemo.CartService/GetCart", "CLIENT",
     1_076_416_000, 2_156_688, _grpc("CartService", "GetCart", "cart"),
     _events(1_076_416_000, 1_076_416_000 + 2_156_688)),
    ("52291a864040f3d6", "06be3d91dbd37f1d", "cart", "POST /oteldemo.CartService/GetCart", "SERVER",
     1_076_864_000, 1_327_300,
     {"rpc.system": "grpc", "rpc.service": "oteldemo.CartService", "rpc.method": "GetCart",
      "http.request.method": "POST", "url.path": "/oteldemo.CartService/GetCart",
      "http.response.status_code": 200}, []),
    ("cc90d8ba05ba9432", "52291a864040f3d6", "cart", "HGET", "CLIENT", 1_076_960_000, 80_000,
     _redis("HGET"), []),
]

KIND_NUMBER = {"INTERNAL": 1, "SERVER": 2, "CLIENT": 3}


def _resource(service: str) -> dict:
    return {"service.name": service, "host.name": HOSTS[service], "telemetry.sdk.name": "opentelemetry",
            "telemetry.sdk.language": LANG[service], "service.namespace": "opentelemetry-demo"}




def otlp_document() -> dict:
    """One ExportTraceServiceRequest: one resourceSpans per service, spans in table order."""
    out = []
    for service in HOSTS:
        spans = []
        for sid, parent, svc, name, kind, off, dur, attrs, events in SPANS:
            if svc != service:
                continue
            spans.append({
                "traceId": TRACE_ID, "spanId": sid, "parentSpanId": parent or "", "name": name,
                "kind": KIND_NUMBER[kind], "startTimeUnixNano": str(T0 + off),
                "endTimeUnixNano": str(T0 + off + dur), "attributes": to_key_values(attrs),
                "events": [{"timeUnixNano": str(T0 + t), "name": n, "attributes": []} for n, t in events],
                "status": {"code": 0},
            })
        scope = {"name": f"{service}-instrumentation", "version": "1.0.0"}
        out.append({"resource": {"attributes": to_key_values(_resource(service))},
                    "scopeSpans": [{"scope": scope, "spans": spans}]})
    return {"resourceSpans": out}


def _us(ns: int) -> int:
    """Nanoseconds to the nearest microsecond (no value in the table ends in exactly 500 ns)."""
    return (ns + 500) // 1000


def _jaeger_tag(key: str, value) -> dict:
    if isinstance(value, bool):
        return {"key": key, "type": "bool", "value": value}
    if isinstance(value, int):
        return {"key": key, "type": "int64", "value": value}
    return {"key": key, "type": "string", "value": str(value)}


def jaeger_document() -> dict:
    """Jaeger query-API shape: ``{"data": [trace]}``, one process per service."""
    pids = {svc: f"p{i + 1}" for i, svc in enumerate(HOSTS)}
    spans = []
    for sid, parent, svc, name, kind, off, dur, attrs, events in SPANS:
        tags = [_jaeger_tag(k, v) for k, v in attrs.items()]
        tags.append(_jaeger_tag("span.kind", kind.lower()))
        tags.append(_jaeger_tag("internal.span.format", "otlp"))
        refs = [{"refType": "CHILD_OF", "traceID": TRACE_ID, "spanID": parent}] if parent else []
        logs = [{"timestamp": (T0 + t) // 1000, "fields": [_jaeger_tag("event", n)]} for n, t in events]
        spans.append({"traceID": TRACE_ID, "spanID": sid, "operationName": name, "references": refs,
                      "startTime": (T0 + off) // 1000, "duration": _us(dur), "tags": tags, "logs": logs,
                      "processID": pids[svc], "warnings": None, "flags": 1})
    processes = {pids[svc]: {"serviceName": svc,
                             "tags": [_jaeger_tag(k, v) for k, v in _resource(svc).items() if k != "service.name"]}
                 for svc in HOSTS}
    return {"data": [{"traceID": TRACE_ID, "spans": spans, "processes": processes, "warnings": None}],
            "total": 0, "limit": 0, "offset": 0, "errors": None}


def zipkin_document() -> list[dict]:
    """Zipkin v2 span list; INTERNAL spans carry no ``kind`` (Zipkin has none for them)."""
    out = []
    for sid, parent, svc, name, kind, off, dur, attrs, events in SPANS:
        span = {"traceId": TRACE_ID, "id": sid, "name": name, "timestamp": (T0 + off) // 1000,
                "duration": _us(dur), "localEndpoint": {"serviceName": svc},
                "tags": {**{k: str(v) for k, v in attrs.items()}, "host.name": HOSTS[svc]}}
        if parent:
            span["parentId"] = parent
        if kind != "INTERNAL":
            span["kind"] = kind
        if events:
            span["annotations"] = [{"timestamp": (T0 + t) // 1000, "value": n} for n, t in events]
        out.append(span)
    return out


def _iso_ms(ns: int) -> str:
    """Parseable's ISO column: millisecond precision, truncated."""
    dt = datetime.fromtimestamp(ns // 1_000_000_000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{(ns // 1_000_000) % 1000:03d}"


def rows_document() -> list[dict]:
    """Parseable otel-traces rows: one row per span, or one per event with the span repeated."""
    out = []
    for sid, parent, svc, name, kind, off, dur, attrs, events in SPANS:
        start, end = T0 + off, T0 + off + dur
        row = {"span_trace_id": TRACE_ID, "span_span_id": sid, "span_parent_span_id": parent or "",
               "span_name": name, "span_kind": KIND_NUMBER[kind],
               "span_kind_description": f"SPAN_KIND_{kind}",
               "span_start_time_unix_nano": _iso_ms(start), "span_start_time_unix_nano_epoch": float(start),
               "span_end_time_unix_nano": _iso_ms(end), "span_end_time_unix_nano_epoch": float(end),
               "span_duration_ns": float(dur), "span_status_code": 0,
               "span_status_description": "STATUS_CODE_UNSET", "service.name": svc,
               "scope_name": f"{svc}-instrumentation",
               **{k: v for k, v in _resource(svc).items() if k != "service.name"}, **attrs}
        if not events:
            out.append(row)
        for n, t in events:
            out.append({**row, "event_name": n, "event_time_unix_nano": _iso_ms(T0 + t),
                        "event_time_unix_nano_epoch": float(T0 + t)})
    return out


def main() -> None:
    pretty = orjson.OPT_INDENT_2
    (HERE / f"{BASE}.json").write_bytes(orjson.dumps(otlp_document(), option=pretty) + b"\n")
    (HERE / f"{BASE}.jaeger.json").write_bytes(orjson.dumps(jaeger_document(), option=pretty) + b"\n")
    (HERE / f"{BASE}.zipkin.json").write_bytes(orjson.dumps(zipkin_document(), option=pretty) + b"\n")
    (HERE / f"{BASE}.rows.json").write_bytes(orjson.dumps(rows_document(), option=pretty) + b"\n")


if __name__ == "__main__":
    main()
