"""Start, stop and inspect the local Neo4j (Java from Maven Central, or docker compose).

>>> st = status("/nonexistent-graphtrace-home")
>>> st.running, st.pid, st.has_credentials
(False, None, False)
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from graphtrace.errors import ServerError
from graphtrace.localdb import docker as dock
from graphtrace.localdb.assemble import assemble, is_assembled
from graphtrace.localdb.config import ServerOptions, configured_options, write_conf
from graphtrace.localdb.credentials import (
    USER, Credentials, argument_file, generate_password, load_credentials, save_credentials,
)
from graphtrace.localdb.paths import Layout
from graphtrace.localdb.process import admin, launch, port_in_use, read_pid, server_alive
from graphtrace.localdb.tools import docker_available, find_java
from graphtrace.localdb.wait import wait_for_bolt

Progress = Callable[[str], None]
MODES = ("auto", "java", "docker")


@dataclass(frozen=True)
class ServerStatus:
    """What ``graphtrace db status`` reports (never the password)."""

    running: bool
    mode: str | None
    pid: int | None
    bolt_uri: str
    http_port: int
    root: Path
    data: Path
    logs: Path
    assembled: bool
    has_credentials: bool

    @property
    def browser_url(self) -> str:
        """Neo4j Browser, served by the local server on its HTTP port.

        >>> ServerStatus(False, None, None, "bolt://127.0.0.1:7690", 7477, Path("/h"), Path("/h/d"), Path("/h/l"),
        ...              False, False).browser_url
        'http://127.0.0.1:7477/browser/'
        """
        return f"http://127.0.0.1:{self.http_port}/browser/"


def _layout(home: str | Path | Layout | None) -> Layout:
    return home if isinstance(home, Layout) else Layout.for_home(home)


def _mode(layout: Layout) -> str | None:
    try:
        return layout.mode_file.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def status(home: str | Path | Layout | None = None) -> ServerStatus:
    """Whether the local server of ``home`` runs, with its pid, URI and directories."""
    layout = _layout(home)
    options = configured_options(layout) or ServerOptions.resolve()
    mode = _mode(layout)
    creds = load_credentials(layout.credentials)
    pid = read_pid(layout.pid_file)
    if mode == "docker":
        running = creds is not None and dock.compose_running(layout, options, creds.password)
        data, logs = dock.docker_dirs(layout)
        pid = None
    else:
        running = pid is not None and server_alive(pid, layout)
        data, logs = layout.data, layout.logs
    return ServerStatus(
        running=running, mode=mode, pid=pid if running else None, bolt_uri=options.bolt_uri,
        http_port=options.http_port, root=layout.root, data=data, logs=logs,
        assembled=is_assembled(layout), has_credentials=creds is not None,
    )


def start_options(home: str | Path | Layout | None = None, **given: object) -> ServerOptions:
    """The options for ``db start``: ``given`` values, then the environment, then what an
    earlier start recorded in ``neo4j.conf``, then the defaults.

    >>> start_options("/nonexistent-graphtrace-home", bolt_port=7801, env={}).http_port
    7588
    """
    return ServerOptions.resolve(**given, recorded=configured_options(_layout(home)))  # type: ignore[arg-type]


def local_settings(home: str | Path | Layout | None = None) -> tuple[str, str, str] | None:
    """``(bolt_uri, user, password)`` of the local server, or None if it was never initialised.

    >>> local_settings("/nonexistent-graphtrace-home") is None
    True
    """
    layout = _layout(home)
    creds = load_credentials(layout.credentials)
    if creds is None:
        return None
    options = configured_options(layout) or ServerOptions.resolve()
    return options.bolt_uri, creds.user, creds.password


def _ensure_credentials(layout: Layout, *, set_in_store: bool) -> Credentials:
    """Load the credentials, or generate them (and set Neo4j's initial password) on first init."""
    creds = load_credentials(layout.credentials)
    if creds is not None:
        return creds
    auth_ini = layout.data / "dbms" / "auth.ini"
    if set_in_store and auth_ini.exists():
        raise ServerError(
            "the data directory was initialised with a password graphtrace does not know; "
            f"delete {layout.data} to start afresh (this deletes its data)", file=str(layout.credentials))
    creds = Credentials(USER, generate_password())
    save_credentials(layout.credentials, creds)
    if set_in_store:
        try:
            with argument_file(layout.run, creds.password) as args:  # never the password itself in argv
                admin(["dbms", "set-initial-password", f"@{args}"], layout=layout, heap="256m",
                      secrets=[creds.password])
        except ServerError:
            layout.credentials.unlink(missing_ok=True)
            raise
    return creds


def _private_files(layout: Layout) -> None:
    """``auth.ini`` (the password's hash) and the credentials file: owner only, also in older homes."""
    for path in (layout.data / "dbms" / "auth.ini", layout.credentials):
        if path.exists():
            os.chmod(path, 0o600)


def _check_ports(options: ServerOptions) -> None:
    for name, port, flag in (("Bolt", options.bolt_port, "--bolt-port / GRAPHTRACE_NEO4J_BOLT_PORT"),
                             ("HTTP", options.http_port, "GRAPHTRACE_NEO4J_HTTP_PORT")):
        if port_in_use(port):
            raise ServerError(
                f"{name} port {port} on 127.0.0.1 is already in use by another process "
                f"(not this graphtrace home's Neo4j); choose another port with {flag}", field=f"{name.lower()}_port")


def start(
    home: str | Path | Layout | None = None,
    options: ServerOptions | None = None,
    *,
    mode: str = "auto",
    timeout: float = 180.0,
    on_progress: Progress | None = None,
) -> ServerStatus:
    """Start the local server (assembling and initialising it the first time) and wait for Bolt.

    A server that already runs is left alone and its status returned.
    ``mode``: ``auto`` (docker compose when a Docker engine answers, else Java), ``java`` or ``docker``.
    """
    if mode not in MODES:
        raise ServerError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}", field="mode")
    layout = _layout(home)
    current = status(layout)
    if current.running:
        return current
    options = options or ServerOptions.resolve()
    if mode == "auto":
        mode = "docker" if docker_available() else "java"
    _check_ports(options)
    layout.make_dirs()
    write_conf(layout, options)
    if mode == "docker":
        creds = _ensure_credentials(layout, set_in_store=False)
        if on_progress:
            on_progress("starting Neo4j with docker compose")
        layout.mode_file.write_text("docker\n", encoding="utf-8")
        dock.compose_up(layout, options, creds.password)
        return status(layout)
    java = find_java()
    assemble(layout, on_progress=on_progress)
    creds = _ensure_credentials(layout, set_in_store=True)
    _private_files(layout)
    if on_progress:
        on_progress(f"starting Neo4j on {options.bolt_uri} (logs in {layout.logs})")
    layout.mode_file.write_text("java\n", encoding="utf-8")
    proc = launch(java, layout, options)
    try:
        wait_for_bolt(options.bolt_uri, creds, timeout=timeout, alive=lambda: proc.poll() is None,
                      log=layout.console_log)
    except ServerError:
        stop(layout, timeout=20.0)
        raise
    return status(layout)


def stop(home: str | Path | Layout | None = None, *, timeout: float = 60.0) -> bool:
    """Stop the local server: SIGTERM, wait up to ``timeout`` s, then SIGKILL.  True if it was running."""
    layout = _layout(home)
    st = status(layout)
    if not st.running:
        layout.pid_file.unlink(missing_ok=True)
        return False
    if st.mode == "docker":
        creds = load_credentials(layout.credentials)
        options = configured_options(layout) or ServerOptions.resolve()
        dock.compose_down(layout, options, creds.password if creds else "")
        return True
    assert st.pid is not None
    _signal(st.pid, signal.SIGTERM)
    if not _wait_gone(st.pid, layout, timeout):
        _signal(st.pid, signal.SIGKILL)
        if not _wait_gone(st.pid, layout, 10.0):
            raise ServerError(f"Neo4j (pid {st.pid}) did not stop even after SIGKILL", file=str(layout.pid_file))
    layout.pid_file.unlink(missing_ok=True)
    return True


def _signal(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)  # launched with its own session: pgid == pid
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _wait_gone(pid: int, layout: Layout, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server_alive(pid, layout):
            return True
        time.sleep(0.2)
    return not server_alive(pid, layout)
