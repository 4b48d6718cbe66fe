"""Connection settings and driver creation for Neo4j.

Settings come from explicit values, else the environment (``NEO4J_URI``,
``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``), else the defaults
below.  ``neo4j://`` routing URIs work, so a cluster or Aura is just another
URI.  The password is a ``SecretStr``: it is never printed.

>>> s = Neo4jSettings.resolve(uri="bolt://127.0.0.1:7999", password="pw", env={})
>>> s.uri, s.user, s.database, str(s.password)
('bolt://127.0.0.1:7999', 'neo4j', 'neo4j', '**********')
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlparse

import neo4j
from neo4j.exceptions import AuthError, ServiceUnavailable, Neo4jError
from pydantic import BaseModel, SecretStr

from graphtrace.errors import StoreError

DEFAULT_URI = "bolt://127.0.0.1:7687"


class Neo4jSettings(BaseModel):
    uri: str = DEFAULT_URI
    user: str = "neo4j"
    password: SecretStr = SecretStr("")
    database: str = "neo4j"

    @classmethod
    def resolve(
        cls,
        *,
        uri: str | None = None,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        env: Mapping[str, str] | None = None,
        fallback: "Neo4jSettings | None" = None,
    ) -> "Neo4jSettings":
        """Explicit values win, then ``env`` (default ``os.environ``), then ``fallback``, then defaults."""
        env = os.environ if env is None else env
        base = fallback or cls()
        return cls(
            uri=uri or env.get("NEO4J_URI") or base.uri,
            user=user or env.get("NEO4J_USER") or base.user,
            password=SecretStr(password or env.get("NEO4J_PASSWORD") or base.password.get_secret_value()),
            database=database or env.get("NEO4J_DATABASE") or base.database,
        )

    @property
    def configured_by_env(self) -> bool:
        return "NEO4J_URI" in os.environ

    def describe(self) -> str:
        """A safe one-line description (no password)."""
        return f"{self.uri} as {self.user}, database {self.database}"


def is_loopback_uri(uri: str) -> bool:
    """True when ``uri``'s host is this machine: ``localhost``, ``127.x.y.z`` or ``[::1]``.

    >>> is_loopback_uri("bolt://127.0.0.1:7687"), is_loopback_uri("neo4j://[::1]"), is_loopback_uri("bolt://db:7687")
    (True, True, False)
    """
    host = urlparse(uri).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connect(settings: Neo4jSettings, *, verify: bool = True) -> neo4j.Driver:
    """Open a driver; with ``verify``, fail fast with a ``StoreError`` naming the URI (never the password)."""
    driver = neo4j.GraphDatabase.driver(
        settings.uri,
        auth=(settings.user, settings.password.get_secret_value()),
        # Server notifications ("label does not exist" on an empty database...) are not
        # the user's business; real problems arrive as exceptions.
        notifications_min_severity="OFF",
    )
    if verify:
        try:
            driver.verify_connectivity()
        except AuthError as exc:
            driver.close()
            raise StoreError(f"Neo4j at {settings.uri} refused the credentials for user {settings.user!r}") from exc
        except (ServiceUnavailable, OSError) as exc:
            driver.close()
            raise StoreError(
                f"cannot reach Neo4j at {settings.uri}; start one with `graphtrace db start` "
                "or set NEO4J_URI"
            ) from exc
        except Neo4jError as exc:
            driver.close()
            raise StoreError(f"Neo4j at {settings.uri}: {exc.message or exc}") from exc
    return driver
