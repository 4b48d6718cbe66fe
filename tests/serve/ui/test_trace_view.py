"""The trace search and the trace view of ``graphtrace serve``, in real (headless) Chromium.

The example trace (examples/otel-demo-add-to-cart.json) is stored, found with the search page and
opened; the critical-path sections drawn on the bars are compared with the sections derived by
hand in examples/README.md ("Timeline", "Numbers derived by hand"; offsets are ns from the trace
start T0, which is what the view's ``data-start-ns``/``data-end-ns`` hold).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from graphtrace.jobs.load import load
from tests.conftest import wipe
from tests.serve.conftest import ServeProcess

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "otel-demo-add-to-cart.json"
TRACE_ID = "971a659583cb354ebf2a7babf50db2f8"
ROOT, POST, ROUTE = "5ecdd5c42a31c2e5", "88dd4ed0cfa16aaf", "450b340462c0a8f4"
ADD, ADD_SERVER, DNS, TCP = "0ebfca528fb2a3c7", "940f2b8ead0ffb3d", "20477715a96a4d58", "c4e8b74e72625cd3"

# Sections by hand (examples/README.md): the root owns the time before GET (starts 192,000), between
# GET's end (6,197,672) and POST's start (6,304,000), and after POST's end (1,080,704,892).
# AddItem [9,600,000, 1,076,389,345]: after its server ends (1,076,286,800), between tcp.connect's end
# (11,378,763) and the server's start (1,075,904,000), and before tcp.connect (10,600,000) -- dns.lookup
# ends after tcp.connect starts, so it is not on the path and owns no section.
# The route /api/cart [9,536,000, 1,078,680,803]: before AddItem (9,600,000), between AddItem's end and
# GetCart's start (1,076,416,000), after GetCart's end (1,078,572,688).
HAND_SECTIONS = {
    ROOT: [(0, 192_000), (6_197_672, 6_304_000), (1_080_704_892, 1_080_960_237)],
    ADD: [(9_600_000, 10_600_000), (11_378_763, 1_075_904_000), (1_076_286_800, 1_076_389_345)],
    ROUTE: [(9_536_000, 9_600_000), (1_076_389_345, 1_076_416_000), (1_078_572_688, 1_078_680_803)],
    TCP: [(10_600_000, 11_378_763)],
    DNS: [],
}
TRACE_NS = 1_080_960_237  # the root's duration: the sections of all spans tile it


def wait(driver, condition, timeout=30.0):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)


def sections_by_span(driver) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    for el in driver.find_elements(By.CSS_SELECTOR, "[data-testid=cp-section]"):
        out.setdefault(el.get_attribute("data-span-id"), []).append(
            (int(el.get_attribute("data-start-ns")), int(el.get_attribute("data-end-ns"))))
    return out


def row(driver, span_id):
    return driver.find_element(By.CSS_SELECTOR, f".wf-row[data-span-id='{span_id}']")


EVIL_NAME = "<img src=x onerror=\"window.pwned=1\"><script>window.pwned=2</script>"


def write_evil(path: Path) -> Path:
    """One span whose name is markup (OTLP JSON as the collector's file exporter writes it)."""
    path.write_text(json.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "evil"}}]},
        "scopeSpans": [{"spans": [{"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331",
                                   "name": EVIL_NAME, "kind": 2, "startTimeUnixNano": "1000",
                                   "endTimeUnixNano": "5000"}]}]}]}))
    return path


@pytest.fixture(scope="module")
def example_served(neo4j_target, neo4j_driver, neo4j_settings, tmp_path_factory):
    """The example and the markup-named trace stored once, one ``graphtrace serve`` for the module's tests."""
    if not neo4j_target.wipe_allowed:
        pytest.fail(f"refusing to wipe the test database: {neo4j_target.wipe_refusal}", pytrace=False)
    tmp = tmp_path_factory.mktemp("ui-trace")
    wipe(neo4j_driver, neo4j_settings.database)
    load([EXAMPLE, write_evil(tmp / "evil.json")], neo4j_settings)
    serve = ServeProcess(neo4j_settings, tmp / "spool").start()
    try:
        yield serve
    finally:
        if serve.proc is not None and serve.proc.poll() is None:
            serve.stop()
        wipe(neo4j_driver, neo4j_settings.database)


def test_search_finds_the_example_and_the_view_shows_its_critical_path(example_served, chrome):
    chrome.get(f"{example_served.api}/#/?service=cart")
    result = wait(chrome, lambda d: d.find_element(By.CSS_SELECTOR, f"[data-testid=result][data-trace-id='{TRACE_ID}']"))
    cells = [td.text for td in result.find_elements(By.TAG_NAME, "td")]
    assert cells[3] == "25" and cells[5] == "0"                 # span count, error count
    assert cells[4].replace("\n", " ") == "cart, frontend, frontend-proxy, load-generator, product-catalog"
    assert cells[6].startswith("grpc.oteldemo.CartService/AddItem (frontend)")  # top bottleneck
    # a filter that matches nothing lists nothing
    chrome.get(f"{example_served.api}/#/?service=no-such-service")
    wait(chrome, lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid=no-results]"))
    chrome.get(f"{example_served.api}/#/?service=cart")
    wait(chrome, lambda d: d.find_element(By.CSS_SELECTOR, f"[data-testid=result][data-trace-id='{TRACE_ID}'] a")).click()

    wait(chrome, lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid=span-row]")) == 25)
    sections = sections_by_span(chrome)
    for span_id, expected in HAND_SECTIONS.items():
        assert sorted(sections.get(span_id, [])) == expected, span_id
    assert set(sections) == {r.get_attribute("data-span-id") for r in chrome.find_elements(
        By.CSS_SELECTOR, "[data-testid=span-row]")} - {DNS}          # every span but dns.lookup is on the path
    assert sum(b - a for spans in sections.values() for a, b in spans) == TRACE_NS
    assert "grpc.oteldemo.CartService/AddItem" in chrome.find_element(By.CSS_SELECTOR, "[data-testid=narrative]").text
    marked = {el.find_element(By.XPATH, "ancestor::div[contains(@class,'wf-row')]").get_attribute("data-span-id")
              for el in chrome.find_elements(By.CSS_SELECTOR, "[data-testid=anomaly-mark]")}
    assert marked == {ADD, ADD_SERVER, DNS, TCP}       # client_server_gap (AddItem, server), cold_connection


def test_tooltip_details_pair_and_collapse(example_served, chrome):
    chrome.get(f"{example_served.api}/#/trace/{TRACE_ID}")
    wait(chrome, lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid=span-row]")) == 25)
    ActionChains(chrome).move_to_element(row(chrome, ADD)).perform()
    tip = wait(chrome, lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid=tooltip]"))
    wait(chrome, lambda d: tip.is_displayed())
    # self = 1,066,789,345 - |dns ∪ tcp| (1,778,763) - server (382,800) = 1,064,627,782 (examples/README.md)
    assert "self time 1.06 s (1,064,627,782 ns)" in tip.text
    assert "critical path 1.07 s (1,065,627,782 ns)" in tip.text  # 1,066,789,345 - 382,800 - 778,763

    row(chrome, ADD).click()
    details = chrome.find_element(By.CSS_SELECTOR, "[data-testid=span-details]")
    wait(chrome, lambda d: "rpc.method" in details.text)
    attributes = details.find_element(By.CSS_SELECTOR, "[data-testid=attributes]").text
    assert "net.peer.name cart" in attributes and "rpc.method AddItem" in attributes
    pair = details.find_element(By.CSS_SELECTOR, "[data-testid=call-pair]")
    assert "client" in pair.text and "frontend → cart" in pair.text
    assert "2786.8×" in pair.text                       # 1,066,789,345 / 382,800 = 2,786.8
    # zoom to AddItem: the axis starts at its start (+9.6 ms) and its bar spans the whole track
    details.find_element(By.CSS_SELECTOR, "[data-testid=zoom-span]").click()
    wait(chrome, lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid=axis] .wf-tick").text == "+9.6 ms")
    track = row(chrome, ADD).find_element(By.CSS_SELECTOR, ".wf-track").rect
    bar = row(chrome, ADD).find_element(By.CSS_SELECTOR, ".wf-bar").rect
    assert abs(bar["x"] - track["x"]) <= 1 and abs(bar["width"] - track["width"]) <= 1
    chrome.find_element(By.CSS_SELECTOR, "[data-testid=unzoom]").click()
    wait(chrome, lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid=axis] .wf-tick").text == "0 ns")
    pair.find_element(By.CSS_SELECTOR, f"[data-testid=span-link][data-span-id='{ADD_SERVER}']").click()
    wait(chrome, lambda d: "selected" in row(d, ADD_SERVER).get_attribute("class"))
    assert "this span is the server" in chrome.find_element(By.CSS_SELECTOR, "[data-testid=call-pair]").text.replace("\n", " ")

    # Collapse POST: its 15 descendants are hidden; their critical-path time is kept on POST's row:
    # POST's duration minus POST's own critical-path time = 1,074,400,892 - 4,646,892 = 1,069,754,000,
    # drawn as one section: the descendants' sections tile the POST ingress [9,312,000, 1,079,066,000].
    row(chrome, POST).find_element(By.CSS_SELECTOR, "[data-testid=toggle]").click()
    wait(chrome, lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid=span-row]")) == 10)
    note = row(chrome, POST).find_element(By.CSS_SELECTOR, "[data-testid=hidden-note]")
    assert note.get_attribute("data-hidden-cp-ns") == "1069754000" and note.text.startswith("+15 hidden")
    hidden = [(int(e.get_attribute("data-start-ns")), int(e.get_attribute("data-end-ns")))
              for e in row(chrome, POST).find_elements(By.CSS_SELECTOR, "[data-testid=cp-hidden]")]
    assert hidden == [(9_312_000, 1_079_066_000)]
    row(chrome, POST).find_element(By.CSS_SELECTOR, "[data-testid=toggle]").click()
    wait(chrome, lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid=span-row]")) == 25)


def test_span_names_are_text_never_markup(example_served, chrome):
    chrome.get(f"{example_served.api}/#/?service=evil")
    wait(chrome, lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid=result] a")).click()
    label = wait(chrome, lambda d: d.find_element(By.CSS_SELECTOR, ".wf-row .wf-name"))
    assert label.text == EVIL_NAME
    assert chrome.execute_script("return window.pwned === undefined")
