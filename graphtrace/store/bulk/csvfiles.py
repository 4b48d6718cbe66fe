"""Typed neo4j-admin CSV files: one file per header, values encoded so the import equals the driver's.

Nodes of one label set and one property signature (names and types) share a
file; its header is ``:ID(<space>)`` then ``name:type`` columns
(``string long double boolean`` and their ``[]`` arrays).  Relationships are
grouped the same way (``:START_ID(<space>) :END_ID(<space>)``).

Encoding (checked against neo4j-admin 5.26): strings are always quoted, so
``""`` is the empty string, while an unquoted empty field is an absent
property (:data:`ABSENT`); quotes double, newlines are allowed
(``--multiline-fields``, only for the files that need it); arrays are joined
with :data:`ARRAY_DELIMITER`.  Two values cannot be written that way: an
array whose elements contain the delimiter, and the one-element array
``[""]``.  They are left absent in the CSV and returned as *fix-ups*, set
through the driver after the import.

>>> cell(True), cell(3), cell(float("nan")), cell(["a", "b"]) == "a" + ARRAY_DELIMITER + "b"
('true', 3, 'NaN', True)
>>> neo4j_type([1.5, 2.0]), neo4j_type("x")
('double[]', 'string')
"""

from __future__ import annotations

import csv
import math
import operator
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from graphtrace.errors import InputError
from graphtrace.store.codec import INT64_MAX, INT64_MIN

ARRAY_DELIMITER = "\x1f"  # ASCII unit separator: never in ids, names or JSON text in practice
MAX_OPEN_FILES = 200


class _Absent:
    """An unquoted empty field (csv's QUOTE_NONNUMERIC leaves "numbers" unquoted): no property."""

    def __float__(self) -> float:
        return 0.0

    def __str__(self) -> str:
        return ""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


class Unwritable(ValueError):
    """A value CSV cannot carry (see the module docstring); it becomes a fix-up."""


_SCALAR_TYPES = {str: "string", int: "long", float: "double", bool: "boolean"}


def neo4j_type(value: Any) -> str:
    """The neo4j-admin header type of a property value (lists are homogeneous, see ``codec.property_value``)."""
    found = _SCALAR_TYPES.get(type(value))
    if found is not None:
        return found
    if isinstance(value, list):
        return (neo4j_type(value[0]) if value else "string") + "[]"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise OverflowError(f"{value} does not fit Neo4j's 64-bit integers")
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    return value


def cell(value: Any) -> Any:
    """The CSV field for ``value``: numbers unquoted, everything else a (quoted) string.

    Raises ``OverflowError`` for integers beyond 64 bits and :class:`Unwritable` for arrays
    CSV cannot carry.

    >>> cell(None) is ABSENT, cell(""), cell(1e16)
    (True, '', 1e+16)
    """
    kind = type(value)
    if kind is str:
        return value
    if kind is int and INT64_MIN <= value <= INT64_MAX:
        return value
    if value is None:
        return ABSENT
    if isinstance(value, list):
        items = [_scalar_text(v) for v in value]
        if not items or items == [""] or any(ARRAY_DELIMITER in v for v in items):
            raise Unwritable("array not expressible in CSV")
        return ARRAY_DELIMITER.join(items)
    text = _scalar_text(value)
    if kind is float and math.isfinite(value):
        return value
    return text


def encode_row(props: dict[str, Any], columns: tuple[tuple[str, str], ...]) -> tuple[list[Any], dict[str, Any]]:
    """Cells for ``columns`` and the fix-ups (properties left absent because CSV cannot carry them).

    Raises ``InputError`` (naming the property) for an integer beyond 64 bits.

    >>> cells, fixups = encode_row({"a": 1, "b": [""]}, (("a", "long"), ("b", "string[]")))
    >>> cells[0], cells[1] is ABSENT, fixups
    (1, True, {'b': ['']})
    """
    cells, fixups = [], {}
    for name, _ in columns:
        try:
            cells.append(cell(props[name]))
        except Unwritable:
            cells.append(ABSENT)
            fixups[name] = props[name]
        except OverflowError as exc:
            raise InputError(str(exc), field=name) from exc
    return cells, fixups


_SIGNATURES: dict[tuple, tuple[tuple[str, str], ...]] = {}


def signature(props: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The sorted ``(name, type)`` pairs of the present (non-null) properties.

    >>> signature({"b": 1, "a": ["x"], "c": None})
    (('a', 'string[]'), ('b', 'long'))
    """
    types = tuple(map(type, props.values()))
    if list in types:  # the element type matters: not cached
        return tuple((k, neo4j_type(props[k])) for k in sorted(props) if props[k] is not None)
    key = (tuple(props), types)
    found = _SIGNATURES.get(key)
    if found is None:
        if len(_SIGNATURES) > 50_000:
            _SIGNATURES.clear()
        found = _SIGNATURES[key] = tuple(
            (k, neo4j_type(props[k])) for k in sorted(props) if props[k] is not None)
    return found


_PLANS: dict[tuple, tuple[tuple[tuple[str, str], ...], Any, tuple[int, ...]]] = {}


def _plan(props: dict[str, Any]) -> tuple[tuple[tuple[str, str], ...], Any, tuple[int, ...]]:
    """Columns, a getter of their values, and the positions whose values :func:`cell` must convert."""
    columns = signature(props)
    names = [name for name, _ in columns]
    if len(names) == 1:
        only = names[0]
        getter: Any = lambda p: (p[only],)  # noqa: E731
    else:
        getter = operator.itemgetter(*names) if names else (lambda p: ())
    special = tuple(i for i, name in enumerate(names) if type(props[name]) is not str)
    return columns, getter, special


def encode(props: dict[str, Any]) -> tuple[tuple[tuple[str, str], ...], list[Any], dict[str, Any]]:
    """``(columns, cells, fixups)`` of one row: :func:`signature` then :func:`encode_row`, faster.

    Rows of the same property names and value types share a cached plan (strings are taken as
    they are); a row with a list goes the general way (list element types vary).

    >>> encode({"a": "x", "b": 2, "c": None, "d": True})
    ((('a', 'string'), ('b', 'long'), ('d', 'boolean')), ['x', 2, 'true'], {})
    >>> encode({"s": [""]})[1:]
    ([ABSENT], {'s': ['']})
    """
    if not props:
        return (), [], {}
    types = tuple(map(type, props.values()))
    if list in types:
        columns = signature(props)
        cells, fixups = encode_row(props, columns)
        return columns, cells, fixups
    key = (tuple(props), types)
    plan = _PLANS.get(key)
    if plan is None:
        if len(_PLANS) > 50_000:
            _PLANS.clear()
        plan = _PLANS[key] = _plan(props)
    columns, getter, special = plan
    cells = list(getter(props))
    for i in special:
        try:
            cells[i] = cell(cells[i])
        except OverflowError as exc:
            raise InputError(str(exc), field=columns[i][0]) from exc
    return columns, cells, {}


def _has_line_break(path: Path, rows: int) -> bool:
    """Whether a written file has a line break inside a field: more ``\\n`` than rows, or any ``\\r``.

    Read as bytes: in UTF-8 these two bytes only ever stand for themselves.
    """
    lines = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            if b"\r" in chunk:
                return True
            lines += chunk.count(b"\n")
    return lines != rows + 1


@dataclass(eq=False)
class CsvGroup:
    """One CSV file: its header, how many rows it has, the rows not yet written."""

    path: Path
    header: list[str]
    rows: int = 0
    buffer: list[list[Any]] = field(default_factory=list, repr=False)
    started: bool = False  # header written


@dataclass
class CsvSet:
    """The files of one import; rows go to the file of their label set (or type) and signature.

    Rows are buffered per file until :meth:`flush` (once per trace), then written with
    ``writerows``; :meth:`discard` drops the buffered rows instead.  A file is created (with
    its header) by the first flush that writes to it.
    """

    directory: Path
    nodes: dict[tuple, CsvGroup] = field(default_factory=dict)
    relationships: dict[tuple, CsvGroup] = field(default_factory=dict)
    multiline: list[Path] = field(default_factory=list)
    parts: list[CsvSet] = field(default_factory=list)  # the sets of other writers, imported together
    _open: OrderedDict = field(default_factory=OrderedDict)
    _dirty: list[CsvGroup] = field(default_factory=list)

    def node(self, labels: tuple[str, ...], space: str, node_id: str, columns: tuple, cells: list[Any]) -> None:
        """Add one node row (``cells`` from :func:`encode_row` over ``columns``)."""
        group = self.nodes.get((labels, space, columns))
        if group is None:
            header = [f":ID({space})"] + [f"{n}:{t}" for n, t in columns]
            group = self.nodes[(labels, space, columns)] = self._new("nodes", "_".join(labels), header)
        if not group.buffer:
            self._dirty.append(group)
        group.buffer.append([node_id, *cells])

    def relationship(self, rel_type: str, start: tuple[str, str], end: tuple[str, str],
                     columns: tuple, cells: list[Any]) -> None:
        """Add one relationship row from ``start = (space, id)`` to ``end``."""
        key = (rel_type, start[0], end[0], columns)
        group = self.relationships.get(key)
        if group is None:
            header = [f":START_ID({start[0]})", f":END_ID({end[0]})"] + [f"{n}:{t}" for n, t in columns]
            group = self.relationships[key] = self._new("rels", rel_type, header)
        if not group.buffer:
            self._dirty.append(group)
        group.buffer.append([start[1], end[1], *cells])

    def _new(self, kind: str, name: str, header: list[str]) -> CsvGroup:
        return CsvGroup(self.directory / f"{kind}-{name}-{len(self.nodes) + len(self.relationships)}.csv", header)

    def discard(self) -> None:
        """Drop the buffered rows (of a trace refused half-way)."""
        for group in self._dirty:
            group.buffer.clear()
        self._dirty.clear()

    def _writer(self, group: CsvGroup) -> Any:
        entry = self._open.get(group.path)
        if entry is None:
            if len(self._open) >= MAX_OPEN_FILES:
                self._open.popitem(last=False)[1][0].close()
            handle: IO[str] = open(group.path, "a", encoding="utf-8", newline="")
            entry = self._open[group.path] = (handle, csv.writer(
                handle, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n"))
        self._open.move_to_end(group.path)
        return entry[1]

    def flush(self) -> None:
        """Write the buffered rows."""
        for group in self._dirty:
            writer = self._writer(group)
            if not group.started:
                writer.writerow(group.header)
                group.started = True
            writer.writerows(group.buffer)
            group.rows += len(group.buffer)
            group.buffer.clear()
        self._dirty.clear()

    def close(self) -> None:
        """Write what is buffered, close every file, note the files with line breaks inside fields."""
        self.flush()
        while self._open:
            self._open.popitem(last=False)[1][0].close()
        self.multiline = [g.path for g in self._groups() if _has_line_break(g.path, g.rows)]

    def _groups(self) -> list[CsvGroup]:
        """The groups with a file (every group that got rows)."""
        return [g for g in (*self.nodes.values(), *self.relationships.values()) if g.started]

    def import_args(self) -> list[str]:
        """The ``--nodes`` / ``--relationships`` / ``--multiline-fields`` arguments of neo4j-admin.

        One argument per file (each has its own header), of this set and its ``parts``.
        """
        sets = [self, *self.parts]
        args = [f"--nodes={':'.join(key[0])}={g.path}" for s in sets for key, g in s.nodes.items() if g.started]
        args += [f"--relationships={key[0]}={g.path}" for s in sets for key, g in s.relationships.items()
                 if g.started]
        multiline = [path for s in sets for path in s.multiline]
        if multiline:
            args += ["--multiline-fields-format=v2", f"--multiline-fields={','.join(map(str, multiline))}"]
        return args
