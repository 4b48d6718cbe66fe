"""Evaluate ``graphtrace diagnose`` on generated fault scenarios (issue #15, item 4; not a timed test).

Usage (from the repo root; in memory, no Neo4j):

    .venv/bin/python -m bench.diagnose_eval [--traces 300] [--json]

Scenarios (:mod:`graphtrace.synth_faults`): both topologies (shop, ticket), every fault type
(network_delay, cpu_contention, exception) on services at several depths, with and without span
kinds, some with a load change on top; plus control pairs with no fault (load changes of 0.9x to
1.3x, with and without kinds).  The first half of each scenario's traces is the baseline, the
second half the incident.  Three methods rank services:

* ``owned``: ``graphtrace diagnose`` (:mod:`graphtrace.analysis.owned_rank`);
* ``naive``: the largest p95 rise of a service's entry spans (SERVER spans, or for kind-less traces
  the spans whose parent is in another service or absent);
* ``edges``: today's ``compare-windows`` edge ranking (remote calls, incl. inferred ones, by the p95
  rise of the client span's duration), each edge naming its callee, distinct callees in order.

Reported: top-1 and top-3 accuracy over the fault scenarios, and for ``owned`` the controls it
flagged with high confidence (the other methods have no confidence: they always name a service).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from graphtrace.analysis.edges import percentile_disc
from graphtrace.analysis.gaps import call_spans
from graphtrace.analysis.owned import window_rows
from graphtrace.analysis.owned_rank import diagnose_rows
from graphtrace.analysis.tree import TraceTree, build_tree
from graphtrace.synth_faults import Fault, ScenarioOptions, generate_scenario

DEPTHS = {  # service -> depth (calls from the root service)
    "ticket": {"preserve": 1, "security": 2, "basic-data": 2, "seat": 2, "order": 3, "station": 3},
    "shop": {"frontend": 2, "cart": 3, "checkout": 3, "recommendation": 3, "currency": 4, "payment": 4,
             "email": 4, "product-catalog": 3},
}
AMOUNTS = {"network_delay": (0.5, 1.5, 3.0), "cpu_contention": (1.5, 2.0, 3.0), "exception": (0.05, 0.1, 0.25)}


def scenarios(traces: int) -> list[tuple[str, ScenarioOptions, str | None]]:
    """``(label, options, injected service or None for a control)``, deterministic."""
    out: list[tuple[str, ScenarioOptions, str | None]] = []
    plan = {"ticket": ["preserve", "seat", "order", "station", "security", "basic-data"],
            "shop": ["frontend", "checkout", "currency", "email", "recommendation", "payment"]}
    seed = 100
    for topology, services in plan.items():
        for ftype, amounts in AMOUNTS.items():
            for k, service in enumerate(services):
                seed += 1
                amount = amounts[(k + len(out)) % 3]
                kindless = k in (3, 5) or (k == 1 and ftype == "network_delay")
                load = 1.1 if k in (2, 4) else 1.0
                opts = ScenarioOptions(topology=topology, traces=traces, seed=seed, kindless=kindless, load=load,
                                       faults=[Fault(type=ftype, service=service, amount=amount)])
                label = (f"{topology} {ftype} {service} (depth {DEPTHS[topology][service]}) x{amount}"
                         + (" kindless" if kindless else "") + (" load 1.1" if load != 1.0 else ""))
                out.append((label, opts, service))
    for k, load in enumerate((1.0, 1.1, 1.2, 0.9, 1.3)):
        for topology in ("ticket", "shop"):
            seed += 1
            kindless = k % 2 == 1
            opts = ScenarioOptions(topology=topology, traces=traces, seed=seed, load=load, kindless=kindless)
            out.append((f"{topology} control load {load}" + (" kindless" if kindless else ""), opts, None))
    return out


def _entry_durations(tree: TraceTree) -> list[tuple[str, int]]:
    out = []
    for sid, span in tree.spans.items():
        parent = tree.parent(sid)
        kind = span.kind.value
        if kind == "SERVER" or (kind in ("UNSPECIFIED", "INTERNAL")
                                and (parent is None or tree.span(parent).service != span.service)):
            out.append((span.service, span.duration_ns))
    return out


def _p95_rise(values: dict[str, list[list[int]]]) -> list[str]:
    """Keys ranked by the rise of the p95 (percentileDisc) from window 0 to window 1."""
    rises = []
    for key, (a, b) in values.items():
        if a and b:
            rises.append((percentile_disc(b, 0.95) - percentile_disc(a, 0.95), key))
    return [k for _, k in sorted(rises, key=lambda r: (-r[0], r[1]))]


def naive_and_edges(trees: list[TraceTree]) -> tuple[list[str], list[str]]:
    """The naive ranking (services) and the compare-windows ranking (callees of edges, distinct)."""
    half = len(trees) // 2
    servers: dict[str, list[list[int]]] = {}
    edges: dict[tuple[str, str, str], list[list[int]]] = {}
    for i, tree in enumerate(trees):
        w = int(i >= half)
        for service, d in _entry_durations(tree):
            servers.setdefault(service, [[], []])[w].append(d)
        for client, server, _, _ in call_spans(tree):
            key = (client.service, server.service, server.name)
            edges.setdefault(key, [[], []])[w].append(client.duration_ns)
    callees: list[str] = []
    for edge in _p95_rise(edges):
        if edge[1] not in callees:
            callees.append(edge[1])
    return _p95_rise(servers), callees


def run_one(opts: ScenarioOptions) -> dict[str, Any]:
    trees = [build_tree(t) for t in generate_scenario(opts)]
    mid = opts.start_ns + (opts.traces // 2) * opts.spacing_ns
    d = diagnose_rows(window_rows(trees, {"baseline": (None, mid), "incident": (mid, None)}))
    naive, edges = naive_and_edges(trees)
    return {"owned": [r.service for r in d.ranking], "confidence": d.confidence, "culprit": d.culprit,
            "top_score": d.ranking[0].score if d.ranking else None, "top_z": d.ranking[0].z if d.ranking else None,
            "naive": naive, "edges": edges}


def evaluate(traces: int) -> dict[str, Any]:
    rows = []
    for label, opts, injected in scenarios(traces):
        t0 = time.perf_counter()
        got = run_one(opts)
        rows.append({"scenario": label, "injected": injected, **got, "seconds": round(time.perf_counter() - t0, 2)})
    faults = [r for r in rows if r["injected"]]
    controls = [r for r in rows if not r["injected"]]
    summary: dict[str, Any] = {"fault_scenarios": len(faults), "controls": len(controls), "traces": traces}
    for method in ("owned", "naive", "edges"):
        summary[method] = {
            "top1": sum(r[method][:1] == [r["injected"]] for r in faults),
            "top3": sum(r["injected"] in r[method][:3] for r in faults),
        }
    summary["owned"]["controls_high"] = sum(r["confidence"] == "high" for r in controls)
    summary["owned"]["controls_medium"] = sum(r["confidence"] == "medium" for r in controls)
    summary["owned"]["faults_high"] = sum(r["confidence"] == "high" and r["culprit"] == r["injected"] for r in faults)
    return {"summary": summary, "rows": rows}


def _markdown(result: dict[str, Any]) -> str:
    s = result["summary"]
    n = s["fault_scenarios"]
    pct = lambda k: f"{k}/{n} ({100 * k / n:.0f}%)"  # noqa: E731
    lines = ["| method | top-1 | top-3 | controls flagged high |", "|---|---|---|---|"]
    lines.append(f"| diagnose (owned latency) | {pct(s['owned']['top1'])} | {pct(s['owned']['top3'])} | "
                 f"{s['owned']['controls_high']}/{s['controls']} |")
    lines.append(f"| naive: largest p95 rise of server spans | {pct(s['naive']['top1'])} | {pct(s['naive']['top3'])} "
                 f"| n/a (always names one: {s['controls']}/{s['controls']}) |")
    lines.append(f"| compare-windows edge ranking (callee of the top edges) | {pct(s['edges']['top1'])} | "
                 f"{pct(s['edges']['top3'])} | n/a (always names one: {s['controls']}/{s['controls']}) |")
    lines += ["", "| scenario | diagnose top 3 | confidence | naive top 1 | edges top 1 |", "|---|---|---|---|---|"]
    for r in result["rows"]:
        mark = "" if r["injected"] is None else (" ✓" if r["owned"][:1] == [r["injected"]] else " ✗")
        lines.append(f"| {r['scenario']} | {', '.join(r['owned'][:3])}{mark} | {r['confidence']} | "
                     f"{(r['naive'] or ['-'])[0]} | {(r['edges'] or ['-'])[0]} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traces", type=int, default=300, help="traces per scenario (half baseline, half incident)")
    ap.add_argument("--json", action="store_true", help="print the rows and summary as JSON")
    args = ap.parse_args(argv)
    result = evaluate(args.traces)
    print(json.dumps(result, indent=2) if args.json else _markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
