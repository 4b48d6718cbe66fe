"""Connection options shared by every command that talks to Neo4j.

Use the four annotated option types in a command's signature and turn them
into :class:`~graphtrace.store.connection.Neo4jSettings` with
:func:`resolve_settings`::

    @app.command()
    def ingest(..., uri: UriOption = None, user: UserOption = None,
               password: PasswordOption = None, database: DatabaseOption = None):
        settings = resolve_settings(uri, user, password, database)

Order: flags, then ``NEO4J_URI`` / ``NEO4J_USER`` / ``NEO4J_PASSWORD`` /
``NEO4J_DATABASE``, then the local Neo4j's stored credentials (``graphtrace
db start``; only when no URI was given, so the local password is never sent
to another server), then the defaults.  The password is a ``SecretStr`` and
is never printed.

>>> s = resolve_settings("bolt://db.example:7687", None, "pw", None, env={})
>>> s.uri, s.user, s.database, s.password.get_secret_value()
('bolt://db.example:7687', 'neo4j', 'neo4j', 'pw')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Optional

import typer

from graphtrace.localdb import local_settings
from graphtrace.store.connection import Neo4jSettings

PANEL = "Neo4j connection"

UriOption = Annotated[
    Optional[str],
    typer.Option("--uri", help="Bolt/neo4j URI (env NEO4J_URI; default: the local `graphtrace db` server).",
                 rich_help_panel=PANEL),
]
UserOption = Annotated[
    Optional[str], typer.Option("--user", help="Neo4j user (env NEO4J_USER; default neo4j).", rich_help_panel=PANEL)
]
PasswordOption = Annotated[
    Optional[str],
    typer.Option("--password", help="Neo4j password (env NEO4J_PASSWORD; default: the local server's).",
                 show_default=False, rich_help_panel=PANEL),
]
DatabaseOption = Annotated[
    Optional[str],
    typer.Option("--database", help="Database name (env NEO4J_DATABASE; default neo4j).", rich_help_panel=PANEL),
]


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
    """Flags, then environment, then the local server's credentials, then defaults.

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


neo4j_options = (UriOption, UserOption, PasswordOption, DatabaseOption)
"""The four option types, in the order :func:`resolve_settings` takes them."""
