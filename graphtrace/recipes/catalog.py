"""Find recipe directories, load every ``.cypher`` file, and let later directories override by name.

Search order (later wins on a name clash):

1. the built-in recipes: ``graphtrace/_cypher`` inside an installed wheel, else
   the repository's ``cypher/`` directory next to the package;
2. the directories in ``GRAPHTRACE_RECIPES`` (``os.pathsep``-separated);
3. directories given explicitly (the CLI's ``--recipes DIR``).

>>> names = [r.name for r in load_catalog(env={}).values()]
>>> "call-tree" in names and names == sorted(names)
True
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from graphtrace.errors import RecipeError
from graphtrace.recipes.header import Recipe, parse_recipe
from graphtrace.recipes.params import check_declarations

ENV_VAR = "GRAPHTRACE_RECIPES"
_PACKAGE_DIR = Path(__file__).resolve().parents[1]


def load_recipe(path: str | Path) -> Recipe:
    """Read and parse one recipe file, and check its ``$names`` against its declared parameters.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "one.cypher")
    >>> _ = open(p, "w").write("// name: one\\n// question: One?\\nRETURN 1 AS one\\n")
    >>> load_recipe(p).body
    'RETURN 1 AS one\\n'
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecipeError(f"cannot read recipe: {exc}", file=str(file)) from exc
    recipe = parse_recipe(text, path=file)
    check_declarations(recipe)
    return recipe


def builtin_dir() -> Path:
    """The directory holding the built-in recipes (wheel ``_cypher`` or the repo's ``cypher/``).

    >>> builtin_dir().name in ("_cypher", "cypher")
    True
    """
    packaged = _PACKAGE_DIR / "_cypher"
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent / "cypher"


def recipe_dirs(extra: Sequence[str | Path] = (), *, env: Mapping[str, str] | None = None) -> list[Path]:
    """Directories to load, built-in first; user directories must exist.

    >>> recipe_dirs(env={})[0] == builtin_dir()
    True
    """
    env = os.environ if env is None else env
    dirs = [builtin_dir()]
    user = [p for p in env.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
    for raw in [*user, *extra]:
        path = Path(raw).expanduser()
        if not path.is_dir():
            source = ENV_VAR if str(raw) in user else "--recipes"
            raise RecipeError(f"recipe directory {path} does not exist (from {source})", file=str(path))
        dirs.append(path)
    return dirs


def load_catalog(extra: Sequence[str | Path] = (), *, env: Mapping[str, str] | None = None) -> dict[str, Recipe]:
    """All recipes by name, sorted by name; a later directory's recipe replaces a built-in of the same name."""
    found: dict[str, Recipe] = {}
    for directory in recipe_dirs(extra, env=env):
        for path in sorted(directory.glob("*.cypher")):
            recipe = load_recipe(path)
            found[recipe.name] = recipe
    return dict(sorted(found.items()))


def get_recipe(name: str, extra: Sequence[str | Path] = (), *, env: Mapping[str, str] | None = None) -> Recipe:
    """One recipe by name; an unknown name raises ``RecipeError`` listing the known ones.

    >>> get_recipe("no-such-recipe", env={})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    graphtrace.errors.RecipeError: unknown recipe 'no-such-recipe'; known recipes: ...
    """
    catalog = load_catalog(extra, env=env)
    if name not in catalog:
        raise RecipeError(f"unknown recipe {name!r}; known recipes: {', '.join(catalog) or 'none'}")
    return catalog[name]
