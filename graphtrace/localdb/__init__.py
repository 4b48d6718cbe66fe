"""A real local Neo4j 5.26 for graphtrace users, tests and CI.

Assembled from Maven Central with Maven and run with Java 17 (or, where a
Docker engine answers, with ``docker compose``).  Library code only: it
raises :class:`~graphtrace.errors.ServerError` and never prints; long steps
report through an optional ``on_progress`` callback.

>>> from graphtrace.localdb import Layout, ServerOptions, render_conf
>>> "auth_enabled=true" in render_conf(Layout.for_home("/h"), ServerOptions())
True
"""

from graphtrace.localdb.assemble import assemble, is_assembled
from graphtrace.localdb.config import ServerOptions, render_conf
from graphtrace.localdb.credentials import Credentials, load_credentials
from graphtrace.localdb.paths import NEO4J_VERSION, Layout, default_home
from graphtrace.localdb.process import admin
from graphtrace.localdb.server import ServerStatus, local_settings, start, start_options, status, stop
from graphtrace.localdb.tools import docker_available, find_java, find_maven, java_major

__all__ = [
    "NEO4J_VERSION", "Credentials", "Layout", "ServerOptions", "ServerStatus", "admin", "assemble",
    "default_home", "docker_available", "find_java", "find_maven", "is_assembled", "java_major",
    "load_credentials", "local_settings", "render_conf", "start", "start_options", "status", "stop",
]
