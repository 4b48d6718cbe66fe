"""Where the local Neo4j lives on disk.

``$GRAPHTRACE_HOME`` (default ``~/.cache/graphtrace``) holds one directory per
Neo4j version, ``neo4j-5.26.0/``, with ``lib/ conf/ data/ logs/ run/ import/``
inside, plus the Maven ``pom.xml`` and the ``credentials.json`` file.

>>> lay = Layout.for_home("/tmp/gt")
>>> str(lay.root), str(lay.lib), str(lay.credentials)
('/tmp/gt/neo4j-5.26.0', '/tmp/gt/neo4j-5.26.0/lib', '/tmp/gt/neo4j-5.26.0/credentials.json')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

NEO4J_VERSION = "5.26.0"


def default_home(env: Mapping[str, str] | None = None) -> Path:
    """``$GRAPHTRACE_HOME`` if set, else ``~/.cache/graphtrace``.

    >>> str(default_home({"GRAPHTRACE_HOME": "/srv/gt"}))
    '/srv/gt'
    """
    env = os.environ if env is None else env
    home = env.get("GRAPHTRACE_HOME")
    if home:
        return Path(home).expanduser()
    return Path("~/.cache/graphtrace").expanduser()


@dataclass(frozen=True)
class Layout:
    """The directories and files of one local Neo4j installation."""

    root: Path

    @classmethod
    def for_home(cls, home: str | Path | None = None, version: str = NEO4J_VERSION) -> "Layout":
        """The layout under ``home`` (default :func:`default_home`).

        >>> Layout.for_home("/x").run.name
        'run'
        """
        base = Path(home).expanduser() if home is not None else default_home()
        return cls(root=base / f"neo4j-{version}")

    @property
    def lib(self) -> Path:
        return self.root / "lib"

    @property
    def conf_dir(self) -> Path:
        return self.root / "conf"

    @property
    def conf_file(self) -> Path:
        return self.conf_dir / "neo4j.conf"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def import_dir(self) -> Path:
        return self.root / "import"

    @property
    def pom(self) -> Path:
        return self.root / "pom.xml"

    @property
    def assembled_marker(self) -> Path:
        return self.lib / ".assembled"

    @property
    def credentials(self) -> Path:
        return self.root / "credentials.json"

    @property
    def pid_file(self) -> Path:
        return self.run / "graphtrace-neo4j.pid"

    @property
    def mode_file(self) -> Path:
        return self.run / "graphtrace-mode"

    @property
    def console_log(self) -> Path:
        return self.logs / "console.log"

    def make_dirs(self) -> None:
        """Create every directory of the layout (idempotent).

        Everything but ``lib/`` (the public jars) is private to the owner (``0700``),
        existing directories included: the store, the logs and ``auth.ini`` are nobody else's.

        >>> import tempfile, stat
        >>> lay = Layout.for_home(tempfile.mkdtemp()); lay.make_dirs()
        >>> oct(stat.S_IMODE(lay.data.stat().st_mode)), oct(stat.S_IMODE(lay.logs.stat().st_mode))
        ('0o700', '0o700')
        """
        self.lib.mkdir(parents=True, exist_ok=True)
        for d in (self.conf_dir, self.data, self.logs, self.run, self.import_dir):
            d.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(d, 0o700)
