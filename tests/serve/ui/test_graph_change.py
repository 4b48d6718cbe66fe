"""The service graph page in real Chromium: the change mode marks exactly the edge that
``graphtrace generate --slow-edge`` made slower, the edge panel links example traces, and the page's
screenshot for the README (docs/images/ui-graph.png)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from graphtrace.jobs.load import load
from tests.conftest import wipe
from tests.serve.conftest import ServeProcess
from tests.serve.graph_traces import write_traces

WAIT_S = 90  # two shared cores
SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "images" / "ui-graph.png"
# 80 traces from 2024-11-19T07:06:40Z, 50 ms apart; --slow-edge frontend:cart:20:0.5 makes cart's server
# work 20x slower from trace 40 on (fraction index/80 >= 0.5), which starts at 07:06:40Z + 40 * 50 ms = 07:06:42Z.
# Window A is the first 40 traces, window B the last 40; every call starts after its trace's start and
# before the next trace's (an unslowed trace lasts well under 50 ms), so the split is exact.
START, SPLIT = "2024-11-19T07:06:40Z", "2024-11-19T07:06:42Z"


def generate(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "graphtrace", "generate", "--traces", "80",
                    "--slow-edge", "frontend:cart:20:0.5", "-o", str(path)], check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def graph_serve(neo4j_target, neo4j_driver, neo4j_settings, tmp_path_factory):
    """Both data sets loaded once into an emptied database (clean_db's guard and wipe, for the module: the
    tests only read) and one ``graphtrace serve``: the generated traces (2024-11-19) and the hand-written
    ones of ``tests/serve/graph_traces.py`` (2024-01-01, services web, api, db); windows keep them apart."""
    if not neo4j_target.wipe_allowed:
        pytest.fail(f"refusing to delete all nodes: {neo4j_target.wipe_refusal}", pytrace=False)
    database = neo4j_target.settings.database
    wipe(neo4j_driver, database)
    tmp = tmp_path_factory.mktemp("graph-ui")
    load([generate(tmp / "slow.ndjson"), write_traces(tmp / "hand.jsonl")], neo4j_settings)
    serve = ServeProcess(neo4j_settings, tmp / "spool").start()
    try:
        yield serve
    finally:
        serve.stop()
        wipe(neo4j_driver, database)


def edges(chrome) -> list[tuple[str, str, str]]:
    return [(e.get_attribute("data-caller"), e.get_attribute("data-callee"), e.get_attribute("data-change"))
            for e in chrome.find_elements(By.CSS_SELECTOR, "[data-testid=edge]")]


def test_change_mode_marks_exactly_the_injected_slow_edge(graph_serve, chrome, tmp_path):
    serve = graph_serve
    chrome.get(f"{serve.api}/#/graph")
    wait = WebDriverWait(chrome, WAIT_S)
    wait.until(lambda d: edges(d))
    # the form: choose the change mode, then window A from the first generated trace to the split,
    # window B from the split on (the hand-written traces, in January, are in neither)
    chrome.find_element(By.CSS_SELECTOR, "[data-testid=graph-mode] option[value=change]").click()
    wait.until(lambda d: d.find_elements(By.NAME, "b_since"))
    chrome.find_element(By.NAME, "a_since").send_keys(START)
    chrome.find_element(By.NAME, "a_until").send_keys(SPLIT)
    chrome.find_element(By.NAME, "b_since").send_keys(SPLIT)
    chrome.find_element(By.CSS_SELECTOR, "[data-testid=graph-form] button[type=submit]").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=graph-windows]"))
    shown = wait.until(lambda d: edges(d) if all(c for _, _, c in edges(d)) else None)
    assert [(a, b) for a, b, c in shown if c == "slower"] == [("frontend", "cart")]
    # every other edge is there, and unchanged: the callers above cart (load-generator -> frontend-proxy
    # waits on it) are not marked, as the change is measured on each edge's own time
    assert {c for a, b, c in shown if (a, b) != ("frontend", "cart")} == {"same"}
    assert ("load-generator", "frontend-proxy", "same") in shown and len(shown) == 9
    slow = chrome.find_element(By.CSS_SELECTOR, "[data-testid=edge][data-caller=frontend][data-callee=cart]")
    chrome.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", slow)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=critical-traces] li"))
    panel = chrome.find_element(By.CSS_SELECTOR, "[data-testid=edge-panel]")
    assert panel.find_element(By.CSS_SELECTOR, "[data-testid=edge-title]").text == "frontend → cart"
    assert "Change: slower" in panel.find_element(By.CSS_SELECTOR, "[data-testid=edge-change]").text
    links = panel.find_elements(By.CSS_SELECTOR, "[data-testid=slowest-traces] a")
    assert links and all(a.get_attribute("href").split("#/trace/")[1].isalnum() for a in links)
    # docs/images/ui-graph.png is this screenshot: GRAPHTRACE_UI_SCREENSHOTS=1 writes it there (a plain
    # run leaves the checkout clean and writes it to the test's temporary directory)
    shot = SCREENSHOT if os.environ.get("GRAPHTRACE_UI_SCREENSHOTS") == "1" else tmp_path / SCREENSHOT.name
    assert chrome.save_screenshot(str(shot)) and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [e for e in chrome.get_log("browser") if e["level"] == "SEVERE"]


def test_window_mode_colours_by_error_rate(graph_serve, chrome):
    # the hand-written traces: web -> api has no error, api -> db one in three calls (see graph_traces)
    serve, january = graph_serve, "since=2024-01-01T00:00:00Z&until=2024-01-02T00:00:00Z"
    chrome.get(f"{serve.api}/#/graph?color=errors&{january}")
    wait = WebDriverWait(chrome, WAIT_S)
    wait.until(lambda d: len(edges(d)) == 2)
    label = {(e.get_attribute("data-caller"), e.get_attribute("data-callee")): e.text
             for e in chrome.find_elements(By.CSS_SELECTOR, "[data-testid=edge]")}
    assert label == {("web", "api"): "0.0%", ("api", "db"): "33.3%"}  # 1/3 = 33.3%
    chrome.get(f"{serve.api}/#/graph?{january}")
    wait.until(lambda d: {e.text for e in d.find_elements(By.CSS_SELECTOR, "[data-testid=edge]")} == {"200 ms", "60.0 ms"})
    columns = {n.get_attribute("data-service"): float(n.find_element(By.TAG_NAME, "rect").get_attribute("x"))
               for n in chrome.find_elements(By.CSS_SELECTOR, "[data-testid=node]")}
    assert columns["web"] < columns["api"] < columns["db"]  # columns by call depth 0, 1, 2
