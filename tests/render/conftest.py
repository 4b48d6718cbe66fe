"""Fixtures of the render tests; the report itself is built (and derived by hand) in render_fixtures.py."""

from __future__ import annotations

import pytest

from render_fixtures import checkout_report


@pytest.fixture
def report() -> dict:
    """The 4-span checkout report as ``TraceReport.model_dump()``."""
    return checkout_report().model_dump()
