"""Connection options shared by every command that talks to Neo4j.

Use the four annotated option types in a command's signature and turn them
into :class:`~graphtrace.store.connection.Neo4jSettings` with
:func:`resolve_settings`::

    @app.command()
    def ingest(..., uri: UriOption = None, user: UserOption = None,
               password: PasswordOption = None, database: DatabaseOption = None):
        settings = resolve_settings(uri, user, password, database)

Order: flags, then the environment, then the local Neo4j's stored
credentials, then the defaults (:mod:`graphtrace.jobs.settings`, which the
benchmarks use too).  The password is a ``SecretStr`` and is never printed.

>>> s = resolve_settings("bolt://db.example:7687", None, "pw", None, env={})
>>> s.uri, s.user, s.database, s.password.get_secret_value()
('bolt://db.example:7687', 'neo4j', 'neo4j', 'pw')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

if TYPE_CHECKING:
    from graphtrace.store.connection import Neo4jSettings


def resolve_settings(uri: str | None, user: str | None, password: str | None, database: str | None,
                     **options: Any) -> Neo4jSettings:
    """:func:`graphtrace.jobs.settings.resolve_settings`, imported when a command first connects: the
    Neo4j driver it brings costs every other command (``analyze``, ``generate``...) ~0.13 s of start-up."""
    from graphtrace.jobs.settings import resolve_settings as resolve

    return resolve(uri, user, password, database, **options)

__all__ = ["DatabaseOption", "PasswordOption", "UriOption", "UserOption", "neo4j_options", "resolve_settings"]

PANEL = "Neo4j connection"

UriOption = Annotated[
    Optional[str],
    typer.Option("--uri", help="bolt:// or neo4j:// URI, without credentials (env NEO4J_URI; "
                 "default: the local `graphtrace db` server).",
                 rich_help_panel=PANEL),
]
UserOption = Annotated[
    Optional[str], typer.Option("--user", help="Neo4j user (env NEO4J_USER; default neo4j).", rich_help_panel=PANEL)
]
PasswordOption = Annotated[
    Optional[str],
    typer.Option("--password", help="Neo4j password (env NEO4J_PASSWORD, which `ps` does not show; "
                 "default: the local server's).",
                 show_default=False, rich_help_panel=PANEL),
]
DatabaseOption = Annotated[
    Optional[str],
    typer.Option("--database", help="Database name (env NEO4J_DATABASE; default neo4j).", rich_help_panel=PANEL),
]


neo4j_options = (UriOption, UserOption, PasswordOption, DatabaseOption)
"""The four option types, in the order :func:`resolve_settings` takes them."""
