"""The stable JSON document of ``graphtrace analyze --format json``.

Input is ``AnalysisOutput.model_dump(mode="json")``:
``{"traces": [...], "warnings": [...], "skipped": [...]}``.  Keys keep the
order of the dump (the schema's field order); see ``docs/json-schema.md``.

>>> render_json({"traces": [], "warnings": [], "skipped": []}, indent=False)
'{"traces":[],"warnings":[],"skipped":[]}'
"""

from __future__ import annotations

from collections.abc import Mapping
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
