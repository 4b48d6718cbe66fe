"""`db start --mode docker` after a plain `pip install`: the wheel carries docker-compose.yml and localdb finds it.

The repository's top-level docker-compose.yml is the one source; pyproject.toml force-includes it
into the wheel as graphtrace/localdb/docker-compose.yml.  This builds the wheel the way a user's
pip does (`pip wheel --no-deps`), unpacks it as site-packages would hold it, and asks localdb,
in a fresh interpreter that imports graphtrace from there, where the compose file is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INSIDE = "graphtrace/localdb/docker-compose.yml"


def test_wheel_carries_the_compose_file_and_localdb_finds_it(tmp_path: Path) -> None:
    out = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
                   check=True, capture_output=True, text=True, timeout=300)
    (wheel,) = out.glob("graphtrace-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        assert INSIDE in z.namelist()
        assert z.read(INSIDE) == (REPO / "docker-compose.yml").read_bytes()  # the same file, not a copy
        z.extractall(site)
    env = {k: v for k, v in os.environ.items() if k not in ("GRAPHTRACE_COMPOSE_FILE", "PYTHONPATH")}
    env["PYTHONPATH"] = str(site)
    probe = ("import graphtrace; from graphtrace.localdb.docker import compose_file; "
             "print(graphtrace.__file__); print(compose_file())")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, check=True,
                          capture_output=True, text=True, timeout=120)
    package_file, found = done.stdout.split()
    assert Path(package_file).is_relative_to(site)  # the unpacked wheel, not the repository
    assert Path(found) == site / INSIDE
    assert Path(found).read_bytes() == (REPO / "docker-compose.yml").read_bytes()


def test_a_clone_finds_the_top_level_file() -> None:
    from graphtrace.localdb.docker import compose_file

    assert compose_file({}) == REPO / "docker-compose.yml"
