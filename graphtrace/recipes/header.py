"""Parse a ``.cypher`` recipe file: its ``//`` header block and its Cypher body.

The header is the block of ``//`` lines at the top of the file, one
``key: value`` per line.  The header ends at the first line that is not a
``//`` comment, at an empty ``//`` line, or at a ``//`` comment that does not
start with ``word:``; comments after it belong to the body.  An unknown
``word:`` key inside the header is an error::

    // name: slow-edges
    // question: Which service-to-service edges are recurrently slow?
    // param: limit int = 20 -- rows to return          (no "= default": required)
    // param: order_by string = 'p95_ns' one of p50_ns|p95_ns|calls -- sort key   (allowed values)
    // column: caller string -- calling service
    // agrees-with: edge_stats -- graphtrace.analysis.edges.edge_stats   (or: none)
    // mode: read                                        (or: maintenance)
    // example: -p limit 5
    // needs: remote-calls when kind is edge             (optional; see recipes/emptiness.py)
    // rollup: slow-edges-rollup                       (optional: the twin answering from the rollups)

``needs`` lists what the data must hold for the recipe to find anything, so that an
empty answer can say why (:mod:`graphtrace.recipes.emptiness`): for now
``remote-calls`` (any ``REMOTE_CALL``), optionally only ``when PARAM is VALUE``;
items are comma-separated.  (A recipe with a ``trace_id`` parameter needs that
trace without saying so.)

Everything after the header is the body, run as-is.  A malformed header
raises :class:`~graphtrace.errors.RecipeError` naming the file and line.

>>> r = parse_recipe('''// name: demo
... // question: How many spans?
... // param: trace_id string -- the trace
... // param: limit int = 5 -- rows
... // column: n int -- span count
... // agrees-with: none
... // mode: read
... MATCH (s:Span {trace_id: $trace_id}) RETURN count(s) AS n LIMIT $limit
... ''', path="demo.cypher")
>>> r.name, [(p.name, p.type, p.default, p.required) for p in r.params], r.agrees_with
('demo', [('trace_id', 'string', None, True), ('limit', 'int', 5, False)], None)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from graphtrace.errors import RecipeError
from graphtrace.recipes.values import PARAM_TYPES, ValueProblem, convert, parse_literal

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_TYPE = r"list<\w+>|\w+"
_LITERAL = r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\[[^\]]*\]|[^\s]+"""
_CHOICES = r"[A-Za-z0-9_.-]+(?:\|[A-Za-z0-9_.-]+)*"
_PARAM = re.compile(
    rf"^(?P<name>{_IDENT})\s+(?P<type>{_TYPE})"
    rf"(?:\s*=\s*(?P<default>{_LITERAL}))?(?:\s+one of\s+(?P<choices>{_CHOICES}))?"
    rf"\s*(?:--\s*(?P<desc>.*))?$"
)
_COLUMN = re.compile(rf"^(?P<name>{_IDENT})\s+(?P<type>{_TYPE})\s*(?:--\s*(?P<desc>.*))?$")
_KEY_LINE = re.compile(r"^[A-Za-z][A-Za-z-]*\s*:")
_SINGLE_KEYS = ("name", "question", "agrees-with", "mode", "example", "needs", "show", "rollup")
_KEYS = (*_SINGLE_KEYS, "param", "column")


class Param(BaseModel):
    """A declared parameter; ``required`` when the header gives no ``= default``."""

    name: str
    type: str
    default: Any = None
    required: bool = False
    description: str = ""
    choices: list[str] | None = None


NEEDS = ("remote-calls",)
_NEED = re.compile(rf"^(?P<need>[a-z-]+)(?:\s+when\s+(?P<param>{_IDENT})\s+is\s+(?P<value>\S+))?$")


class Need(BaseModel):
    """One ``needs:`` item: what the data must hold (one of :data:`NEEDS`), perhaps only
    when parameter ``when_param`` has the value ``when_value``."""

    name: str
    when_param: str | None = None
    when_value: str | None = None


class Column(BaseModel):
    """A declared result column."""

    name: str
    type: str
    description: str = ""


class Recipe(BaseModel):
    """One parsed recipe file."""

    name: str
    question: str
    params: list[Param] = Field(default_factory=list)
    columns: list[Column] = Field(default_factory=list)
    agrees_with: str | None = None
    agrees_with_note: str = ""
    mode: Literal["read", "maintenance"] = "read"
    example: str = ""
    needs: list[Need] = Field(default_factory=list)
    show: str = ""  # display hints, parsed by graphtrace.recipes.display
    rollup: str | None = None  # the recipe answering the same from the per-minute rollups (docs/rollups.md)
    header: str = ""
    body: str
    path: str = ""

    def param(self, name: str) -> Param | None:
        """The declared parameter called ``name``, or None."""
        return next((p for p in self.params if p.name == name), None)


def _split_note(value: str) -> tuple[str, str]:
    head, sep, note = value.partition(" -- ")
    if not sep and value.startswith("-- "):
        return "", value[3:].strip()
    return head.strip(), note.strip()


def _parse_param(value: str, *, file: str, line: int) -> Param:
    m = _PARAM.match(value)
    where = {"file": file, "record": f"line {line}", "field": "param"}
    if not m:
        raise RecipeError(f"cannot read parameter {value!r}; expected 'NAME TYPE [= DEFAULT] [one of A|B] -- description'",
                          **where)
    ptype = m.group("type")
    if ptype not in PARAM_TYPES:
        raise RecipeError(f"unknown type {ptype!r} for parameter {m.group('name')}; "
                          f"types are {', '.join(PARAM_TYPES)}", **where)
    raw = m.group("default")
    default = None
    try:
        if raw is not None:
            literal = parse_literal(raw)
            if isinstance(literal, str) and ptype in ("int", "float", "bool"):
                raise ValueProblem(f"expected {ptype}, got the string {raw}")
            default = convert(literal, ptype)
    except ValueProblem as exc:
        raise RecipeError(f"default of {m.group('name')}: {exc}", **where) from exc
    choices = m.group("choices").split("|") if m.group("choices") else None
    if choices is not None and ptype != "string":
        raise RecipeError(f"'one of' needs a string parameter; {m.group('name')} is {ptype}", **where)
    if choices is not None and default is not None and default not in choices:
        raise RecipeError(f"default of {m.group('name')}: {default!r} is not one of {', '.join(choices)}", **where)
    return Param(name=m.group("name"), type=ptype, default=default, required=raw is None,
                 description=(m.group("desc") or "").strip(), choices=choices)


def _parse_column(value: str, *, file: str, line: int) -> Column:
    m = _COLUMN.match(value)
    if not m:
        raise RecipeError(f"cannot read column {value!r}; expected 'NAME TYPE -- description'",
                          file=file, record=f"line {line}", field="column")
    return Column(name=m.group("name"), type=m.group("type"), description=(m.group("desc") or "").strip())


def _header_lines(text: str) -> tuple[list[tuple[int, str]], int]:
    """The header's (line number, content after //) pairs, and the index of the first body line."""
    lines = text.splitlines()
    out: list[tuple[int, str]] = []
    index = 0
    for index, raw in enumerate(lines):
        stripped = raw.strip()
        content = stripped[2:].strip()
        if not stripped.startswith("//") or not _KEY_LINE.match(content):
            break
        out.append((index + 1, content))
    else:
        index = len(lines)
    return out, index


def _fields(lines: list[tuple[int, str]], file: str) -> tuple[dict[str, tuple[int, str]], list[Param], list[Column]]:
    single: dict[str, tuple[int, str]] = {}
    params: list[Param] = []
    columns: list[Column] = []
    for number, content in lines:
        key, sep, value = content.partition(":")
        key, value = key.strip().lower(), value.strip()
        if not sep or key not in _KEYS:
            raise RecipeError(f"unknown header line {content!r}; keys are {', '.join(_KEYS)}",
                              file=file, record=f"line {number}")
        if key == "param":
            params.append(_parse_param(value, file=file, line=number))
        elif key == "column":
            columns.append(_parse_column(value, file=file, line=number))
        elif key in single:
            raise RecipeError(f"{key} given twice (first on line {single[key][0]})",
                              file=file, record=f"line {number}", field=key)
        else:
            single[key] = (number, value)
    return single, params, columns


def _parse_needs(value: str, params: list[Param], *, file: str, line: int) -> list[Need]:
    """The items of a ``needs:`` line; each names a known need and, after ``when``, a declared parameter.

    >>> _parse_needs("remote-calls when kind is edge", [Param(name="kind", type="string")], file="f", line=1)[0]
    Need(name='remote-calls', when_param='kind', when_value='edge')
    """
    out = []
    declared = {p.name for p in params}
    for item in (part.strip() for part in value.split(",")):
        m = _NEED.match(item)
        where = {"file": file, "record": f"line {line}", "field": "needs"}
        if not m or m.group("need") not in NEEDS:
            raise RecipeError(f"cannot read need {item!r}; expected one of {', '.join(NEEDS)} "
                              "[when PARAM is VALUE]", **where)
        if m.group("param") is not None and m.group("param") not in declared:
            raise RecipeError(f"need {item!r} names an undeclared parameter {m.group('param')!r}", **where)
        out.append(Need(name=m.group("need"), when_param=m.group("param"), when_value=m.group("value")))
    return out


def _duplicates(names: list[str]) -> list[str]:
    return sorted({n for n in names if names.count(n) > 1})


def parse_recipe(text: str, *, path: str | Path = "<recipe>") -> Recipe:
    """Parse a recipe's text; ``path`` is used in error messages and as ``Recipe.path``."""
    file = str(path)
    lines, body_start = _header_lines(text)
    single, params, columns = _fields(lines, file)
    for key in ("name", "question"):
        if not single.get(key, (0, ""))[1]:
            raise RecipeError(f"the header has no '// {key}:' line", file=file, record="header", field=key)
    name_line, name = single["name"]
    if not _NAME.match(name):
        raise RecipeError(f"recipe name {name!r} must be lowercase letters, digits, '-' or '_'",
                          file=file, record=f"line {name_line}", field="name")
    stem = Path(file).stem
    if file != "<recipe>" and stem != name:
        raise RecipeError(f"recipe name {name!r} differs from the file name {stem!r}",
                          file=file, record=f"line {name_line}", field="name")
    mode_line, mode_text = single.get("mode", (0, "read"))
    mode = _split_note(mode_text)[0].split()[0] if mode_text.strip() else ""
    if mode not in ("read", "maintenance"):
        raise RecipeError(f"mode must be 'read' or 'maintenance', not {mode_text!r}",
                          file=file, record=f"line {mode_line}", field="mode")
    for kind, names in (("parameter", [p.name for p in params]), ("column", [c.name for c in columns])):
        if dup := _duplicates(names):
            raise RecipeError(f"{kind} declared twice: {', '.join(dup)}", file=file, record="header")
    agrees, note = _split_note(single.get("agrees-with", (0, "none"))[1])
    needs_line, needs_text = single.get("needs", (0, ""))
    needs = _parse_needs(needs_text, params, file=file, line=needs_line) if needs_text.strip() else []
    body = "\n".join(text.splitlines()[body_start:]).strip("\n")
    if not body.strip():
        raise RecipeError("the recipe has a header but no Cypher body", file=file, record="body")
    return Recipe(
        name=name, question=single["question"][1], params=params, columns=columns,
        agrees_with=None if agrees.lower() in ("", "none") else agrees, agrees_with_note=note,
        mode=mode, example=single.get("example", (0, ""))[1], needs=needs,
        show=single.get("show", (0, ""))[1], rollup=_split_note(single.get("rollup", (0, ""))[1])[0] or None,
        header="\n".join(text.splitlines()[:body_start]), body=body + "\n", path=file,
    )

