"""Every fixture the readers must read right, one line each: the file and what it must give.

Expected values are derived by hand from the fixture (see each comment, and the fixture's own
test module for the longer derivations); a new format quirk is one fixture file and one line here.
"""

from __future__ import annotations

from tests.conformance.expect import Case, Expect
from tests.conformance.seed import SEED_EXACT, SEED_MICROS

F = "tests/fixtures/readers/"

CASES: list[Case] = [
    # The seed trace in every format (examples/README.md): exact ns in OTLP and the rows file
    # (rows take the duration from span_duration_ns), durations rounded to the µs in Jaeger/Zipkin.
    Case("examples/otel-demo-add-to-cart.json", Expect(spans=SEED_EXACT)),
    Case("examples/otel-demo-add-to-cart.jaeger.json", Expect(spans=SEED_MICROS)),
    Case("examples/otel-demo-add-to-cart.zipkin.json", Expect(spans=SEED_MICROS)),
    Case("examples/otel-demo-add-to-cart.rows.json", Expect(spans=SEED_EXACT)),
    # Jaeger query API trace: three spans under 0000000000000001 (tests/readers/test_jaeger.py).
    Case(F + "jaeger_trace.json", Expect(span_count=3, roots=frozenset({"0000000000000001"}))),
    # Two bare trace objects, one per line; "a1"/"b1" are unpadded hex -> 16 digits; 2 and 3 µs.
    Case(F + "jaeger_bare.ndjson", Expect(traces=2, spans={"00000000000000a1": (None, "s1", 2_000),
                                                           "00000000000000b1": (None, "s2", 3_000)})),
    # ClickHouse otel_traces CSV: Duration is ns (5 ms server, 1 ms client), ids upper-case hex.
    Case(F + "clickhouse.csv", Expect(spans={"eee19b7ec3c1b174": (None, "frontend", 5_000_000),
                                             "000000000001b174": ("eee19b7ec3c1b174", "frontend", 1_000_000)})),
    # Parseable rows, one row per event: 5 rows, 3 spans; span 3's rows disagree on its name.
    Case(F + "parseable_events.ndjson", Expect(span_count=3, warnings_contain=("name",))),
    # Jaeger UI's trace object: spans carry no traceID and inherit it; 600/350/200 µs.
    Case(F + "jaeger_ui_trace.json", Expect(spans={"051581bf3cb55c13": (None, "frontend", 600_000),
                                                   "5ba1d2b3c4e5f601": ("051581bf3cb55c13", "frontend", 350_000),
                                                   "7c2e9d0a1b3f4e55": ("5ba1d2b3c4e5f601", "customer", 200_000)})),
    # {"data": one trace object}; the consumer's only reference is FOLLOWS_FROM: it is the parent.
    Case(F + "jaeger_data_object.json", Expect(spans={"00f067aa0ba902b7": (None, "orders", 40_000),
                                                      "53995c3f42cd8ad8": ("00f067aa0ba902b7", "billing", 75_000)})),
    # b2 three times: the third copy equals the first (merged), "charge retry" differs -> b2_1 (Jaeger
    # UI's <id>_<n>); c3 names b2, which means the first span.
    Case(F + "jaeger_dup_ids.json", Expect(
        spans={"00000000000000a1": (None, "shop", 1_000_000),
               "00000000000000b2": ("00000000000000a1", "shop", 200_000),
               "00000000000000b2_1": ("00000000000000a1", "shop", 500_000),
               "00000000000000c3": ("00000000000000b2", "payments", 100_000)},
        warnings_contain=("00000000000000b2",))),
    # ES/OpenSearch span-per-document dump with bulk action lines: two traces scattered over the
    # file, durations in µs (2500, 1200, 400; 50, 20), tags as a list and as a `tag` map.
    Case(F + "jaeger_es_dump.ndjson", Expect(traces=2, spans={
        "00f067aa0ba902b7": (None, "api", 2_500_000),
        "b7ad6b7169203331": ("00f067aa0ba902b7", "api", 1_200_000),
        "e457b5a2e4d86bd1": ("00f067aa0ba902b7", "inventory", 400_000),
        "1111111111111111": (None, "worker", 50_000),
        "2222222222222222": ("1111111111111111", "worker", 20_000)})),
    # Zipkin: a root with no duration lasts 0; the shared id 7e3c... splits into a CLIENT half
    # (derived id sha256("7e3c2f4a1b0d9e8f:client")[:16] = acc588d2d75eeb0d) and the SERVER half
    # under it; "render" has a brave.flush annotation 9 s later that must not stretch it (0 µs).
    Case(F + "zipkin_unfinished.json", Expect(spans={
        "6b221d5bc9e6496c": (None, "frontend", 0),
        "acc588d2d75eeb0d": ("6b221d5bc9e6496c", "frontend", 2_300_000),
        "7e3c2f4a1b0d9e8f": ("acc588d2d75eeb0d", "inventory", 1_900_000),
        "8d1e0f2a3b4c5d6e": ("7e3c2f4a1b0d9e8f", "inventory", 1_200_000),
        "9f0a1b2c3d4e5f60": ("6b221d5bc9e6496c", "frontend", 0)})),
    # Zipkin: annotations never stretch a span: encode has no duration (0), write lasts 30 µs.
    Case(F + "zipkin_flush.json", Expect(spans={"1111aaaa2222bbbb": (None, "pricing", 100_000),
                                                "3333cccc4444dddd": ("1111aaaa2222bbbb", "pricing", 0),
                                                "5555eeee6666ffff": ("1111aaaa2222bbbb", "pricing", 30_000)})),
    # Zipkin: a span with no time at all but timed children is placed at its earliest child's start
    # with duration 0 (children stay attached); one with no time and nothing under it is skipped
    # (audit); "cache get" starts at its only annotation and lasts its 300 µs.
    Case(F + "zipkin_timeless.json", Expect(skipped=1, spans={
        "00f067aa0ba902b7": (None, "reports", 5_000_000),
        "1a2b3c4d5e6f7081": ("00f067aa0ba902b7", "reports", 0),
        "2b3c4d5e6f708192": ("1a2b3c4d5e6f7081", "reports", 1_000_000),
        "3c4d5e6f708192a3": ("1a2b3c4d5e6f7081", "reports", 300_000),
        "5e6f708192a3b4c5": ("00f067aa0ba902b7", "reports", 300_000)})),
    # OTLP kinds and statuses as enum names (SPAN_KIND_SERVER, Client, client, Unset, Error, Ok):
    # 9000, 2000, 1500, 400 ns in checkout; 1600, 100, 100, 200 ns in cart.
    Case(F + "otlp_enum_names.ndjson", Expect(spans={
        "0000000000000a01": (None, "checkout", 9_000),
        "0000000000000a02": ("0000000000000a01", "checkout", 2_000),
        "0000000000000a03": ("0000000000000a01", "checkout", 1_500),
        "0000000000000a04": ("0000000000000a01", "checkout", 400),
        "0000000000000b01": ("0000000000000a02", "cart", 1_600),
        "0000000000000b02": ("0000000000000b01", "cart", 100),
        "0000000000000b03": ("0000000000000b01", "cart", 100),
        "0000000000000b04": ("0000000000000b01", "cart", 200)})),
    # One document laid out one record per line is still one document (decided by parsing).
    Case(F + "layout_jaeger_data_lines.json", Expect(traces=2, spans={
        "1f2e3d4c5b6a7988": (None, "alpha", 70_000),
        "2a3b4c5d6e7f8091": (None, "beta", 80_000),
        "3b4c5d6e7f809102": ("2a3b4c5d6e7f8091", "beta", 30_000)})),
    Case(F + "layout_zipkin_array_lines.json", Expect(spans={
        "6b221d5bc9e6496c": (None, "web", 300_000),
        "5b4185666d50f68b": ("6b221d5bc9e6496c", "web", 150_000),
        "4a3b2c1d0e9f8a7b": ("6b221d5bc9e6496c", "web", 60_000)})),
    Case(F + "layout_otlp_lines.json", Expect(spans={
        "b7ad6b7169203331": (None, "cart", 400_000),
        "00f067aa0ba902b7": ("b7ad6b7169203331", "redis", 150_000)})),
    # NDJSON whose first line is a Python repr: that line skipped, the two Zipkin lines read.
    Case(F + "layout_ndjson_bad_first.ndjson", Expect(skipped=1, spans={
        "7e6d5c4b3a291807": (None, "edge", 500_000),
        "1122334455667788": ("7e6d5c4b3a291807", "edge", 200_000)})),
    # The acceptance CSV: no service column, so the service is the pod name without its
    # ReplicaSet/pod hash (StatefulSet redis-cart-0 -> redis-cart); `root` makes a root; start and end
    # win over the µs Duration column (12,500 µs = 12,500,000 ns = end - start).
    Case(F + "rows_acceptance.csv", Expect(traces=2, spans={
        "a1b2c3d4e5f60718": (None, "frontend", 12_500_000),
        "b2c3d4e5f6071829": ("a1b2c3d4e5f60718", "cartservice", 3_250_000),
        "c3d4e5f60718293a": ("b2c3d4e5f6071829", "redis-cart", 750_000),
        "d4e5f60718293a4b": ("a1b2c3d4e5f60718", "productcatalogservice", 6_000_000),
        "e5f60718293a4b5c": (None, "checkoutservice", 20_000_000),
        "f60718293a4b5c6d": ("e5f60718293a4b5c", "paymentservice", 7_000_000)})),
    # ClickHouse CSVWithNames: Duration is ns beside Timestamp; empty ParentSpanId is a root.
    Case(F + "rows_clickhouse_export.csv", Expect(spans={
        "1111111111111111": (None, "frontend", 25_000_000),
        "2222222222222222": ("1111111111111111", "frontend", 21_500_000),
        "3333333333333333": ("2222222222222222", "checkoutservice", 20_000_000)})),
    # BOM, upper-case quoted header, embedded comma/quote/newline; 0, -1, NULL, empty, 16 zeros and
    # ROOT all mean "no parent"; "E001" is upper-case unpadded hex for 000000000000e001.
    Case(F + "rows_export_quirks.csv", Expect(traces=6, spans={
        "000000000000a001": (None, "web", 1_000_000),
        "000000000000b001": (None, "web", 250_000),
        "000000000000c001": (None, "worker", 2_000_000),
        "000000000000d001": (None, "worker", 4_000),
        "000000000000e001": (None, "api", 10_000_000),
        "000000000000e002": ("000000000000e001", "db", 2_000_000),
        "000000000000f001": (None, "api", 500)})),
    # Start plus a unitless Duration and no end: refused, the unit must be given.
    Case(F + "rows_unitless_duration.csv", Expect(exit_code=2, error_contains=("duration_us",))),
    # Elasticsearch hits (`_source`) as elasticdump lines and as a _search answer.
    Case(F + "jaeger_es_hits.ndjson", Expect(spans={"9c5ab3d8e1f20417": (None, "gateway", 90_000),
                                                    "0a1b2c3d4e5f6071": ("9c5ab3d8e1f20417", "gateway", 30_000)})),
    Case(F + "jaeger_es_search.json", Expect(spans={"75d3f0e2c1b4a697": (None, "cart", 800_000),
                                                    "86e4a1f3d2c5b7a8": ("75d3f0e2c1b4a697", "cart", 300_000)})),
    # A raw storage dump where a CLIENT (web) and a SERVER (quotes) share f1: as Jaeger's
    # SpanIDDeduper, the SERVER gets the derived id f1_1 under the CLIENT, and b2 (naming f1) moves
    # under the SERVER.
    Case(F + "jaeger_es_shared.ndjson", Expect(spans={
        "00000000000000a0": (None, "web", 1_000_000),
        "00000000000000f1": ("00000000000000a0", "web", 800_000),
        "00000000000000f1_1": ("00000000000000f1", "quotes", 600_000),
        "00000000000000b2": ("00000000000000f1_1", "quotes", 300_000)})),
    # No span kinds (collector file exporter, kind 0 omitted or INTERNAL): the tree is as written.
    Case(F + "nokind_checkout.ndjson", Expect(traces=2, spans={
        "a000000000000001": (None, "gateway", 100_000_000),
        "b000000000000001": ("a000000000000001", "orders", 80_000_000),
        "c000000000000001": ("b000000000000001", "stock", 20_000_000),
        "c000000000000002": ("b000000000000001", "stock", 40_000_000),
        "d000000000000001": ("c000000000000002", "stock", 30_000_000),
        "a000000000000002": (None, "gateway", 60_000_000),
        "b000000000000002": ("a000000000000002", "orders", 50_000_000),
        "c000000000000003": ("b000000000000002", "stock", 2_000_000)})),
    Case(F + "nokind_mixed.ndjson", Expect(spans={
        "e000000000000001": (None, "gateway", 50_000_000),
        "e000000000000002": ("e000000000000001", "gateway", 40_000_000),
        "f000000000000001": ("e000000000000002", "cart", 30_000_000),
        "f000000000000002": ("f000000000000001", "cart", 18_000_000),
        "f000000000000003": ("f000000000000001", "cart", 2_000_000),
        "f000000000000004": ("f000000000000001", "cart", 4_000_000),
        "0a00000000000001": ("f000000000000002", "redis", 10_000_000),
        "0b00000000000001": ("f000000000000003", "worker", 25_000_000),
        "0c00000000000001": ("f000000000000004", "mailer", 2_000_000)})),
    # Zipkin records sharing ids merged by (id, shared, endpoint): 6 spans (test_zipkin_merge.py).
    Case(F + "zipkin_merge.json", Expect(span_count=6)),
    # "lost" has no timestamp, no annotations and no child: skipped alone, reported.
    Case(F + "zipkin_shared.json", Expect(skipped=1)),
    # OTLP variants: upper-case and stripped hex, base64 ids, plain-string ids: three traces
    # (5B8E... and 5b8e... are one; 0af7... is only a link target).
    Case(F + "otlp_variants.json", Expect(traces=3, warnings_contain=("not a hex id",))),
    # NDJSON with bad lines 2-9 (each skipped and reported) around two good traces.
    Case(F + "otlp_bad.ndjson", Expect(traces=2, skipped=8)),
    # A table no reader knows, read through --map (duration_ns= gives the unit): 500 and 100 ns.
    Case(F + "mapped.csv", Expect(args=("--map", "trace_id=tid", "--map", "span_id=sid", "--map", "parent_span_id=pid",
                                        "--map", "name=op", "--map", "service=svc", "--map", "start_ns=begin_ns",
                                        "--map", "duration_ns=dur"),
                                  spans={"0000000000000001": (None, "alpha", 500),
                                         "0000000000000002": ("0000000000000001", "beta", 100)})),
    # A Parseable query result: 4 rows, 3 spans (span 1 has two event rows); 3, 1.5, 1 ms.
    Case(F + "rows_parseable_query.json", Expect(span_count=3)),
]
