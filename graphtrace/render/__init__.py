"""Renderers: plain dicts and rows in, strings (or rich renderables) out.

This package imports nothing from graphtrace outside itself: callers pass
``model_dump()`` output or plain rows.  Only :mod:`graphtrace.cli` prints.

* :mod:`~graphtrace.render.text` -- the plain-text trace report (``render_text``)
* :mod:`~graphtrace.render.markdown` -- the Markdown trace report (``render_markdown``)
* :mod:`~graphtrace.render.table` -- ``render_rows(columns, rows, fmt)``: table, plain, json, csv
* :mod:`~graphtrace.render.json` -- the ``analyze --format json`` document (``render_json``)
* :mod:`~graphtrace.render.diagnostics` -- the stderr summary of warnings and skipped records

>>> from graphtrace.render.table import render_rows
>>> render_rows(["n"], [[1]], "csv")
'n\\r\\n1\\r\\n'
"""
