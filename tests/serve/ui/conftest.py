"""Fixtures of the web UI tests: a headless Chromium (Debian's), one per test module, closed after it."""

from __future__ import annotations

import pytest

from tests.helpers import headless_chrome


def _browser(offline: bool):
    driver = headless_chrome(offline=offline)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def chrome():
    yield from _browser(offline=False)


@pytest.fixture(scope="module")
def offline_chrome():
    """No network at all: every request that leaves the machine fails (the HTML report must not need one)."""
    yield from _browser(offline=True)
