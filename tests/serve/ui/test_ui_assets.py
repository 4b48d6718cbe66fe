"""The UI is served from the package by ``graphtrace serve``: the page and every asset it names, no CDN."""

from __future__ import annotations

import re

import httpx


def test_serve_answers_the_page_and_every_asset_it_names(serve_factory):
    serve = serve_factory(token="s3cret").start()
    try:
        page = httpx.get(f"{serve.api}/", timeout=10)  # the page is open; its data calls carry the token
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assets = re.findall(r'(?:src|href)="(static/[^"]+)"', page.text)
        assert "static/app.js" in assets and "static/style.css" in assets
        for asset in assets:
            answer = httpx.get(f"{serve.api}/{asset}", timeout=10)
            assert answer.status_code == 200, asset
        assert not re.search(r'(?:src|href)="(?:https?:)?//', page.text), "no asset may come from the network"
        assert httpx.get(f"{serve.api}/api/traces", timeout=10).status_code == 401
    finally:
        serve.stop()
