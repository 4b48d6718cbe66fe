"""Java / Maven / Docker detection against fake executables on a fake PATH."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from graphtrace.errors import ServerError
from graphtrace.localdb import ServerOptions, start
from graphtrace.localdb.process import port_in_use
from graphtrace.localdb.tools import docker_available, find_java, find_maven, java_major
from tests.helpers import free_port


def fake_tool(bindir: Path, name: str, script: str) -> None:
    path = bindir / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize(
    "output, major",
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),  # Debian's OpenJDK 17 (this machine)
        ('openjdk version "21.0.2" 2024-01-16 LTS', 21),
        ('java version "1.8.0_392"', 8),  # pre-9 scheme: 1.<major>
        ('openjdk version "11" 2018-09-25', 11),
        ("command not found", None),
    ],
)
def test_java_major_parsing(output, major):
    assert java_major(output) == major


def test_missing_java_names_it_and_how_to_install(tmp_path):
    with pytest.raises(ServerError) as info:
        find_java({"PATH": str(tmp_path)})
    assert info.value.field == "java"
    assert "no `java` is on PATH" in info.value.message
    assert "apt-get install openjdk-17-jre-headless maven" in info.value.message


def test_old_java_is_refused_with_its_version(tmp_path):
    fake_tool(tmp_path, "java", 'echo \'openjdk version "11.0.2" 2019-01-15\' >&2')
    with pytest.raises(ServerError, match="found Java 11"):
        find_java({"PATH": str(tmp_path)})


def test_java_17_is_accepted(tmp_path):
    fake_tool(tmp_path, "java", 'echo \'openjdk version "17.0.1" 2021-10-19\' >&2')
    assert find_java({"PATH": str(tmp_path)}) == str(tmp_path / "java")


def test_missing_or_broken_maven(tmp_path):
    with pytest.raises(ServerError, match="no `mvn` is on PATH"):
        find_maven({"PATH": str(tmp_path)})
    fake_tool(tmp_path, "mvn", "exit 1")
    with pytest.raises(ServerError, match="Maven does not work"):
        find_maven({"PATH": str(tmp_path)})
    fake_tool(tmp_path, "mvn", "echo 'Apache Maven 3.8.7'")
    assert find_maven({"PATH": str(tmp_path)}) == str(tmp_path / "mvn")


def test_docker_needs_an_answering_engine(tmp_path):
    fake_tool(tmp_path, "docker", 'if [ "$1" = info ]; then echo "Cannot connect" >&2; exit 1; fi; exit 0')
    assert docker_available({"PATH": str(tmp_path)}) is False
    fake_tool(tmp_path, "docker", "exit 0")
    assert docker_available({"PATH": str(tmp_path)}) is True


def test_start_without_java_fails_before_touching_anything(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(ServerError) as info:
        start(tmp_path / "home", ServerOptions(bolt_port=free_port(), http_port=free_port()), mode="java")
    assert info.value.field == "java"
    assert not (tmp_path / "home" / "neo4j-5.26.0" / "run" / "graphtrace-neo4j.pid").exists()


def test_start_refuses_a_port_held_by_another_process(tmp_path):
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert port_in_use(port)
        with pytest.raises(ServerError) as info:
            start(tmp_path, ServerOptions(bolt_port=port, http_port=free_port()), mode="java")
    assert info.value.field == "bolt_port"
    assert f"Bolt port {port} on 127.0.0.1 is already in use by another process" in info.value.message


def test_unknown_mode_is_refused(tmp_path):
    with pytest.raises(ServerError, match="unknown mode"):
        start(tmp_path, mode="podman")

