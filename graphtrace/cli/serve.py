"""``graphtrace serve``: receive OTLP traces live, store them in Neo4j, answer the HTTP API.

A thin wrapper over :func:`graphtrace.http.server.serve`; see docs/serve.md.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Optional

import typer

from graphtrace.cli.app import app
from graphtrace.cli.common import err_console
from graphtrace.cli.connection import DatabaseOption, PasswordOption, UriOption, UserOption, resolve_settings

PANEL = "Service"


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Address of every listener (default loopback only).",
                                      rich_help_panel=PANEL)] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="HTTP API port (/api, /metrics, /healthz, /readyz).",
                                      rich_help_panel=PANEL)] = 8417,
    otlp_http_port: Annotated[int, typer.Option("--otlp-http-port", help="OTLP/HTTP receiver port.",
                                                rich_help_panel=PANEL)] = 4318,
    otlp_grpc_port: Annotated[int, typer.Option("--otlp-grpc-port", help="OTLP/gRPC receiver port.",
                                                rich_help_panel=PANEL)] = 4317,
    decision_wait: Annotated[float, typer.Option("--decision-wait", metavar="SECONDS", min=0.0,
                                                 help="Write a trace once no span has arrived for it for this long.",
                                                 rich_help_panel=PANEL)] = 10.0,
    spool: Annotated[Optional[Path], typer.Option("--spool", metavar="DIR",
                                                  help="Spool directory (default $GRAPHTRACE_HOME/spool).",
                                                  rich_help_panel=PANEL)] = None,
    spool_max_mb: Annotated[int, typer.Option("--spool-max-mb", min=1, help="Answer with backpressure past this.",
                                              rich_help_panel=PANEL)] = 1024,
    max_pending_spans: Annotated[int, typer.Option("--max-pending-spans", min=1,
                                                   help="Spans held in memory before the spool waits.",
                                                   rich_help_panel=PANEL)] = 200_000,
    token: Annotated[Optional[str], typer.Option("--token", envvar="GRAPHTRACE_TOKEN", show_default=False,
                                                 help="Bearer token required by the API and both receivers "
                                                      "(env GRAPHTRACE_TOKEN).", rich_help_panel=PANEL)] = None,
    uri: UriOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    database: DatabaseOption = None,
) -> None:
    """Receive OTLP traces (HTTP and gRPC), store them in Neo4j, and answer the HTTP API."""
    from graphtrace.http.server import Listen, serve as run_serve
    from graphtrace.jobs.serve import ServeConfig
    from graphtrace.localdb.paths import default_home

    settings = resolve_settings(uri, user, password, database)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("neo4j").setLevel(logging.ERROR)
    config = ServeConfig(settings=settings, spool_dir=spool or default_home() / "spool", decision_wait=decision_wait,
                         max_pending_spans=max_pending_spans, spool_max_bytes=spool_max_mb * 1024 * 1024)
    listen = Listen(host=host, api_port=port, otlp_http_port=otlp_http_port, otlp_grpc_port=otlp_grpc_port,
                    token=token or None)

    def started() -> None:
        err_console.print(f"graphtrace serve: API http://{host}:{port}, OTLP/HTTP http://{host}:{otlp_http_port}"
                          f"/v1/traces, OTLP/gRPC {host}:{otlp_grpc_port}, spool {config.spool_dir}, "
                          f"Neo4j {settings.uri}", markup=False, highlight=False)

    run_serve(config, listen, on_started=started)
