"""Small helpers shared by test modules (import as ``from tests.helpers import ...``)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_or_skip(reason: str) -> None:
    """Skip, except under GRAPHTRACE_REQUIRE_NEO4J=1 (CI), where a missing requirement fails the test."""
    import os

    import pytest

    if os.environ.get("GRAPHTRACE_REQUIRE_NEO4J", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"required in CI but {reason}", pytrace=False)
    pytest.skip(reason)


def headless_chrome(width: int = 1400, height: int = 1000, offline: bool = False):
    """Debian's Chromium under Selenium, headless (``offline``: no network at all, for the HTML report)."""
    import shutil

    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        require_or_skip("selenium is not installed (pip install -e '.[test]')")
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not browser or not driver:
        require_or_skip("chromium / chromedriver are not installed (apt-get install chromium chromium-driver)")
    options = Options()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}"):
        options.add_argument(arg)
    if offline:  # every request that leaves the machine fails: the proxy does not exist
        options.add_argument("--proxy-server=http://127.0.0.1:9")
        options.add_argument("--proxy-bypass-list=<-loopback>")
    return webdriver.Chrome(service=Service(driver), options=options)
