"""``graphtrace generate``: deterministic OpenTelemetry-demo-shaped traces, one document a line, in any format we read."""

from __future__ import annotations

import contextlib
import sys
from typing import Optional

import typer

from graphtrace.cli.app import app
from graphtrace.cli.common import OutputOption, atomic_file, err_console, is_stdout
from graphtrace.errors import InputError
from graphtrace.synth import GenOptions, SlowEdge, generate
from graphtrace.synth_faults import FAULT_TYPES, TOPOLOGIES, Fault, ScenarioOptions, generate_scenario
from graphtrace.writers import FORMATS, write_lines


def _slow_edge(text: str) -> SlowEdge:
    parts = text.split(":")
    if len(parts) not in (3, 4):
        raise InputError("expected caller:callee:factor[:from_fraction]", field="--slow-edge", record=text)
    try:
        return SlowEdge(caller=parts[0], callee=parts[1], factor=float(parts[2]),
                        from_fraction=float(parts[3]) if len(parts) == 4 else 0.0)
    except ValueError as exc:
        raise InputError(f"not a number: {exc}", field="--slow-edge", record=text) from exc


def _fault(text: str) -> Fault:
    parts = text.split(":")
    if len(parts) not in (3, 4) or parts[0] not in FAULT_TYPES:
        raise InputError(f"expected TYPE:SERVICE:AMOUNT[:FROM_FRACTION], TYPE one of {', '.join(FAULT_TYPES)}",
                         field="--fault", record=text)
    try:
        return Fault(type=parts[0], service=parts[1], amount=float(parts[2]),
                     from_fraction=float(parts[3]) if len(parts) == 4 else 0.5)
    except ValueError as exc:
        raise InputError(f"not a number: {exc}", field="--fault", record=text) from exc


def _scenario(topology: str | None, faults: list[str], load: float, kindless: bool, traces: int,
              error_fraction: float, seed: int) -> ScenarioOptions | None:
    """The fault-scenario options, or None for the classic generator (no scenario option given)."""
    if topology is None and not faults and load == 1.0 and not kindless:
        return None
    topology = topology or "shop"
    if topology not in TOPOLOGIES:
        raise InputError(f"unknown topology; one of {', '.join(TOPOLOGIES)}", field="--topology", record=topology)
    opts = ScenarioOptions(topology=topology, traces=traces, faults=[_fault(f) for f in faults], load=load,
                           kindless=kindless, error_fraction=error_fraction, seed=seed)
    known = TOPOLOGIES[topology][1]
    for f in opts.faults:
        if f.service not in known:
            raise InputError(f"no service {f.service!r} in topology {topology} ({', '.join(sorted(known))})",
                             field="--fault", record=f.service)
    return opts


@app.command("generate")
def generate_command(
    traces: int = typer.Option(1000, "--traces", "-n", min=1, help="How many traces."),
    fan_out: int = typer.Option(4, "--fan-out", min=1, max=8, help="Backend calls per frontend request."),
    spans_per_trace: Optional[int] = typer.Option(
        None, "--spans-per-trace", min=6,
        help="Pad every trace to this many spans (more backend calls, frontend INTERNAL work)."),
    async_fraction: float = typer.Option(0.05, help="Share of leaf calls that outlive their parent."),
    error_fraction: float = typer.Option(0.02, help="Share of remote calls that fail."),
    skew_fraction: float = typer.Option(0.05, help="Share of server spans shifted before their client."),
    slow_edge: Optional[list[str]] = typer.Option(
        None, "--slow-edge", help="Inject a slow edge: caller:callee:factor[:from_fraction], e.g. frontend:cart:20:0.5"),
    topology: Optional[str] = typer.Option(
        None, "--topology", help="Fault-scenario topology: shop (OpenTelemetry-demo-like, deeper) or ticket "
        "(gateway -> preserve -> security, order, seat, basic-data); default: the classic generator."),
    fault: Optional[list[str]] = typer.Option(
        None, "--fault", help="Inject a fault (scenario topologies): TYPE:SERVICE:AMOUNT[:FROM_FRACTION], TYPE "
        "network_delay (ms per call), cpu_contention (factor) or exception (share of requests); from 0.5 by default."),
    load: float = typer.Option(1.0, "--load", min=0.01,
                               help="Scenario: processing factor in the second half (a load change, no fault)."),
    kindless: bool = typer.Option(False, "--kindless", help="Scenario: write every span without a kind."),
    seed: int = typer.Option(42, help="Random seed; the same options give the same file."),
    output: OutputOption = None,
    fmt: str = typer.Option("otlp-json", "--format", "-f",
                            help=f"Output format: {', '.join(FORMATS)} (one JSON document per trace a line)."),
) -> None:
    """Write deterministic OpenTelemetry-demo-like traces, one trace a line (OTLP JSON by default)."""
    write_lines([], fmt)  # unknown format: a clear error before any output
    scenario = _scenario(topology, fault or [], load, kindless, traces, error_fraction, seed)
    opts = GenOptions(traces=traces, fan_out=fan_out, spans_per_trace=spans_per_trace,
                      async_fraction=async_fraction,
                      error_fraction=error_fraction, skew_fraction=skew_fraction,
                      slow_edges=[_slow_edge(s) for s in slow_edge or []], seed=seed)
    count = 0
    with contextlib.nullcontext(sys.stdout.buffer) if is_stdout(output) else atomic_file(output, "wb") as out:
        for trace in (generate_scenario(scenario) if scenario else generate(opts)):
            out.write(write_lines([trace], fmt))
            count += 1
    if not is_stdout(output):
        err_console.print(f"wrote {count} traces to {output}", markup=False, highlight=False)
