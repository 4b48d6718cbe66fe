"""The ``graphtrace diagnose`` paragraph: the culprit (or that none stands out) and its evidence, in ms.

Input: ``DiagnoseResult.model_dump()`` (plain dicts).  Names are written as they are; the caller
prints the text without markup.

>>> ev = {"kind": "processing", "service": "cart", "operation": "GetCart", "caller": None, "callee": None,
...       "baseline_ms": 1.0, "incident_ms": 3.5, "delta_ms": 2.5, "share": 1.0,
...       "baseline_count": None, "incident_count": None}
>>> part = lambda b, i: {"baseline": b, "incident": i, "delta": i - b}
>>> top = {"service": "cart", "score": 2.5, "z": 12.0, "confidence": "high", "evidence": [ev],
...        "owned": {"processing": part(1.0, 3.5), "wire": part(0.5, 0.5), "errors": part(0.0, 0.0),
...                  "total": part(1.5, 4.0)}}
>>> d = {"baseline_traces": 100, "incident_traces": 90, "baseline_request_ms": 10.0,
...      "incident_request_ms": 12.5, "common_factor": 1.0, "culprit": "cart", "confidence": "high",
...      "ranking": [top]}
>>> print(render_diagnosis(d))
cart owns the slowdown (confidence high, z 12.0): its owned latency went from 1.50 to 4.00 ms per request (+2.50 ms; score +2.50 ms with the load change common to all services, x1.00, removed), while requests went from 10.00 ms (100 traces) to 12.50 ms (90 traces). Processing 1.00 -> 3.50 ms, wire 0.50 -> 0.50 ms, errors 0.00 -> 0.00 ms. Evidence: GetCart processing 1.00 -> 3.50 ms (+2.50 ms).
"""

from __future__ import annotations

from typing import Any

from graphtrace.render.safe import literal


def _ms(x: float) -> str:
    return f"{x:,.2f}"


def _signed(x: float) -> str:
    return ("+" if x >= 0 else "-") + _ms(abs(x))


def evidence_text(e: dict[str, Any]) -> str:
    """One evidence item as a phrase.

    >>> evidence_text({"kind": "wire", "caller": "gw", "callee": "api", "operation": "GET", "share": 0.5,
    ...                "baseline_ms": 0.2, "incident_ms": 1.7, "delta_ms": 1.5})
    'wire gw -> api GET (50% of it) 0.20 -> 1.70 ms (+1.50 ms)'
    """
    change = f"{_ms(e['baseline_ms'])} -> {_ms(e['incident_ms'])} ms ({_signed(e['delta_ms'])} ms)"
    if e["kind"] == "wire":
        share = "" if e.get("share", 1.0) >= 1.0 else f" ({e['share']:.0%} of it)"
        return f"wire {e['caller']} -> {e['callee']} {e['operation']}{share} {change}"
    if e["kind"] == "errors":
        rates = f"{e['baseline_count']:.1%} -> {e['incident_count']:.1%} of requests"
        return f"{e['operation']} error origins {rates} (costing {_signed(e['delta_ms'])} ms per request)"
    return f"{e['operation']} processing {change}"


def _requests(d: dict[str, Any]) -> str:
    return (f"requests went from {_ms(d['baseline_request_ms'])} ms ({d['baseline_traces']} traces) "
            f"to {_ms(d['incident_request_ms'])} ms ({d['incident_traces']} traces)")


def _z(r: dict[str, Any]) -> str:
    return "z n/a" if r["z"] is None else f"z {r['z']:.1f}"


def render_diagnosis(d: dict[str, Any]) -> str:
    """The paragraph (one line of text, no markup; control characters in names made visible)."""
    return literal(_paragraph(d))


def _paragraph(d: dict[str, Any]) -> str:
    if not d["ranking"]:
        return f"No service owns any critical-path time in these windows; {_requests(d)}."
    top, rest = d["ranking"][0], d["ranking"][1:4]
    o = top["owned"]
    others = ", ".join(f"{r['service']} {_signed(r['score'])} ms ({r['confidence']})" for r in rest)
    if d["culprit"] is None:
        return (f"No service stands out (confidence low): the largest change of owned latency is "
                f"{top['service']} {_signed(top['score'])} ms per request ({_z(top)}), "
                f"within the noise or too small to matter; {_requests(d)}."
                + (f" Next: {others}." if others else ""))
    parts = ", ".join(f"{name} {_ms(o[name]['baseline'])} -> {_ms(o[name]['incident'])} ms"
                      for name in ("processing", "wire", "errors"))
    evidence = "; ".join(evidence_text(e) for e in top["evidence"][:3])
    text = (f"{top['service']} owns the slowdown (confidence {top['confidence']}, {_z(top)}): its owned latency "
            f"went from {_ms(o['total']['baseline'])} to {_ms(o['total']['incident'])} ms per request "
            f"({_signed(o['total']['delta'])} ms; score {_signed(top['score'])} ms with the load change common to all services, x"
            f"{d['common_factor']:.2f}, removed), while {_requests(d)}. {parts[0].upper()}{parts[1:]}.")
    if evidence:
        text += f" Evidence: {evidence}."
    if others:
        text += f" Next: {others}."
    return text
