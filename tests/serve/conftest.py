"""Helpers for the ``graphtrace serve`` tests: the service as a real subprocess, a switchable TCP proxy."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port

START_TIMEOUT_S = 30.0


class ServeProcess:
    """``graphtrace serve`` on free loopback ports, talking to ``uri`` with the test server's credentials."""

    def __init__(self, settings, spool: Path, *, uri: str | None = None, decision_wait: float = 1.0,
                 token: str | None = None, extra: tuple[str, ...] = ()) -> None:
        self.settings, self.spool, self.token, self.extra = settings, spool, token, extra
        self.uri = uri or settings.uri
        self.decision_wait = decision_wait
        self.api_port, self.http_port, self.grpc_port = free_port(), free_port(), free_port()
        self.proc: subprocess.Popen | None = None
        self.log = spool.parent / f"serve-{self.api_port}.log"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def otlp_http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/v1/traces"

    @property
    def otlp_grpc(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"} if self.token else {}

    def start(self) -> "ServeProcess":
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
        env.update(NEO4J_URI=self.uri, NEO4J_USER=self.settings.user, NEO4J_DATABASE=self.settings.database,
                   NEO4J_PASSWORD=self.settings.password.get_secret_value())
        if self.token:
            env["GRAPHTRACE_TOKEN"] = self.token
        cmd = [sys.executable, "-c", "from graphtrace.cli import main; main()", "serve",
               "--port", str(self.api_port), "--otlp-http-port", str(self.http_port),
               "--otlp-grpc-port", str(self.grpc_port), "--decision-wait", str(self.decision_wait),
               "--spool", str(self.spool), *self.extra]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"serve exited: {self.log.read_text()}"
            try:
                if httpx.get(f"{self.api}/healthz", timeout=1).status_code == 200 and _listening(self.grpc_port):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"serve did not start in {START_TIMEOUT_S} s: {self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Send ``sig`` and wait; return the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def metrics(self) -> dict[str, float]:
        text = httpx.get(f"{self.api}/metrics", headers=self.headers(), timeout=5).text
        return {line.split()[0]: float(line.split()[1]) for line in text.splitlines() if line and line[0] != "#"}

    def wait_metric(self, name: str, check, timeout: float = 30.0) -> float:
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.metrics().get(name)
            if value is not None and check(value):
                return value
            time.sleep(0.2)
        raise AssertionError(f"{name} = {value} after {timeout} s; log: {self.log.read_text()[-2000:]}")

    def wait_trace(self, trace_id: str, span_count: int | None = None, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = httpx.get(f"{self.api}/api/traces/{trace_id}", headers=self.headers(), timeout=10)
            if last.status_code == 200:
                doc = last.json()
                if span_count is None or doc["traces"][0]["span_count"] == span_count:
                    return doc
            time.sleep(0.2)
        raise AssertionError(f"trace {trace_id} not served in {timeout} s: {last and last.text[:300]}")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class SwitchableProxy:
    """A TCP proxy on a free port to ``target``: while off nothing listens there (connection refused)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    def on(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        self._server = server
        thread = threading.Thread(target=self._accept, args=(server,), daemon=True)
        thread.start()

    def off(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target, timeout=10)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture
def serve_factory(tmp_path, neo4j_settings):
    """Make (and finally kill) ``ServeProcess`` objects: ``serve_factory(spool_name, **kwargs)``."""
    made: list[ServeProcess] = []

    def make(spool: str = "spool", **kwargs) -> ServeProcess:
        process = ServeProcess(neo4j_settings, tmp_path / spool, **kwargs)
        made.append(process)
        return process

    yield make
    for process in made:
        if process.proc is not None and process.proc.poll() is None:
            process.proc.kill()
            process.proc.wait(10)
