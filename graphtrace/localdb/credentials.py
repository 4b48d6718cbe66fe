"""The local server's credentials: a random password generated on first init,
kept in a ``0600`` JSON file next to the data.

The password never appears on a command line: ``neo4j-admin dbms
set-initial-password`` is given ``@FILE`` (picocli, which ``neo4j-admin`` is
built on, reads the arguments from FILE), and FILE is a ``0600`` file written
by :func:`argument_file` and deleted right after.

>>> len(generate_password()) >= 24
True
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from graphtrace.errors import ServerError

USER = "neo4j"
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{7,}$")


@dataclass(frozen=True)
class Credentials:
    """User and password of the local server (``repr`` hides the password).

    >>> Credentials("neo4j", "s3cret")
    Credentials(user='neo4j', password='***')
    """

    user: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password='***')"


def generate_password() -> str:
    """A fresh URL-safe random password (Neo4j needs at least 8 characters).

    It starts with a letter or digit, so no command-line parser can take it for an option.

    >>> generate_password() != generate_password()
    True
    >>> all(_SAFE.match(generate_password()) for _ in range(200))
    True
    """
    while True:
        password = secrets.token_urlsafe(24)
        if _SAFE.match(password):
            return password


@contextmanager
def argument_file(directory: Path, password: str) -> Iterator[Path]:
    """A ``0600`` file in ``directory`` holding ``password`` as one picocli argument; deleted on exit.

    Only passwords of :func:`generate_password`'s alphabet are accepted (no quoting needed).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> with argument_file(d, "Abc-123_xyz") as f:
    ...     oct(f.stat().st_mode & 0o777), f.read_text()
    ('0o600', 'Abc-123_xyz\\n')
    >>> list(d.iterdir())
    []
    """
    if not _SAFE.match(password):
        raise ServerError("the generated password has unexpected characters; delete the credentials file "
                          "and the data directory to start afresh")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"initial-password-{secrets.token_hex(8)}.args"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(password + "\n")
        yield path
    finally:
        path.unlink(missing_ok=True)


def save_credentials(path: Path, creds: Credentials) -> None:
    """Write ``creds`` to ``path`` readable by the owner only (mode 0600).

    >>> import tempfile, stat
    >>> p = Path(tempfile.mkdtemp()) / "credentials.json"
    >>> save_credentials(p, Credentials("neo4j", "pw-12345678"))
    >>> oct(stat.S_IMODE(p.stat().st_mode)), load_credentials(p).password
    ('0o600', 'pw-12345678')
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"user": creds.user, "password": creds.password}, fh)
    os.replace(tmp, path)


def load_credentials(path: Path) -> Credentials | None:
    """The credentials stored at ``path``, or None when the file does not exist.

    >>> load_credentials(Path("/nonexistent/credentials.json")) is None
    True
    """
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Credentials(user=str(data["user"]), password=str(data["password"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ServerError(f"unreadable credentials file ({exc}); delete it and the data directory to start afresh",
                          file=str(path)) from exc
