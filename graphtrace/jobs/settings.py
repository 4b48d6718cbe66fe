"""Neo4j settings with the local server as the fallback: what every command and the benchmarks connect with.

Order: explicit values, then ``NEO4J_URI`` / ``NEO4J_USER`` /
``NEO4J_PASSWORD`` / ``NEO4J_DATABASE``, then the local Neo4j's stored
credentials (``graphtrace db start``; only when no URI was given, so the local
password is never sent to another server), then the defaults.  The password
is a ``SecretStr`` and is never printed.

>>> s = resolve_settings("bolt://db.example:7687", None, "pw", None, env={})
>>> s.uri, s.user, s.database, s.password.get_secret_value()
('bolt://db.example:7687', 'neo4j', 'neo4j', 'pw')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from graphtrace.localdb import local_settings
from graphtrace.store.connection import Neo4jSettings


def local_fallback(home: str | Path | None = None) -> Neo4jSettings | None:
    """Settings of the local server (``$GRAPHTRACE_HOME``), or None if it was never initialised.

    >>> local_fallback("/nonexistent-graphtrace-home") is None
    True
    """
    found = local_settings(home)
    if found is None:
        return None
    uri, user, password = found
    return Neo4jSettings(uri=uri, user=user, password=password)


def resolve_settings(
    uri: str | None = None,
    user: str | None = None,
    password: str | None = None,
    database: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    home: str | Path | None = None,
) -> Neo4jSettings:
    """Explicit values, then environment, then the local server's credentials, then defaults.

    >>> resolve_settings(env={"NEO4J_URI": "neo4j+s://x.databases.neo4j.io", "NEO4J_PASSWORD": "p"}).uri
    'neo4j+s://x.databases.neo4j.io'
    >>> resolve_settings(env={}, home="/nonexistent-graphtrace-home").uri
    'bolt://127.0.0.1:7687'
    """
    env = os.environ if env is None else env
    fallback = None
    if not (uri or env.get("NEO4J_URI")):
        fallback = local_fallback(home)
    return Neo4jSettings.resolve(
        uri=uri, user=user, password=password, database=database, env=env, fallback=fallback
    )
