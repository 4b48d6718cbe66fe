"""The recipes page in real Chromium: the list, a form built from the recipe's header, a run whose rows
show in the terminal's human units, CSV/JSON downloads of the raw rows, and the Cypher for Neo4j Browser.
Expected cells are derived by hand from the traces of ``tests/serve/graph_traces.py``."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import graphtrace
from graphtrace.jobs.load import load
from tests.serve.graph_traces import MS, T0, TRACE_IDS, write_traces

WAIT_S = 90  # two shared cores
HUMANE = Path(graphtrace.__file__).parent / "render" / "static" / "humane.js"


def row_of(chrome, name: str) -> dict[str, str]:
    """The cells of the result row whose ``name`` cell is ``name``, by column."""
    for tr in chrome.find_elements(By.CSS_SELECTOR, "[data-testid=results] tbody tr"):
        cells = {td.get_attribute("data-column"): td.text for td in tr.find_elements(By.TAG_NAME, "td")}
        if cells.get("name") == name:
            return cells
    raise AssertionError(f"no row named {name}")


def test_recipes_page_runs_a_recipe_and_shows_human_units(clean_db, neo4j_settings, serve_factory, chrome, tmp_path):
    load([write_traces(tmp_path / "graph.jsonl")], neo4j_settings)
    serve = serve_factory().start()
    try:
        wait = WebDriverWait(chrome, WAIT_S)
        chrome.get(f"{serve.api}/#/recipes")
        link = wait.until(lambda d: d.find_elements(By.LINK_TEXT, "call-tree"))[0]
        link.click()
        field = wait.until(lambda d: d.find_elements(By.NAME, "trace_id"))[0]
        assert field.get_attribute("required") is not None  # the header gives trace_id no default
        field.send_keys(TRACE_IDS[0])
        chrome.find_element(By.CSS_SELECTOR, "[data-testid=run]").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=results] tbody tr"))
        # T1's api SERVER span: 12..57 ms after the trace start, its child 20..50 ms; on the critical path
        # it owns 12..20 and 50..57 ms (the walk goes down into the child in between): 8 + 7 = 15 ms
        api = row_of(chrome, "api op")
        assert (api["duration_ns"], api["start_ns"], api["self_ns"], api["cp_ns"]) == (
            "45.0 ms", "+12.0 ms", "15.0 ms", "15.0 ms")
        root = row_of(chrome, "GET /")
        assert (root["duration_ns"], root["start_ns"], root["self_ns"]) == ("100 ms", "+0 ns", "50.0 ms")
        assert chrome.find_element(By.CSS_SELECTOR, "[data-testid=row-count]").text == "5 rows"
        # the hinted columns come first, most important first (call-tree's show: name, duration_ns, start_ns)
        heads = [th.text for th in chrome.find_elements(By.CSS_SELECTOR, "[data-testid=results] th")]
        assert heads[:3] == ["name", "duration_ns", "start_ns"]
        # downloads carry the raw values: start_ns of the api span is T0 + 12 ms in ns
        csv_text = chrome.execute_async_script(
            "const done = arguments[0]; fetch(document.querySelector('[data-testid=download-csv]').href)"
            ".then(r => r.text()).then(done);")
        assert csv_text.startswith("span_id,") and str(T0 + 12 * MS) in csv_text
        json_text = chrome.execute_async_script(
            "const done = arguments[0]; fetch(document.querySelector('[data-testid=download-json]').href)"
            ".then(r => r.text()).then(done);")
        assert f'"start_ns": {T0 + 12 * MS}' in json_text
        cypher = chrome.find_element(By.CSS_SELECTOR, "[data-testid=cypher]").text
        assert cypher.startswith(f":params {{trace_id: '{TRACE_IDS[0]}'}}") and "MATCH" in cypher

        # a deep link runs at once: self-time's share of "api op" is 15 / 45 = 33.3%, of "GET /" 50 / 100
        chrome.get(f"{serve.api}/#/recipes/self-time?trace_id={TRACE_IDS[0]}&run=1")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=results] tbody tr"))
        assert row_of(chrome, "api op")["self_share"] == "33.3%"
        assert row_of(chrome, "GET /")["self_share"] == "50.0%"
        assert not [e for e in chrome.get_log("browser") if e["level"] == "SEVERE"]

        # a bad value: the form stays, the error shows where the rows would be
        chrome.get(f"{serve.api}/#/recipes/slow-edges?limit=lots&run=1")
        error = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=recipe-results] [data-testid=error]"))
        assert "limit" in error[0].text and chrome.find_elements(By.NAME, "min_calls")
    finally:
        serve.stop()


def test_page_units_follow_the_terminal_rules(chrome, tmp_path):
    """static/humane.js on the examples of graphtrace/render/humane.py's docstrings (3 significant digits,
    half-up; the next unit when rounding reaches 1000; shares with one decimal; exact epoch ns as BigInt)."""
    page = tmp_path / "units.html"
    page.write_text(f'<!doctype html><meta charset="utf-8"><script src="{HUMANE.as_uri()}"></script>', encoding="utf-8")
    chrome.get(page.as_uri())
    WebDriverWait(chrome, WAIT_S).until(lambda d: d.execute_script("return !!(window.GT && GT.humane)"))
    got = chrome.execute_script("""const v = GT.humane.value; return [
        v('duration', 10941391), v('ratio', 16.8312), v('share', 0.98612), v('time', 1732096800123456789n),
        v('duration', 850), v('duration', 1500), v('duration', 999999), v('duration', 2345678901),
        v('duration', -615000), v('duration', 0), v('count', 1234567), v('share', -0.0125),
        v('offset', 1700000012500000n, 1700000000000000n), v('duration', null), v('share', 0.00049)]""")
    assert got == ["10.9 ms", "16.8x", "98.6%", "2024-11-20T10:00:00.123Z", "850 ns", "1.50 µs", "1.00 ms",
                   "2.35 s", "-615 µs", "0 ns", "1,234,567", "-1.3%", "+12.5 ms", "", "0.0%"]
