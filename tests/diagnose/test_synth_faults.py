"""The fault-scenario generator injects what each fault type means (issue #15 item 3)."""

from __future__ import annotations

import statistics

from graphtrace.synth_faults import Fault, ScenarioOptions, generate_scenario

N = 200


def _halves(opts: ScenarioOptions, pick) -> tuple[float, float]:
    """Median of ``pick(trace)`` values in the first and second half of the traces."""
    values: list[list[float]] = [[], []]
    for i, t in enumerate(generate_scenario(opts)):
        values[i >= opts.traces // 2].extend(pick(t))
    return statistics.median(values[0]), statistics.median(values[1])


def _durations(service: str, kind: str, callee: str | None = None):
    def pick(t):
        spans = {s.span_id: s for s in t.spans}
        out = []
        for s in t.spans:
            if s.service == service and s.kind.value == kind:
                kids = [k for k in t.spans if k.parent_span_id == s.span_id]
                if callee is None or any(k.service == callee for k in kids):
                    out.append(s.duration_ns / 1e6)
        return out if spans else []
    return pick


def test_network_delay_grows_the_callers_client_spans_not_the_leaf_server():
    # station is a leaf called by basic-data: +4 ms per call on the wire, its own work unchanged.
    opts = ScenarioOptions(topology="ticket", traces=N, sigma=0.2,
                           faults=[Fault(type="network_delay", service="station", amount=4.0)])
    before, after = _halves(opts, _durations("basic-data", "CLIENT", callee="station"))
    assert 3.5 < after - before < 4.5
    s_before, s_after = _halves(opts, _durations("station", "SERVER"))
    assert abs(s_after - s_before) < 0.1 * s_before


def test_cpu_contention_slows_the_services_own_work():
    # cart's server span is its own work (an HGET of median 0.3 ms not slowed) x3
    opts = ScenarioOptions(topology="shop", traces=N, sigma=0.2,
                           faults=[Fault(type="cpu_contention", service="cart", amount=3.0)])
    before, after = _halves(opts, _durations("cart", "SERVER"))
    # median work 1.0 ms + 0.3 ms HGET -> 3.0 + 0.3: ratio about 2.5
    assert 2.2 < after / before < 2.8


def test_exception_fails_the_service_and_every_span_above_it():
    opts = ScenarioOptions(topology="ticket", traces=N, error_fraction=0.0,
                           faults=[Fault(type="exception", service="seat", amount=1.0)])
    traces = list(generate_scenario(opts))
    for t in traces[N // 2:]:
        by_id = {s.span_id: s for s in t.spans}
        [seat] = [s for s in t.spans if s.service == "seat" and s.kind.value == "SERVER"]
        assert seat.is_error and not [s for s in t.spans if s.parent_span_id == seat.span_id and s.is_error]
        up = seat
        while up.parent_span_id:
            up = by_id[up.parent_span_id]
            assert up.is_error
        assert not any(s.service == "order" and s.parent_span_id and by_id[s.parent_span_id].service == "seat"
                       for s in t.spans if s.kind.value == "SERVER")
    assert not any(s.is_error for t in traces[:N // 2] for s in t.spans)


def test_kindless_and_deterministic():
    opts = ScenarioOptions(topology="shop", traces=5, kindless=True, seed=9)
    traces = list(generate_scenario(opts))
    assert {s.kind.value for t in traces for s in t.spans} == {"UNSPECIFIED"}
    assert traces == list(generate_scenario(opts))
    assert traces != list(generate_scenario(opts.model_copy(update={"seed": 10})))
