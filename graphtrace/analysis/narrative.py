"""A short plain-English account of one analysed trace, built only from its numbers.

:func:`narrate` writes 3-6 sentences: what the trace did, where the time went (the top
bottleneck), the biggest client/server gap and any cold connection on it, errors (or
their absence), other anomalies by count, and a conclusion: a functional failure when
spans failed, otherwise a latency matter.  It states measured facts only (no guesses
about causes the spans do not show) and is deterministic.
"""

from __future__ import annotations

from graphtrace.analysis.anomalies.common import ms
from graphtrace.analysis.report import Anomaly, SpanReport, TraceReport

_PLURAL = {
    "serial_calls": "run(s) of serial calls", "repeated_calls": "group(s) of repeated calls (N+1)",
    "retry": "retried call(s)", "clock_skew": "span(s) outside their parent on another host or service",
    "orphan_span": "orphan span(s)",
}


def _label(span: SpanReport) -> str:
    return f"{span.service}'s {span.name}"


def _what(report: TraceReport, spans: dict[str, SpanReport]) -> str:
    roots = [spans[r] for r in report.root_span_ids if r in spans]
    head = f"{_label(roots[0])} took {ms(report.duration_ns)}" if roots else f"The trace took {ms(report.duration_ns)}"
    n_svc = len(report.services)
    text = (f"{head} over {report.span_count} span{'s' if report.span_count != 1 else ''} "
            f"in {n_svc} service{'s' if n_svc != 1 else ''} ({', '.join(report.services)})")
    if len(roots) > 1:
        text += f", with {len(roots)} roots"
    return text + "."


def _where(report: TraceReport, spans: dict[str, SpanReport]) -> str | None:
    if not report.bottlenecks:
        return None
    top = report.bottlenecks[0]
    lead = "Most of the time went to" if top.share >= 0.5 else "The largest share of the critical path went to"
    return (f"{lead} {top.service}'s {top.name}, which owns {ms(top.critical_path_ns)} of the critical path "
            f"({top.share * 100:.1f}% of the trace).")


def _gap(report: TraceReport, spans: dict[str, SpanReport]) -> str | None:
    gaps = [a for a in report.anomalies if a.type == "client_server_gap"]
    if not gaps:
        return None
    g = max(gaps, key=lambda a: a.metrics["gap_ns"])
    m = g.metrics
    client = spans.get(g.span_ids[0])
    who = _label(client) if client else m["caller"]
    if report.bottlenecks and report.bottlenecks[0].span_id == g.span_ids[0]:
        who = "That call"
    ratio = f" ({m['ratio']:,.0f}x as long)" if m.get("ratio") else ""
    text = (f"{who} waited {ms(m['client_ns'])} for {m['callee']}'s {m['operation']}, "
            f"which took {ms(m['server_ns'])}{ratio}: {ms(m['gap_ns'])} passed outside the server")
    cold = next((a for a in report.anomalies if a.type == "cold_connection" and a.span_ids[0] == g.span_ids[0]),
                None)
    if cold is not None:
        text += (f"; the call opened a new connection ({', '.join(cold.metrics['steps'])}), "
                 f"but those steps cover only {ms(cold.metrics['setup_ns'])}")
    if client is not None and client.self_time_ns > 0:
        text += f", and {ms(client.self_time_ns)} of the call is covered by no child span"
    return text + "."


def _errors(report: TraceReport, spans: dict[str, SpanReport]) -> tuple[str, bool]:
    failed = [s for s in report.spans if s.status == "ERROR"]
    if not failed:
        return "No span reported an error.", False
    origins = [a for a in report.anomalies if a.type == "error_origin"]
    text = f"{len(failed)} span{'s' if len(failed) != 1 else ''} failed"
    if origins:
        first = spans.get(origins[0].span_ids[0])
        where = _label(first) if first else origins[0].span_ids[0]
        text += f"; the first error originated in {where}"
        if len(origins) > 1:
            text += f" (and {len(origins) - 1} other origin{'s' if len(origins) > 2 else ''})"
    return text + ".", True


def _others(anomalies: list[Anomaly]) -> str | None:
    counts: dict[str, int] = {}
    for a in anomalies:
        if a.type in _PLURAL:
            counts[a.type] = counts.get(a.type, 0) + 1
    if not counts:
        return None
    parts = [f"{n} {_PLURAL[t]}" for t, n in counts.items()]
    return f"Also found: {', '.join(parts)}."


_LATENCY_TYPES = {"client_server_gap", "cold_connection", "serial_calls", "repeated_calls"}


def _conclusion(report: TraceReport, failed: bool) -> str:
    if failed:
        return "Spans failed, so this is a functional failure, not only a latency matter."
    if any(a.type in _LATENCY_TYPES for a in report.anomalies):
        return "With no errors, this is a latency problem, not a functional failure."
    return "With no errors and no latency anomaly, nothing here points to a problem."


def narrate(report: TraceReport) -> str:
    """The narrative paragraph of ``report`` (3-6 sentences).

    >>> from graphtrace.analysis.report import Bottleneck
    >>> sp = SpanReport(span_id="a", parent_span_id=None, service="shop", name="checkout", kind="SERVER",
    ...     start_ns=0, end_ns=50_000_000, duration_ns=50_000_000, self_time_ns=50_000_000,
    ...     critical_path_ns=50_000_000, depth=0, status="UNSET")
    >>> r = TraceReport(trace_id="t", root_span_ids=["a"], start_ns=0, end_ns=50_000_000,
    ...     duration_ns=50_000_000, span_count=1, services=["shop"], spans=[sp], critical_path=[],
    ...     bottlenecks=[Bottleneck(span_id="a", service="shop", name="checkout", self_time_ns=50_000_000,
    ...                  critical_path_ns=50_000_000, share=1.0)], anomalies=[], narrative="")
    >>> print(narrate(r))
    shop's checkout took 50.00 ms over 1 span in 1 service (shop). Most of the time went to shop's checkout, which owns 50.00 ms of the critical path (100.0% of the trace). No span reported an error. With no errors and no latency anomaly, nothing here points to a problem.
    """
    spans = {s.span_id: s for s in report.spans}
    sentences = [_what(report, spans), _where(report, spans), _gap(report, spans)]
    error_text, failed = _errors(report, spans)
    sentences.append(error_text)
    sentences.append(_others(report.anomalies))
    sentences.append(_conclusion(report, failed))
    return " ".join(s for s in sentences if s)
