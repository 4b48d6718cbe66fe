"""Fixtures of the web UI tests: a headless Chromium (Debian's), closed after the test."""

from __future__ import annotations

import pytest

from tests.helpers import headless_chrome


@pytest.fixture
def chrome():
    driver = headless_chrome()
    try:
        yield driver
    finally:
        driver.quit()
