"""Waiting until a freshly started Neo4j answers Bolt queries.

>>> from graphtrace.localdb.credentials import Credentials
>>> wait_for_bolt("bolt://127.0.0.1:1", Credentials("neo4j", "x"), timeout=0.3, log=Path("/tmp/none.log"))
Traceback (most recent call last):
...
graphtrace.errors.ServerError: /tmp/none.log: Neo4j did not answer on bolt://127.0.0.1:1 within 0.3 s; see the log file
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import neo4j
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable, SessionExpired

from graphtrace.errors import ServerError
from graphtrace.localdb.credentials import Credentials
from graphtrace.localdb.process import log_tail, port_accepts


def bolt_ready(uri: str, creds: Credentials) -> bool:
    """True when ``RETURN 1`` succeeds on the default database; AuthError propagates."""
    with neo4j.GraphDatabase.driver(uri, auth=(creds.user, creds.password), connection_timeout=3.0) as driver:
        try:
            records, _, _ = driver.execute_query("RETURN 1 AS ok")
        except (ServiceUnavailable, SessionExpired, OSError):
            return False
        except AuthError:
            raise
        except Neo4jError as exc:  # e.g. DatabaseUnavailable while the store is still starting
            if exc.code and "Transient" in exc.code:
                return False
            raise
    return bool(records) and records[0]["ok"] == 1


def wait_for_bolt(
    uri: str,
    creds: Credentials,
    *,
    timeout: float,
    log: Path,
    alive: Callable[[], bool] | None = None,
    interval: float = 0.5,
) -> None:
    """Poll until Bolt answers; ``ServerError`` naming ``log`` if the process dies or ``timeout`` passes."""
    parsed = urlparse(uri)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 7687
    deadline = time.monotonic() + timeout
    while True:
        if alive is not None and not alive():
            raise ServerError(f"Neo4j exited during start-up; last log lines: {log_tail(log)}", file=str(log))
        if port_accepts(port, host):
            try:
                if bolt_ready(uri, creds):
                    return
            except AuthError as exc:
                raise ServerError(
                    f"Neo4j on {uri} refused the stored credentials; is another server using that port?",
                    file=str(log)) from exc
        if time.monotonic() >= deadline:
            raise ServerError(f"Neo4j did not answer on {uri} within {timeout:g} s; see the log file", file=str(log))
        time.sleep(interval)
