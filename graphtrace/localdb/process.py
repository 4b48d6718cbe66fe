"""Low-level process plumbing for the local Neo4j: the Java command lines,
``neo4j-admin`` (``AdminTool``), pid files, liveness and ports.

>>> java_command("java", Layout.for_home("/h"), ServerOptions(heap="1g"))[:3]
['java', '-Xms1g', '-Xmx1g']
"""

from __future__ import annotations

import errno
import os
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path

from graphtrace.errors import ServerError
from graphtrace.localdb.config import ServerOptions
from graphtrace.localdb.paths import Layout
from graphtrace.localdb.tools import find_java

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"


def java_command(java: str, layout: Layout, options: ServerOptions) -> list[str]:
    """The foreground server command (Neo4j's own launcher is bypassed; ``-Xmx`` is the heap).

    >>> java_command("java", Layout.for_home("/h"), ServerOptions())[-3:]
    ['org.neo4j.server.CommunityEntryPoint', '--home-dir=/h/neo4j-5.26.0', '--config-dir=/h/neo4j-5.26.0/conf']
    """
    return [
        java,
        f"-Xms{options.heap}",
        f"-Xmx{options.heap}",
        "-Dfile.encoding=UTF-8",
        "-cp",
        f"{layout.lib}/*",
        ENTRY_POINT,
        f"--home-dir={layout.root}",
        f"--config-dir={layout.conf_dir}",
    ]


def admin_env(layout: Layout) -> dict[str, str]:
    """The environment ``neo4j-admin`` needs: ``NEO4J_HOME`` and ``NEO4J_CONF``.

    >>> admin_env(Layout.for_home("/h"))["NEO4J_CONF"]
    '/h/neo4j-5.26.0/conf'
    """
    return {**os.environ, "NEO4J_HOME": str(layout.root), "NEO4J_CONF": str(layout.conf_dir)}


PRIVATE_UMASK = 0o077
"""Files the server and ``neo4j-admin`` create (store, logs, ``auth.ini``) are readable by their owner only."""


def redact(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every non-empty string of ``secrets`` replaced by ``***``.

    >>> redact("bad password 'abc123xyz'", ["abc123xyz", ""])
    "bad password '***'"
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def admin(args: Sequence[str], *, layout: Layout | None = None, heap: str = "1g",
          secrets: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    """Run ``neo4j-admin ARGS`` (e.g. ``["database", "import", "full", ...]``) against the local install.

    Returns the completed process (stdout/stderr captured as text); raises
    ``ServerError`` with the tool's last output lines when it exits non-zero,
    with each of ``secrets`` replaced by ``***``.  Never put a secret in ``args``
    (every user can read a command line): pass it in a file (``@FILE``).
    """
    layout = layout or Layout.for_home()
    if not layout.lib.is_dir():
        raise ServerError("the local Neo4j is not assembled yet; run `graphtrace db start` first", file=str(layout.lib))
    java = find_java()
    cmd = [java, f"-Xmx{heap}", "-cp", f"{layout.lib}/*", ADMIN_TOOL, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=admin_env(layout), cwd=layout.root,
                          umask=PRIVATE_UMASK)
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        words = " ".join(a for a in args[:3] if not a.startswith("@"))
        raise ServerError(redact(f"neo4j-admin {words} failed (exit {proc.returncode}): {tail}", secrets))
    return proc


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on (or holds) ``host:port``.

    >>> s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); p = s.getsockname()[1]
    >>> port_in_use(p)
    True
    >>> s.close()
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    return False


def port_accepts(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    """True when a TCP connection to ``host:port`` succeeds.

    >>> port_accepts(1)
    False
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def read_pid(path: Path) -> int | None:
    """The pid in ``path``, or None when absent or unreadable.

    >>> read_pid(Path("/nonexistent.pid")) is None
    True
    """
    try:
        return int(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def _reap(pid: int) -> None:
    """Collect ``pid`` if it is our own exited child (otherwise it lingers as a zombie)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def server_alive(pid: int, layout: Layout) -> bool:
    """True when ``pid`` is a live Neo4j server of ``layout`` (guards against pid reuse).

    >>> server_alive(os.getpid(), Layout.for_home("/h"))
    False
    """
    _reap(pid)
    cmdline = Path(f"/proc/{pid}/cmdline")
    if Path("/proc/self/cmdline").exists():
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            return False
        return ENTRY_POINT.encode() in args and f"--home-dir={layout.root}".encode() in args
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def launch(java: str, layout: Layout, options: ServerOptions) -> subprocess.Popen[bytes]:
    """Start the server detached (own session, output to ``logs/console.log``); write its pid file.

    Returns the ``Popen`` so the caller can notice an early exit with ``poll()``
    (``server_alive`` cannot: just after the fork ``/proc`` still shows Python's command line).
    """
    layout.make_dirs()
    fd = os.open(layout.console_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "ab") as log:
        proc = subprocess.Popen(
            java_command(java, layout, options),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=layout.root,
            start_new_session=True,
            env=admin_env(layout),
            umask=PRIVATE_UMASK,
        )
    layout.pid_file.write_text(f"{proc.pid}\n", encoding="utf-8")
    return proc


def log_tail(path: Path, lines: int = 8) -> str:
    """The last ``lines`` lines of a log file joined with `` | `` ('' when missing).

    >>> log_tail(Path("/nonexistent.log"))
    ''
    """
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])
