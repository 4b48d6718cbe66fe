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
]
