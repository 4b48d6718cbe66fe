"""render_rows in its four formats."""

from __future__ import annotations

import csv
import io
import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphtrace.render.table import render_rows

COLUMNS = ["caller", "callee", "calls", "p95 ms"]
ROWS = [
    {"caller": "frontend", "callee": "cart", "calls": 120, "p95 ms": "1,066.79"},
    ["frontend", "product-catalog", 7, "2.08"],
]


def test_plain_is_aligned_with_numbers_on_the_right():
    # Widths: caller 8, callee 15 ("product-catalog"), calls 5, p95 ms 8 ("1,066.79").
    assert render_rows(COLUMNS, ROWS, "plain").splitlines() == [
        "caller    callee           calls    p95 ms",
        "--------  ---------------  -----  --------",
        "frontend  cart               120  1,066.79",
        "frontend  product-catalog      7      2.08",
    ]


def test_table_is_a_rich_table_without_ansi_unless_asked():
    plain = render_rows(COLUMNS, ROWS, "table")
    assert "\x1b" not in plain
    lines = plain.splitlines()
    assert lines[0].split() == ["caller", "callee", "calls", "p95", "ms"]
    assert set(lines[1]) == {"─"}
    assert lines[2].split() == ["frontend", "cart", "120", "1,066.79"]
    assert "\x1b[" in render_rows(COLUMNS, ROWS, "table", color=True)


def test_json_is_a_list_of_objects_keeping_types():
    assert orjson.loads(render_rows(COLUMNS, ROWS, "json")) == [
        {"caller": "frontend", "callee": "cart", "calls": 120, "p95 ms": "1,066.79"},
        {"caller": "frontend", "callee": "product-catalog", "calls": 7, "p95 ms": "2.08"},
    ]


def test_csv_quotes_commas_and_writes_none_as_empty():
    text = render_rows(["a", "b"], [["x,y", None], [{"k": 1}, [1, 2]]], "csv")
    assert text == 'a,b\r\n"x,y",\r\n"{""k"":1}","[1,2]"\r\n'


def test_missing_mapping_keys_are_empty_and_short_rows_are_refused():
    assert render_rows(["a", "b"], [{"a": 1}], "csv") == "a,b\r\n1,\r\n"
    with pytest.raises(ValueError, match="2 columns"):
        render_rows(["a", "b"], [[1]], "plain")


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown table format"):
        render_rows(["a"], [], "xml")


def test_no_rows_still_has_a_header():
    assert render_rows(["a", "bb"], [], "plain") == "a  bb\n-  --"
    assert render_rows(["a"], [], "json") == "[]"


cells = st.one_of(st.none(), st.integers(), st.text(max_size=12))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(cells, cells), max_size=6))
def test_csv_round_trips_through_the_csv_reader(rows):
    parsed = list(csv.reader(io.StringIO(render_rows(["a", "b"], rows, "csv"), newline="")))
    expected = [["" if v is None else str(v) for v in row] for row in rows]
    assert parsed == [["a", "b"], *expected]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(cells, cells), max_size=6))
def test_json_round_trips(rows):
    # stdlib json.loads: it reads integers beyond 64 bits exactly (orjson.loads gives a float).
    assert json.loads(render_rows(["a", "b"], rows, "json")) == [{"a": a, "b": b} for a, b in rows]
