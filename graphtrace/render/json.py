"""The stable JSON document of ``graphtrace analyze --format json``.

Input is ``AnalysisOutput.model_dump(mode="json")``:
``{"traces": [...], "warnings": [...], "skipped": [...]}``.  Keys keep the
order of the dump (the schema's field order); see ``docs/json-schema.md``.

>>> render_json({"traces": [], "warnings": [], "skipped": []}, indent=False)
'{"traces":[],"warnings":[],"skipped":[]}'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
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
    return orjson.dumps(dict(output), default=str, option=option).decode()


_EMPTY_HEAD = '{\n  "traces": []'


def _shift(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in text.split("\n"))  # JSON strings escape their newlines


def report_body(report: Mapping[str, Any]) -> str:
    """One trace report as it sits in the indented document (inside ``"traces": [...]``).

    >>> print(report_body({"trace_id": "a"}))
        {
          "trace_id": "a"
        }
    """
    option = orjson.OPT_NON_STR_KEYS | orjson.OPT_INDENT_2
    return _shift(orjson.dumps(dict(report), default=str, option=option).decode(), 4)


def join_report_bodies(bodies: Iterable[str], tail: Callable[[], Mapping[str, Any]]) -> Iterator[str]:
    """The document's chunks from ready :func:`report_body` texts (made elsewhere, e.g. in worker
    processes), then ``tail()`` (warnings, skipped), called once the bodies are exhausted.

    >>> "".join(join_report_bodies([], lambda: {"warnings": []})) == render_json({"traces": [], "warnings": []})
    True
    """
    first = True
    for body in bodies:
        yield ('{\n  "traces": [\n' if first else ",\n") + body
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
