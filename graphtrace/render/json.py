"""The stable JSON document of ``graphtrace analyze --format json``.

Input is ``AnalysisOutput.model_dump(mode="json")``:
``{"traces": [...], "warnings": [...], "skipped": [...]}``.  Keys keep the
order of the dump (the schema's field order); see ``docs/json-schema.md``.

>>> render_json({"traces": [], "warnings": [], "skipped": []}, indent=False)
'{"traces":[],"warnings":[],"skipped":[]}'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson


def render_json(output: Mapping[str, Any], *, indent: bool = True) -> str:
    """``output`` as JSON text (2-space indent unless ``indent=False``), ending with a newline when indented.

    Non-finite floats become ``null``; anything orjson cannot encode natively is written with ``str``.

    >>> print(render_json({"traces": [{"trace_id": "ab", "share": float("nan")}]}), end="")
    {
      "traces": [
        {
          "trace_id": "ab",
          "share": null
        }
      ]
    }
    """
    option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE if indent else 0)
    return _dumps(dict(output), option)


_MAX_DEPTH = 200  # orjson refuses nesting deeper than 254


def _dumps(value: Any, option: int) -> str:
    """orjson text of ``value``; what orjson refuses (integers beyond 64 bits, nesting deeper than it
    allows, in attribute values) is written as a string instead.

    >>> _dumps({"n": 2 ** 64, "deep": [[[1]]]}, 0)
    '{"n":"18446744073709551616","deep":[[[1]]]}'
    """
    return _dumps_bytes(value, option).decode()


def _dumps_bytes(value: Any, option: int) -> bytes:
    try:
        return orjson.dumps(value, default=str, option=option)
    except orjson.JSONEncodeError:
        return orjson.dumps(_encodable(value, 0), default=str, option=option)


def _encodable(value: Any, depth: int) -> Any:
    """``value`` with out-of-range integers as strings and containers below ``_MAX_DEPTH`` summarised.

    >>> _encodable([-(2 ** 63) - 1, 2 ** 63 - 1], 0)
    ['-9223372036854775809', 9223372036854775807]
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -(2 ** 63) <= value < 2 ** 64 else str(value)
    if isinstance(value, (dict, list, tuple)):
        if depth >= _MAX_DEPTH:
            return f"<{type(value).__name__} nested deeper than {_MAX_DEPTH} levels, not shown>"
        if isinstance(value, dict):
            return {k: _encodable(v, depth + 1) for k, v in value.items()}
        return [_encodable(v, depth + 1) for v in value]
    return value


_EMPTY_HEAD = '{\n  "traces": []'


def report_body(report: Mapping[str, Any]) -> str:
    """One trace report as it sits in the indented document (inside ``"traces": [...]``).

    >>> print(report_body({"trace_id": "a"}))
        {
          "trace_id": "a"
        }
    """
    option = orjson.OPT_NON_STR_KEYS | orjson.OPT_INDENT_2
    # orjson indents the report as the second level of {"traces": [report]}: cut the wrapper off
    # (no Python pass over its lines: a 10^6-span report has 1.4*10^7 of them)
    # (and decode the body straight from orjson's bytes: one copy of a report's text, not three)
    raw = _dumps_bytes({"traces": [dict(report)]}, option)
    return str(memoryview(raw)[len(_BODY_HEAD):-len(_BODY_TAIL)], "utf-8")


_BODY_HEAD, _BODY_TAIL = b'{\n  "traces": [\n', b'\n  ]\n}'


def report_body_columns(head: Mapping[str, Any], tables: Mapping[str, Iterable[Mapping[str, Sequence[Any]]]]) -> str:
    """:func:`report_body` of a report whose long lists come as columns, a chunk at a time.

    ``head`` is the report with each field named in ``tables`` an empty list; ``tables[field]``
    yields chunks of that list as plain columns (``{key: [value per row]}``, keys in the rows' key
    order), fields in ``head``'s order.  The text equals ``report_body`` of the report with those
    lists filled in, byte for byte; it is :func:`report_body_pieces` joined.

    >>> rows = {"span_id": ["a", "b"], "depth": [0, 1]}
    >>> whole = {"trace_id": "t", "spans": [{"span_id": "a", "depth": 0}, {"span_id": "b", "depth": 1}]}
    >>> report_body_columns({"trace_id": "t", "spans": []}, {"spans": [rows]}) == report_body(whole)
    True
    """
    return "".join(report_body_pieces(head, tables))


def report_body_pieces(head: Mapping[str, Any], tables: Mapping[str, Iterable[Mapping[str, Sequence[Any]]]]
                       ) -> Iterator[str]:
    """:func:`report_body_columns` as consecutive pieces of text, one per chunk of rows (plus the
    report's other fields): only one chunk's row dicts and text exist at a time.

    Each chunk's rows are dumped nested three lists deep, which indents them exactly as they sit in
    the document, and cut out of that wrapper.

    >>> "".join(report_body_pieces({"a": [], "b": 1}, {"a": [{"x": [1]}]})) == report_body({"a": [{"x": 1}], "b": 1})
    True
    """
    option = orjson.OPT_NON_STR_KEYS | orjson.OPT_INDENT_2
    raw = _dumps_bytes({"traces": [dict(head)]}, option)
    pos = len(_BODY_HEAD)
    for field, chunks in tables.items():
        marker = b'\n      ' + orjson.dumps(field) + b': []'  # the report's own key (3rd level: 6 spaces)
        at = raw.index(marker, pos) + len(marker) - 1  # at the "]" of the empty list
        yield raw[pos:at].decode()
        sep = "\n"
        for chunk in chunks:
            rows = _rows_of(tuple(chunk))(list(chunk.values()))
            if rows:
                text = _dumps_bytes([[[rows]]], option)
                yield sep + str(memoryview(text)[len(_NEST_HEAD):-len(_NEST_TAIL)], "utf-8")
                sep = ",\n"
        pos = at
        if sep != "\n":
            yield "\n      "  # the closing "]" of a list that is not empty goes on its own line
    yield raw[pos:len(raw) - len(_BODY_TAIL)].decode()


_NEST_HEAD, _NEST_TAIL = b"[\n  [\n    [\n      [\n", b"\n      ]\n    ]\n  ]\n]"
_ROW_MAKERS: dict[tuple[str, ...], Callable[[list[Sequence[Any]]], list[dict[str, Any]]]] = {}


def _rows_of(keys: tuple[str, ...]) -> Callable[[list[Sequence[Any]]], list[dict[str, Any]]]:
    """``columns -> row dicts`` for these keys: a comprehension with a constant-key dict display,
    made once per key tuple (a third faster than ``dict(zip(keys, values))`` per row).

    >>> _rows_of(("a", "b"))([[1, 2], ["x", "y"]])
    [{'a': 1, 'b': 'x'}, {'a': 2, 'b': 'y'}]
    """
    make = _ROW_MAKERS.get(keys)
    if make is None:
        names = [f"v{i}" for i in range(len(keys))]
        display = ", ".join(f"{k!r}: {v}" for k, v in zip(keys, names))
        make = _ROW_MAKERS[keys] = eval(f"lambda columns: [{{{display}}} for {', '.join(names)}, in zip(*columns)]")
    return make


def join_report_bodies(bodies: Iterable[str | Iterable[str]], tail: Callable[[], Mapping[str, Any]]
                       ) -> Iterator[str]:
    """The document's chunks from ready :func:`report_body` texts (made elsewhere, e.g. in worker
    processes) or pieces of them (:func:`report_body_pieces`, passed on as they come), then
    ``tail()`` (warnings, skipped), called once the bodies are exhausted.

    >>> "".join(join_report_bodies([], lambda: {"warnings": []})) == render_json({"traces": [], "warnings": []})
    True
    """
    first = True
    for body in bodies:
        head = '{\n  "traces": [\n' if first else ",\n"
        if isinstance(body, str):
            yield head + body
        else:
            yield head
            yield from body
        first = False
    rest = render_json({"traces": [], **tail()})
    assert rest.startswith(_EMPTY_HEAD)
    yield rest if first else "\n  ]" + rest[len(_EMPTY_HEAD):]


def render_json_chunks(
    reports: Iterable[Mapping[str, Any]], tail: Callable[[], Mapping[str, Any]]
) -> Iterator[str]:
    """The indented document of :func:`render_json`, one trace report at a time.

    Joined, the chunks equal ``render_json({"traces": list(reports), **tail()})``
    byte for byte; ``tail`` (warnings, skipped) is called once the reports are
    exhausted, so a large input never holds more than one report.

    >>> chunks = list(render_json_chunks(iter([{"trace_id": "a"}]), lambda: {"warnings": []}))
    >>> "".join(chunks) == render_json({"traces": [{"trace_id": "a"}], "warnings": []})
    True
    """
    return join_report_bodies(map(report_body, reports), tail)
