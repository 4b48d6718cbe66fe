"""Server options (ports, memory) and the ``neo4j.conf`` they render to.

Options come from explicit values, else the environment
(``GRAPHTRACE_NEO4J_BOLT_PORT``, ``GRAPHTRACE_NEO4J_HTTP_PORT``,
``GRAPHTRACE_NEO4J_HEAP``, ``GRAPHTRACE_NEO4J_PAGECACHE``), else small-machine
defaults: Bolt 7687, HTTP 7474, heap 1g, page cache 512m.  The server listens
on 127.0.0.1 only, with authentication on.

>>> ServerOptions.resolve(bolt_port=7690, env={}).bolt_uri
'bolt://127.0.0.1:7690'
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from string import Template

from graphtrace.errors import ServerError
from graphtrace.localdb.paths import Layout

DEFAULT_BOLT_PORT = 7687
DEFAULT_HTTP_PORT = 7474
DEFAULT_HEAP = "1g"
DEFAULT_PAGECACHE = "512m"
_MEMORY = re.compile(r"^[1-9][0-9]*[kKmMgG]?$")


def template_text(name: str) -> str:
    """The text of a template shipped in ``graphtrace/localdb/templates``.

    >>> "neo4j-server" in template_text("pom.xml.tmpl")
    True
    """
    return resources.files("graphtrace.localdb").joinpath("templates", name).read_text(encoding="utf-8")


def _port(value: object, field: str) -> int:
    try:
        port = int(str(value))
    except ValueError:
        raise ServerError(f"not a port number: {value!r}", field=field) from None
    if not 1 <= port <= 65535:
        raise ServerError(f"port out of range 1..65535: {port}", field=field)
    return port


def _memory(value: str, field: str) -> str:
    if not _MEMORY.match(value):
        raise ServerError(f"not a memory size like 512m or 1g: {value!r}", field=field)
    return value.lower()


@dataclass(frozen=True)
class ServerOptions:
    """Ports and memory of the local server."""

    bolt_port: int = DEFAULT_BOLT_PORT
    http_port: int = DEFAULT_HTTP_PORT
    heap: str = DEFAULT_HEAP
    pagecache: str = DEFAULT_PAGECACHE

    @classmethod
    def resolve(
        cls,
        *,
        bolt_port: int | None = None,
        http_port: int | None = None,
        heap: str | None = None,
        pagecache: str | None = None,
        env: Mapping[str, str] | None = None,
        recorded: "ServerOptions | None" = None,
    ) -> "ServerOptions":
        """Explicit values win, then the environment, then ``recorded``, then the defaults.

        ``recorded`` is what an earlier ``db start`` wrote into ``neo4j.conf``
        (:func:`configured_options`), so a later ``db start`` without options keeps the
        ports and memory chosen the first time.  Without an explicit, environment or
        recorded HTTP port, a non-default Bolt port moves HTTP along with it
        (Bolt 7690 -> HTTP 7477) so two servers can coexist.

        >>> o = ServerOptions.resolve(env={"GRAPHTRACE_NEO4J_HEAP": "2G", "GRAPHTRACE_NEO4J_BOLT_PORT": "7690"})
        >>> o.heap, o.pagecache, o.bolt_port, o.http_port
        ('2g', '512m', 7690, 7477)
        >>> ServerOptions.resolve(env={}, recorded=ServerOptions(7801, 7700, "2g", "256m"))
        ServerOptions(bolt_port=7801, http_port=7700, heap='2g', pagecache='256m')
        """
        env = os.environ if env is None else env
        base = recorded or cls()
        bolt = _port(bolt_port or env.get("GRAPHTRACE_NEO4J_BOLT_PORT") or base.bolt_port, "bolt_port")
        http_default = DEFAULT_HTTP_PORT + (bolt - DEFAULT_BOLT_PORT) if bolt != DEFAULT_BOLT_PORT else DEFAULT_HTTP_PORT
        if not 1 <= http_default <= 65535:
            http_default = DEFAULT_HTTP_PORT
        if recorded is not None and bolt == recorded.bolt_port:
            http_default = recorded.http_port
        http = _port(http_port or env.get("GRAPHTRACE_NEO4J_HTTP_PORT") or http_default, "http_port")
        if http == bolt:
            raise ServerError(f"Bolt and HTTP ports must differ (both {bolt})", field="http_port")
        return cls(
            bolt_port=bolt,
            http_port=http,
            heap=_memory(heap or env.get("GRAPHTRACE_NEO4J_HEAP") or base.heap, "heap"),
            pagecache=_memory(pagecache or env.get("GRAPHTRACE_NEO4J_PAGECACHE") or base.pagecache, "pagecache"),
        )

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"


def render_conf(layout: Layout, options: ServerOptions) -> str:
    """The ``neo4j.conf`` text for ``layout`` and ``options``.

    >>> text = render_conf(Layout.for_home("/h"), ServerOptions(bolt_port=7690, http_port=7477))
    >>> "server.bolt.listen_address=127.0.0.1:7690" in text.splitlines()
    True
    >>> "server.directories.data=/h/neo4j-5.26.0/data" in text.splitlines()
    True
    """
    return Template(template_text("neo4j.conf.tmpl")).substitute(
        bolt_port=options.bolt_port,
        http_port=options.http_port,
        heap=options.heap,
        pagecache=options.pagecache,
        data_dir=layout.data,
        logs_dir=layout.logs,
        import_dir=layout.import_dir,
        run_dir=layout.run,
    )


def write_conf(layout: Layout, options: ServerOptions) -> None:
    """Write ``conf/neo4j.conf`` for ``options`` (creating the directories)."""
    layout.make_dirs()
    layout.conf_file.write_text(render_conf(layout, options), encoding="utf-8")


def read_conf(text: str) -> dict[str, str]:
    """Parse ``key=value`` lines (comments and blanks ignored).

    >>> read_conf("# c\\nserver.bolt.listen_address=127.0.0.1:7690\\n\\n")
    {'server.bolt.listen_address': '127.0.0.1:7690'}
    """
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        out[key.strip()] = value.strip()
    return out


def configured_options(layout: Layout) -> ServerOptions | None:
    """The options recorded in an existing ``neo4j.conf``, or None when there is none.

    >>> configured_options(Layout.for_home("/nonexistent-graphtrace-home")) is None
    True
    """
    if not layout.conf_file.is_file():
        return None
    conf = read_conf(layout.conf_file.read_text(encoding="utf-8"))

    def port_of(key: str, default: int) -> int:
        addr = conf.get(key, "")
        return _port(addr.rsplit(":", 1)[1], key) if ":" in addr else default

    return ServerOptions(
        bolt_port=port_of("server.bolt.listen_address", DEFAULT_BOLT_PORT),
        http_port=port_of("server.http.listen_address", DEFAULT_HTTP_PORT),
        heap=conf.get("server.memory.heap.max_size", DEFAULT_HEAP),
        pagecache=conf.get("server.memory.pagecache.size", DEFAULT_PAGECACHE),
    )
