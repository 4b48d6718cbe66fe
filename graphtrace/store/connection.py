"""Connection settings and driver creation for Neo4j.

Settings come from explicit values, else the environment (``NEO4J_URI``,
``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``), else the defaults
below.  ``neo4j://`` routing URIs work, so a cluster or Aura is just another
URI.  The password is a ``SecretStr``: it is never printed.

A URI is checked when the settings are made (:func:`check_uri`): a scheme
other than Bolt's, a missing host, a bad port or a malformed address is one
line of error, not a driver traceback; a URI with credentials in it
(``bolt://user:pw@host``) is refused, and the message shows it with the user
and password cut out.

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
from neo4j.exceptions import AuthError, ConfigurationError, ServiceUnavailable, Neo4jError
from pydantic import BaseModel, SecretStr, field_validator

from graphtrace.errors import StoreError

DEFAULT_URI = "bolt://127.0.0.1:7687"
SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
_FIX = "expected bolt://HOST[:PORT] or neo4j://HOST[:PORT] (also bolt+s, bolt+ssc, neo4j+s, neo4j+ssc)"


def _without_userinfo(uri: str) -> str:
    """``uri`` with anything between ``//`` and the last ``@`` of its authority replaced by ``***``.

    >>> _without_userinfo("bolt://neo4j:s3cret@db:7687/x")
    'bolt://***@db:7687/x'
    """
    head, sep, rest = uri.partition("//")
    if not sep:
        return "***" if "@" in uri else uri
    end = len(rest)
    for stop in "/?#":
        if stop in rest:
            end = min(end, rest.index(stop))
    authority = rest[:end]
    if "@" not in authority:
        return uri
    return f"{head}//***@{authority.rsplit('@', 1)[1]}{rest[end:]}"


def check_uri(uri: str) -> str:
    """Return ``uri`` if graphtrace can connect with it, else raise a one-line ``StoreError``.

    The message never contains credentials written into the URI.

    >>> check_uri("neo4j+s://x.databases.neo4j.io")
    'neo4j+s://x.databases.neo4j.io'
    >>> check_uri("bolt://neo4j:hunter2@db:7687")
    Traceback (most recent call last):
    ...
    graphtrace.errors.StoreError: uri: bolt://***@db:7687 contains a user or password; give them with --user/--password or NEO4J_USER/NEO4J_PASSWORD, not in the URI
    >>> check_uri("http://127.0.0.1:7474")
    Traceback (most recent call last):
    ...
    graphtrace.errors.StoreError: uri: unsupported scheme 'http' in http://127.0.0.1:7474 (graphtrace speaks Bolt, not the HTTP API); expected bolt://HOST[:PORT] or neo4j://HOST[:PORT] (also bolt+s, bolt+ssc, neo4j+s, neo4j+ssc)
    """
    if "@" in uri:
        raise StoreError(f"{_without_userinfo(uri)} contains a user or password; give them with "
                         "--user/--password or NEO4J_USER/NEO4J_PASSWORD, not in the URI", field="uri")
    try:
        parsed = urlparse(uri)
        port = parsed.port
    except ValueError as exc:
        raise StoreError(f"malformed URI {uri!r} ({exc}); {_FIX}", field="uri") from None
    scheme = parsed.scheme.lower()
    if scheme not in SCHEMES:
        if not scheme:
            raise StoreError(f"{uri!r} is not a URI (no scheme); {_FIX}", field="uri")
        http = " (graphtrace speaks Bolt, not the HTTP API)" if scheme in ("http", "https") else ""
        raise StoreError(f"unsupported scheme {parsed.scheme!r} in {uri}{http}; {_FIX}", field="uri")
    if not parsed.hostname:
        raise StoreError(f"no host in {uri!r}; {_FIX}", field="uri")
    if port == 0:
        raise StoreError(f"port 0 in {uri!r} is not a port; {_FIX}", field="uri")
    return uri


class Neo4jSettings(BaseModel):
    uri: str = DEFAULT_URI
    user: str = "neo4j"
    password: SecretStr = SecretStr("")
    database: str = "neo4j"

    @field_validator("uri")
    @classmethod
    def _uri(cls, value: str) -> str:
        return check_uri(value)  # raises StoreError itself: pydantic would echo the value

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


_AUTH_HINT = ("; when a URI is set (--uri or NEO4J_URI) the local server's credentials.json is not used: "
              "give --password or NEO4J_PASSWORD (and --user / NEO4J_USER) for that server")


def connect(settings: Neo4jSettings, *, verify: bool = True) -> neo4j.Driver:
    """Open a driver; with ``verify``, fail fast with a ``StoreError`` naming the URI (never the password)."""
    uri = check_uri(settings.uri)
    try:
        driver = neo4j.GraphDatabase.driver(
            uri,
            auth=(settings.user, settings.password.get_secret_value()),
            # Server notifications ("label does not exist" on an empty database...) are not
            # the user's business; real problems arrive as exceptions.
            notifications_min_severity="OFF",
        )
    except (ConfigurationError, ValueError) as exc:
        raise StoreError(f"cannot use URI {uri}: {exc}", field="uri") from None
    if verify:
        try:
            driver.verify_connectivity()
        except AuthError as exc:
            driver.close()
            raise StoreError(f"Neo4j at {settings.uri} refused the credentials for user {settings.user!r}"
                             + _AUTH_HINT) from exc
        except (ServiceUnavailable, OSError, ValueError) as exc:
            driver.close()
            raise StoreError(
                f"cannot reach Neo4j at {settings.uri}; start one with `graphtrace db start` "
                "or set NEO4J_URI"
            ) from exc
        except Neo4jError as exc:
            driver.close()
            raise StoreError(f"Neo4j at {settings.uri}: {exc.message or exc}") from exc
    return driver
