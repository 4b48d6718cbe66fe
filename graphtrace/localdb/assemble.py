"""Assembling a Neo4j Community server from Maven Central.

A small ``pom.xml`` (from ``templates/pom.xml.tmpl``) names the server, the
``neo4j`` umbrella artifact, the import tool and Neo4j Browser (``org.neo4j.client:neo4j-browser``,
served by the server at ``/browser/``); ``mvn dependency:copy-dependencies``
copies the ~240 runtime jars into ``lib/``.  Maven caches them in its local
repository (``~/.m2``), so a second assembly is fast.

>>> "<version>5.26.0</version>" in render_pom("5.26.0")
True
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from string import Template

from graphtrace.errors import ServerError
from graphtrace.localdb.config import template_text
from graphtrace.localdb.paths import NEO4J_VERSION, Layout
from graphtrace.localdb.tools import find_maven

Progress = Callable[[str], None]
BROWSER_VERSION = "5.24.0"  # the newest neo4j-browser on Maven Central; its versions are not the server's


def render_pom(version: str = NEO4J_VERSION) -> str:
    """The assembly ``pom.xml`` for Neo4j ``version``.

    >>> "org.neo4j.app" in render_pom()
    True
    >>> "<artifactId>neo4j-browser</artifactId><version>5.24.0</version>" in render_pom()
    True
    """
    return Template(template_text("pom.xml.tmpl")).substitute(neo4j_version=version, browser_version=BROWSER_VERSION)


def is_assembled(layout: Layout) -> bool:
    """True when ``lib/`` holds a completed assembly that includes Neo4j Browser.

    (An assembly made before Browser was added is completed again: Maven only copies the new jar.)

    >>> is_assembled(Layout.for_home("/nonexistent-graphtrace-home"))
    False
    """
    return (layout.assembled_marker.is_file() and any(layout.lib.glob("*.jar"))
            and any(layout.lib.glob("neo4j-browser-*.jar")))


def maven_command(mvn: str, layout: Layout, repo_local: str | None = None) -> list[str]:
    """The Maven command line that copies the runtime jars into ``lib/``.

    >>> maven_command("mvn", Layout.for_home("/h"))[-2:]
    ['-DoutputDirectory=/h/neo4j-5.26.0/lib', '-DincludeScope=runtime']
    """
    cmd = [mvn, "-q", "-B", "-f", str(layout.pom)]
    if repo_local:
        cmd.append(f"-Dmaven.repo.local={repo_local}")
    cmd += ["dependency:copy-dependencies", f"-DoutputDirectory={layout.lib}", "-DincludeScope=runtime"]
    return cmd


def assemble(
    layout: Layout,
    *,
    version: str = NEO4J_VERSION,
    force: bool = False,
    repo_local: str | None = None,
    on_progress: Progress | None = None,
) -> None:
    """Download (or reuse) the server jars into ``layout.lib``; ``ServerError`` if Maven fails.

    ``repo_local`` overrides Maven's local repository (used to time a cold download).
    """
    if is_assembled(layout) and not force:
        return
    mvn = find_maven()
    layout.make_dirs()
    layout.pom.write_text(render_pom(version), encoding="utf-8")
    if on_progress:
        on_progress(f"assembling Neo4j {version} from Maven Central into {layout.lib} (first time: about a minute)")
    log = layout.logs / "maven.log"
    log.unlink(missing_ok=True)
    with os.fdopen(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as fh:
        proc = subprocess.run(maven_command(mvn, layout, repo_local), stdout=fh, stderr=subprocess.STDOUT,
                              cwd=layout.root)
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        raise ServerError(
            "Maven could not assemble Neo4j (is Maven Central reachable?): " + " | ".join(tail),
            file=str(log),
        )
    layout.assembled_marker.write_text(version + "\n", encoding="utf-8")
    if on_progress:
        on_progress(f"assembled {sum(1 for _ in layout.lib.glob('*.jar'))} jars")
