"""Run ``graphtrace serve``: the API and the OTLP/HTTP receiver on uvicorn, the OTLP/gRPC receiver on grpcio.

Both uvicorn servers share one asyncio loop; SIGINT/SIGTERM stop all three listeners, then the
pump, which writes the traces still waiting (bounded in time; the rest stay in the spool and are
replayed on the next start).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn

from graphtrace.errors import ServerError
from graphtrace.http.api import api_app
from graphtrace.http.body import DEFAULT_MAX_BODY, DEFAULT_MAX_DECOMPRESSED
from graphtrace.http.grpc_receiver import grpc_server
from graphtrace.http.receiver import receiver_app
from graphtrace.jobs.serve import ServeConfig, ServeService

log = logging.getLogger("graphtrace.serve")

DEFAULT_API_PORT = 8417  # clear of Jaeger (16686, 14250, 14268), Tempo (3200), Zipkin (9411), Neo4j, OTLP


@dataclass
class Listen:
    """Where ``graphtrace serve`` listens, and its request limits."""

    host: str = "127.0.0.1"
    api_port: int = DEFAULT_API_PORT
    otlp_http_port: int = 4318
    otlp_grpc_port: int = 4317
    token: str | None = None
    max_body: int = DEFAULT_MAX_BODY
    max_decompressed: int = DEFAULT_MAX_DECOMPRESSED


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to :func:`run` (two servers share one loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _uvicorn(app, host: str, port: int) -> _Server:
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="off", timeout_keep_alive=30, server_header=False)
    return _Server(config)


async def _serve(service, listen: Listen) -> None:
    servers = [
        _uvicorn(api_app(service, token=listen.token), listen.host, listen.api_port),
        _uvicorn(receiver_app(service, token=listen.token, max_body=listen.max_body,
                              max_decompressed=listen.max_decompressed), listen.host, listen.otlp_http_port),
    ]
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        await asyncio.gather(*(server.serve() for server in servers))
    except SystemExit:  # uvicorn exits when it cannot bind
        stop()
        raise ServerError(f"cannot listen on {listen.host}:{listen.api_port} or {listen.host}:"
                          f"{listen.otlp_http_port} (in use?)") from None


def check_ports(listen: Listen) -> None:
    """``ServerError`` naming the first port that cannot be bound (in use, no permission), before anything starts.

    >>> check_ports(Listen(api_port=0, otlp_http_port=0, otlp_grpc_port=0))
    """
    for what, port in (("API", listen.api_port), ("OTLP/HTTP", listen.otlp_http_port),
                       ("OTLP/gRPC", listen.otlp_grpc_port)):
        family = socket.AF_INET6 if ":" in listen.host else socket.AF_INET
        with socket.socket(family) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((listen.host, port))
            except OSError as exc:
                raise ServerError(f"cannot listen on {listen.host}:{port} ({what}): {exc.strerror or exc}; "
                                  "choose another port") from None


def serve(config: ServeConfig, listen: Listen, on_started=None) -> None:
    """Start the service and every listener, block until SIGINT/SIGTERM, then stop everything.

    ``on_started()`` is called once the gRPC port is bound and the pump runs.  A port that cannot
    be bound is a ``ServerError`` (checked first, then again by each server).
    """
    check_ports(listen)
    service = ServeService(config)
    try:
        _run(service, listen, on_started)
    finally:
        service.stop()


def _run(service: ServeService, listen: Listen, on_started) -> None:
    grpc = grpc_server(service, listen.host, listen.otlp_grpc_port, token=listen.token, max_body=listen.max_body)
    service.start()
    try:
        if on_started is not None:
            on_started()
        asyncio.run(_serve(service, listen))
    finally:
        grpc.stop(grace=2).wait(5)
