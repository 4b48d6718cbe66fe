"""The import table of docs/architecture.md, checked on the code: no package imports one it may not, no two
modules import each other.  Each layer may import itself and the layers listed for it (never a layer above)."""

import ast
from pathlib import Path

import graphtrace

BASE = {"model", "spantable", "errors", "gcpause"}
ENGINES = {"readers", "analysis", "store", "recipes", "localdb", "writers", "spool", "synth", "synth_faults", "render"}
ALLOWED = {  # the table in docs/architecture.md, "Imports"
    "cli": {"jobs", "http", "graphtrace"} | ENGINES | BASE, "http": {"jobs"} | ENGINES | BASE,
    "jobs": {"graphtrace"} | ENGINES | BASE, "readers": BASE, "analysis": BASE, "store": BASE, "recipes": BASE,
    "localdb": BASE, "render": set(), "synth": BASE, "synth_faults": BASE, "writers": {"readers"} | BASE,
    "spool": {"readers"} | BASE, "model": set(), "spantable": {"model"}, "errors": set(), "gcpause": set(), "graphtrace": set(),
    "__main__": {"cli"},
}
ROOT = Path(graphtrace.__file__).parent


def _imports() -> dict[str, set[str]]:
    """Module -> the graphtrace modules it imports (``from pkg import submodule`` names the submodule)."""
    found: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        parts = ("graphtrace", *path.relative_to(ROOT).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        targets = found.setdefault(name, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("graphtrace")}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("graphtrace"):
                subs = {f"{node.module}.{a.name}" for a in node.names}
                targets |= {s for s in subs if _is_module(s)} or {node.module}
    return found


def _is_module(name: str) -> bool:
    rel = ROOT.joinpath(*name.split(".")[1:])
    return rel.with_suffix(".py").exists() or (rel / "__init__.py").exists()


def _layer(module: str) -> str:
    return module.split(".")[1] if "." in module else "graphtrace"


def test_every_import_is_allowed_by_the_table():
    bad = sorted(f"{m} -> {t}" for m, ts in _imports().items() for t in ts
                 if _layer(t) != _layer(m) and _layer(t) not in ALLOWED[_layer(m)])
    assert bad == []


def test_no_two_modules_import_each_other():
    found = _imports()
    assert sorted(f"{a} <-> {b}" for a, ts in found.items() for b in ts if a < b and a in found.get(b, ())) == []
