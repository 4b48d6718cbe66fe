"""Running the local Neo4j with ``docker compose`` when a Docker engine answers.

Same contract as the Java path: 127.0.0.1-only ports from :class:`ServerOptions`,
the password from the local credentials file (``NEO4J_AUTH=neo4j/<password>``),
data and logs under ``<home>/neo4j-5.26.0/docker/``.

>>> env = compose_env(Layout.for_home("/h"), ServerOptions(bolt_port=7690, http_port=7477), "pw")
>>> env["NEO4J_PASSWORD"], env["GRAPHTRACE_NEO4J_BOLT_PORT"], env["GRAPHTRACE_NEO4J_DATA"]
('pw', '7690', '/h/neo4j-5.26.0/docker/data')
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from graphtrace.errors import ServerError
from graphtrace.localdb.config import ServerOptions
from graphtrace.localdb.paths import Layout
from graphtrace.localdb.process import redact

PROJECT = "graphtrace"


COMPOSE_NAME = "docker-compose.yml"


def compose_file(env: Mapping[str, str] | None = None) -> Path:
    """``$GRAPHTRACE_COMPOSE_FILE``, else the package's copy, else the repository's ``docker-compose.yml``.

    The repository's top-level file is the one source: the wheel carries it as
    ``graphtrace/localdb/docker-compose.yml`` (pyproject.toml, hatch ``force-include``), so a
    plain ``pip install`` finds it beside this module; a clone (editable install) finds the
    top-level file.

    >>> compose_file({"GRAPHTRACE_COMPOSE_FILE": "/x/compose.yml"}).name
    'compose.yml'
    >>> compose_file({}).name
    'docker-compose.yml'
    """
    env = os.environ if env is None else env
    if env.get("GRAPHTRACE_COMPOSE_FILE"):
        return Path(env["GRAPHTRACE_COMPOSE_FILE"])
    here = Path(__file__).resolve().parent
    packaged = here / COMPOSE_NAME
    if packaged.is_file():
        return packaged
    return here.parents[1] / COMPOSE_NAME


def docker_dirs(layout: Layout) -> tuple[Path, Path]:
    """(data, logs) directories used by the container.

    >>> [p.name for p in docker_dirs(Layout.for_home("/h"))]
    ['data', 'logs']
    """
    return layout.root / "docker" / "data", layout.root / "docker" / "logs"


def compose_env(layout: Layout, options: ServerOptions, password: str) -> dict[str, str]:
    """The variables ``docker-compose.yml`` reads (on top of ``os.environ``)."""
    data, logs = docker_dirs(layout)
    return {
        **os.environ,
        "NEO4J_PASSWORD": password,
        "GRAPHTRACE_NEO4J_BOLT_PORT": str(options.bolt_port),
        "GRAPHTRACE_NEO4J_HTTP_PORT": str(options.http_port),
        "GRAPHTRACE_NEO4J_HEAP": options.heap,
        "GRAPHTRACE_NEO4J_PAGECACHE": options.pagecache,
        "GRAPHTRACE_NEO4J_DATA": str(data),
        "GRAPHTRACE_NEO4J_LOGS": str(logs),
    }


def compose_command(file: Path, *args: str) -> list[str]:
    """``docker compose -f FILE -p graphtrace ARGS``.

    >>> compose_command(Path("/r/docker-compose.yml"), "up", "-d", "--wait")
    ['docker', 'compose', '-f', '/r/docker-compose.yml', '-p', 'graphtrace', 'up', '-d', '--wait']
    """
    return ["docker", "compose", "-f", str(file), "-p", PROJECT, *args]


def _compose(layout: Layout, options: ServerOptions, password: str, *args: str) -> subprocess.CompletedProcess[str]:
    file = compose_file()
    if not file.is_file():
        raise ServerError("docker-compose.yml not found; set GRAPHTRACE_COMPOSE_FILE", file=str(file))
    for d in docker_dirs(layout):
        d.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(compose_command(file, *args), capture_output=True, text=True,
                          env=compose_env(layout, options, password))
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise ServerError(redact(f"docker compose {args[0]} failed: {tail}", [password]), file=str(file))
    return proc


def compose_up(layout: Layout, options: ServerOptions, password: str) -> None:
    """``docker compose up -d --wait`` (returns once the healthcheck passes)."""
    _compose(layout, options, password, "up", "-d", "--wait")


def compose_down(layout: Layout, options: ServerOptions, password: str) -> None:
    """``docker compose down`` (the bind-mounted data stays)."""
    _compose(layout, options, password, "down")


def compose_running(layout: Layout, options: ServerOptions, password: str) -> bool:
    """True when the compose service has a running container."""
    try:
        proc = _compose(layout, options, password, "ps", "--status", "running", "-q")
    except ServerError:
        return False
    return bool(proc.stdout.strip())
