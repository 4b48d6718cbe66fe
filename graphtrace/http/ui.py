"""The web UI of ``graphtrace serve``: ``/`` is the page, ``/static/*`` its assets, all from the package.

The assets live in ``graphtrace/render/static`` (the HTML report of ``analyze --format html`` inlines
the same files), so the UI works with no network and no build step.  The page itself is open; the
data it loads comes from the JSON API, which asks for the bearer token when ``serve --token`` is set.
"""

from __future__ import annotations

from importlib.resources import files

from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

STATIC = files("graphtrace.render") / "static"


async def index(request: Request) -> Response:
    return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"),
                        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})


def ui_routes() -> list:
    """``/`` and ``/static`` for the API app's route list."""
    return [Route("/", index), Mount("/static", app=StaticFiles(packages=[("graphtrace.render", "static")]),
                                     name="static")]
