"""Pure tests: option resolution, neo4j.conf rendering and reading, pom rendering, credentials."""

from __future__ import annotations

import stat

import pytest

from graphtrace.errors import ServerError
from graphtrace.localdb.assemble import maven_command, render_pom
from graphtrace.localdb.config import ServerOptions, configured_options, read_conf, render_conf, write_conf
from graphtrace.localdb.credentials import Credentials, load_credentials, save_credentials
from graphtrace.localdb.paths import Layout, default_home


def test_defaults_are_the_small_machine_ones():
    # brief: heap 1g, page cache 512m, Bolt 7687, HTTP 7474
    o = ServerOptions.resolve(env={})
    assert (o.bolt_port, o.http_port, o.heap, o.pagecache) == (7687, 7474, "1g", "512m")
    assert o.bolt_uri == "bolt://127.0.0.1:7687"


def test_explicit_beats_env_beats_default():
    env = {"GRAPHTRACE_NEO4J_BOLT_PORT": "7800", "GRAPHTRACE_NEO4J_HEAP": "2g", "GRAPHTRACE_NEO4J_PAGECACHE": "1g"}
    o = ServerOptions.resolve(bolt_port=7900, heap="768m", env=env)
    # bolt and heap explicit; pagecache from env; HTTP shifts with Bolt: 7474 + (7900 - 7687) = 7687
    assert (o.bolt_port, o.heap, o.pagecache, o.http_port) == (7900, "768m", "1g", 7687)


def test_explicit_http_port_is_kept():
    assert ServerOptions.resolve(bolt_port=7690, http_port=9000, env={}).http_port == 9000


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"heap": "lots"}, "heap"),
        ({"pagecache": "512 MB"}, "pagecache"),
        ({"bolt_port": 70000}, "bolt_port"),
        ({"bolt_port": 7690, "http_port": 7690}, "http_port"),
    ],
)
def test_bad_options_raise_server_error_naming_the_field(kwargs, field):
    with pytest.raises(ServerError) as info:
        ServerOptions.resolve(env={}, **kwargs)
    assert info.value.field == field


def test_bad_env_port_is_reported():
    with pytest.raises(ServerError, match="not a port number"):
        ServerOptions.resolve(env={"GRAPHTRACE_NEO4J_BOLT_PORT": "seven"})


def test_render_conf_loopback_auth_memory_and_dirs():
    lay = Layout.for_home("/srv/gt")
    conf = read_conf(render_conf(lay, ServerOptions(bolt_port=7690, http_port=7477, heap="2g", pagecache="256m")))
    root = "/srv/gt/neo4j-5.26.0"
    assert conf["server.default_listen_address"] == "127.0.0.1"
    assert conf["server.bolt.listen_address"] == "127.0.0.1:7690"
    assert conf["server.http.listen_address"] == "127.0.0.1:7477"
    assert conf["server.https.enabled"] == "false"
    assert conf["dbms.security.auth_enabled"] == "true"
    assert conf["server.memory.heap.initial_size"] == conf["server.memory.heap.max_size"] == "2g"
    assert conf["server.memory.pagecache.size"] == "256m"
    assert conf["server.directories.data"] == f"{root}/data"
    assert conf["server.directories.logs"] == f"{root}/logs"
    assert conf["server.directories.import"] == f"{root}/import"
    assert conf["server.directories.run"] == f"{root}/run"
    assert conf["dbms.usage_report.enabled"] == "false"
    # nothing listens on a non-loopback address
    addresses = [v for k, v in conf.items() if k.endswith("listen_address")]
    assert addresses and all(a.startswith("127.0.0.1") for a in addresses)


def test_written_conf_reads_back_as_the_same_options(tmp_path):
    lay = Layout.for_home(tmp_path)
    opts = ServerOptions(bolt_port=7691, http_port=7478, heap="1g", pagecache="512m")
    assert configured_options(lay) is None
    write_conf(lay, opts)
    assert configured_options(lay) == opts
    for d in ("lib", "conf", "data", "logs", "run", "import"):
        assert (tmp_path / "neo4j-5.26.0" / d).is_dir()


def test_home_from_env_or_cache_dir(monkeypatch):
    assert str(default_home({"GRAPHTRACE_HOME": "/opt/gt"})) == "/opt/gt"
    monkeypatch.setenv("HOME", "/home/someone")
    assert str(default_home({})) == "/home/someone/.cache/graphtrace"


def test_pom_names_the_three_artifacts():
    pom = render_pom("5.26.0")
    for artifact in ("<artifactId>neo4j-server</artifactId>", "<artifactId>neo4j</artifactId>",
                     "<artifactId>neo4j-import-tool</artifactId>"):
        assert artifact in pom
    assert pom.count("<version>5.26.0</version>") == 3
    cmd = maven_command("mvn", Layout.for_home("/h"), repo_local="/tmp/m2")
    assert "dependency:copy-dependencies" in cmd and "-Dmaven.repo.local=/tmp/m2" in cmd


def test_credentials_file_is_private_and_round_trips(tmp_path):
    path = tmp_path / "credentials.json"
    save_credentials(path, Credentials("neo4j", "first-password"))
    save_credentials(path, Credentials("neo4j", "second-password"))  # overwrite keeps 0600
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_credentials(path) == Credentials("neo4j", "second-password")
    assert "second-password" not in repr(load_credentials(path))


def test_corrupt_credentials_file_is_a_server_error(tmp_path):
    path = tmp_path / "credentials.json"
    path.write_text("{not json")
    with pytest.raises(ServerError) as info:
        load_credentials(path)
    assert info.value.file == str(path)
