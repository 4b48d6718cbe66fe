"""``analyze --format html``: one self-contained HTML page (no network needed to open it).

The page inlines the web UI's own stylesheet and scripts (``render/static``: ``app.js`` for the
helpers, ``waterfall.js`` and ``trace.js`` for the trace view) and the trace views (plain dicts,
see ``graphtrace.jobs.trace_view``) as one JSON block, so the report shows the same waterfall
as ``graphtrace serve``.  Data is never parsed as HTML: the JSON block has every ``<`` written
as ``\\u003c`` (no ``</script>`` can end it early) and the scripts set text, never markup.

>>> page = render_html([], title="a <b> report")
>>> page.startswith("<!doctype html>"), "a &lt;b&gt; report" in page, "<script src" in page
(True, True, False)
>>> embed_json({"name": "</script><script>alert(1)</script>"})
'{"name":"\\\\u003c/script>\\\\u003cscript>alert(1)\\\\u003c/script>"}'
"""

from __future__ import annotations

import html
from importlib.resources import files
from typing import Any

import orjson

STATIC = files("graphtrace.render") / "static"
SCRIPTS = ("app.js", "waterfall.js", "trace.js")

# GT.openedMs: ms from the start of navigation until every waterfall is drawn (tests read it).
_BOOT = """
GT.renderReport(document.getElementById("page"), JSON.parse(document.getElementById("gt-data").textContent));
GT.openedMs = performance.now();
"""


def embed_json(value: Any) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` element (every ``<`` escaped)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8").replace("<", "\\u003c")


def _asset(name: str) -> str:
    text = (STATIC / name).read_text(encoding="utf-8")
    if "</script" in text.lower() or "</style" in text.lower():
        raise ValueError(f"{name} cannot be inlined: it contains a closing tag")
    return text


def render_html(views: list[dict[str, Any]], *, title: str = "graphtrace report",
                notes: list[str] | None = None) -> str:
    """The report page for ``views`` (one trace view each) and ``notes`` (warnings and skips)."""
    data = {"traces": views, "notes": notes or []}
    scripts = "\n".join(f"<script>/* {name} */\n{_asset(name)}\n</script>" for name in SCRIPTS)
    return "\n".join([
        "<!doctype html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>\n{_asset('style.css')}\n</style>", "</head>", '<body class="report">',
        f'<header class="top"><span class="brand">{html.escape(title)}</span></header>',
        '<main id="page" data-testid="page"></main>',
        f'<script type="application/json" id="gt-data">{embed_json(data)}</script>',
        scripts, f"<script>{_BOOT}</script>", "</body>", "</html>", "",
    ])
