"""Detecting the external tools the local Neo4j needs: Java >= 17, Maven, Docker.

>>> java_major('openjdk version "17.0.15" 2025-04-15')
17
>>> java_major('java version "1.8.0_392"')
8
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping

from graphtrace.errors import ServerError

MIN_JAVA = 17
INSTALL_HINT = "install them with `apt-get install openjdk-17-jre-headless maven` (or any JDK/JRE >= 17 and Maven 3)"
_VERSION = re.compile(r'version\s+"?(\d+)(?:\.(\d+))?')


def java_major(version_output: str) -> int | None:
    """The Java major version from ``java -version`` output (``1.8`` counts as 8).

    >>> java_major('openjdk version "21" 2023-09-19') , java_major("no java here")
    (21, None)
    """
    m = _VERSION.search(version_output)
    if not m:
        return None
    major = int(m.group(1))
    if major == 1 and m.group(2):
        return int(m.group(2))
    return major


def _run(cmd: list[str], env: Mapping[str, str] | None) -> str | None:
    """stdout+stderr of ``cmd``, or None when it cannot be run or fails."""
    exe = shutil.which(cmd[0], path=(env or {}).get("PATH") if env is not None else None)
    if exe is None:
        return None
    try:
        proc = subprocess.run(
            [exe, *cmd[1:]], capture_output=True, text=True, timeout=60, env=dict(env) if env is not None else None
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout + proc.stderr


def find_java(env: Mapping[str, str] | None = None) -> str:
    """Path of a ``java`` >= 17 on PATH, else ``ServerError`` saying what is missing and how to get it.

    >>> find_java({"PATH": "/nonexistent"})
    Traceback (most recent call last):
    ...
    graphtrace.errors.ServerError: java: Java 17 or newer is needed to run the local Neo4j, but no `java` is on PATH; install them with `apt-get install openjdk-17-jre-headless maven` (or any JDK/JRE >= 17 and Maven 3)
    """
    path = env.get("PATH") if env is not None else None
    exe = shutil.which("java", path=path)
    if exe is None:
        raise ServerError(
            f"Java {MIN_JAVA} or newer is needed to run the local Neo4j, but no `java` is on PATH; {INSTALL_HINT}",
            field="java",
        )
    out = _run(["java", "-version"], env)
    major = java_major(out or "")
    if major is None or major < MIN_JAVA:
        found = f"Java {major}" if major else "a `java` whose version could not be read"
        raise ServerError(
            f"Java {MIN_JAVA} or newer is needed to run the local Neo4j, found {found} at {exe}; {INSTALL_HINT}",
            field="java",
        )
    return exe


def find_maven(env: Mapping[str, str] | None = None) -> str:
    """Path of a working ``mvn`` on PATH, else ``ServerError`` with the install hint.

    >>> find_maven({"PATH": "/nonexistent"})
    Traceback (most recent call last):
    ...
    graphtrace.errors.ServerError: mvn: Maven is needed once to download Neo4j's jars from Maven Central, but no `mvn` is on PATH; install them with `apt-get install openjdk-17-jre-headless maven` (or any JDK/JRE >= 17 and Maven 3)
    """
    path = env.get("PATH") if env is not None else None
    exe = shutil.which("mvn", path=path)
    if exe is None:
        raise ServerError(
            f"Maven is needed once to download Neo4j's jars from Maven Central, but no `mvn` is on PATH; {INSTALL_HINT}",
            field="mvn",
        )
    if _run(["mvn", "-v"], env) is None:
        raise ServerError(f"`{exe} -v` failed; Maven does not work here; {INSTALL_HINT}", field="mvn")
    return exe


def docker_available(env: Mapping[str, str] | None = None) -> bool:
    """True when a Docker engine answers (``docker info`` succeeds) and ``docker compose`` exists.

    >>> docker_available({"PATH": "/nonexistent"})
    False
    """
    return _run(["docker", "info"], env) is not None and _run(["docker", "compose", "version"], env) is not None
