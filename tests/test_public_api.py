"""The README's "As a library" block runs as written: in memory, then against a real Neo4j."""

import os
import re
import subprocess
import sys
from pathlib import Path

import graphtrace

ROOT = Path(__file__).resolve().parents[1]


def _readme_block() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"## As a library\n\n```python\n(.*?)```", text, re.S).group(1).splitlines()


def test_the_public_names():
    assert sorted(graphtrace.__all__) == ["analyze_trace", "check", "load", "read_traces", "run_recipe"]
    assert all(callable(getattr(graphtrace, name)) for name in graphtrace.__all__)


def test_import_graphtrace_loads_no_engine():
    code = "import sys, graphtrace; print(sorted(m for m in sys.modules if m.startswith('graphtrace')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['graphtrace']"


def test_python_dash_m_is_the_cli():
    out = subprocess.run([sys.executable, "-m", "graphtrace", "recipe", "list"], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert "critical-path" in out and "slow-edges" in out


def test_the_readme_block_in_memory(capsys):
    lines = _readme_block()
    os.chdir(ROOT)
    exec("\n".join(lines[:3]), {})
    # the example's bottleneck is the AddItem client span (README "Quick start"; tests/test_example_seed.py)
    assert capsys.readouterr().out == "grpc.oteldemo.CartService/AddItem\n"


def test_the_readme_block_on_neo4j(clean_db, neo4j_settings, monkeypatch, capsys):
    monkeypatch.setenv("NEO4J_URI", neo4j_settings.uri)
    monkeypatch.setenv("NEO4J_USER", neo4j_settings.user)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_settings.password.get_secret_value())
    monkeypatch.setenv("NEO4J_DATABASE", neo4j_settings.database)
    monkeypatch.chdir(ROOT)
    names = {}
    exec("\n".join(_readme_block()), names)
    # the root span starts the trace, so its own section comes first on the critical path (ordered by start);
    # and the stored trace agrees with the in-memory engine
    root = next(s for s in names["trace"].spans if s.parent_span_id is None)
    assert capsys.readouterr().out.splitlines() == ["grpc.oteldemo.CartService/AddItem", f"{root.name} True"]
