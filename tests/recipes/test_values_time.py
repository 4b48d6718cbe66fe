"""Time parameters: bare ISO forms, offsets and relative forms (``now-15m``) with a fixed "now".

Expected values are derived by hand:
2026-12-06 is 20,793 days after 1970-01-01 (56 years with 14 leap days, 1972..2024: 56 * 365 + 14 =
20,454 days to 2026-01-01; then Jan..Nov = 334 days, plus 5) -> 20,793 * 86,400 s = 1,796,515,200 s.
"""

from __future__ import annotations

import pytest

from graphtrace.recipes.values import ValueProblem, convert, parse_time

S = 1_000_000_000
DAY_0 = 1_796_515_200 * S  # 2026-12-06T00:00:00Z (see the module docstring)
NOW = DAY_0 + 10 * 3600 * S  # 2026-12-06T10:00:00Z


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-06", DAY_0),
    ("2026-12-06T10:00", DAY_0 + 10 * 3600 * S),
    ("2026-12-06T10:00:00Z", DAY_0 + 10 * 3600 * S),
    ("2026-12-06T10:00:00+02:00", DAY_0 + 8 * 3600 * S),  # 10:00 at +02:00 is 08:00 UTC
    ("2026-12-06T10:00:00-05:30", DAY_0 + 15 * 3600 * S + 30 * 60 * S),  # 10:00 + 5 h 30
    ("2026-12-06T10:00:00.25Z", DAY_0 + 10 * 3600 * S + S // 4),
])
def test_bare_iso_forms(text: str, expected: int) -> None:
    assert convert(text, "time") == expected


@pytest.mark.parametrize(("text", "offset"), [
    ("now", 0),
    ("NOW", 0),
    ("now-15m", -15 * 60 * S),
    ("now-2h", -2 * 3600 * S),
    ("now-1d", -86_400 * S),
    ("now - 90s", -90 * S),
    ("now+1h", 3600 * S),
    ("now-1.5h", -5400 * S),
])
def test_relative_forms_against_a_fixed_now(text: str, offset: int) -> None:
    assert convert(text, "time", now_ns=NOW) == NOW + offset
    assert parse_time(text, now_ns=NOW) == NOW + offset


def test_now_without_a_fixed_clock_is_the_clock() -> None:
    import time

    before = time.time_ns()
    got = parse_time("now-1d")
    after = time.time_ns()
    assert before - 86_400 * S <= got <= after - 86_400 * S


@pytest.mark.parametrize("text", ["now-", "now-15x", "yesterday", "2026-13-01", "now*2"])
def test_bad_times_are_clear_problems(text: str) -> None:
    with pytest.raises(ValueProblem, match="not a time"):
        convert(text, "time", now_ns=NOW)


def test_recipe_parameter_of_type_time_takes_relative_forms() -> None:
    """The recipe parameter binding goes through convert, so `-p since_ns now-2h` works."""
    import time

    from graphtrace.recipes.catalog import get_recipe
    from graphtrace.recipes.params import bind_params

    recipe = get_recipe("compare-windows")
    bound = bind_params(recipe, {"a_until_ns": "now-2h", "b_since_ns": "2026-12-06"})
    assert abs(bound["a_until_ns"] - (time.time_ns() - 2 * 3600 * S)) < 60 * S
    assert bound["b_since_ns"] == DAY_0


def test_serve_search_filters_take_the_same_forms():
    """GET /api/traces?since=now-1h&until=2026-12-06 goes through convert too."""
    import time

    from graphtrace.jobs.serve_api import search_filters

    got = search_filters({"since": "now-1h", "until": "2026-12-06"})
    assert got["until_ns"] == DAY_0
    assert abs(got["since_ns"] - (time.time_ns() - 3600 * S)) < 60 * S
