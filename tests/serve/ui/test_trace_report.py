"""``analyze --format html``: one self-contained page, opened in headless Chromium with no network.

The example's report must show the critical-path sections derived by hand (the same ones the
served trace view shows, tests/serve/ui/test_trace_view.py); a 50,000-span trace (with a
10,000-deep chain: Jaeger UI overflows its stack on such trees, jaeger-ui#2720) must open in
under 3 s and scroll with every row it reaches drawn.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.serve.ui.test_trace_view import EXAMPLE, HAND_SECTIONS, TRACE_NS, sections_by_span

CHAIN, PAIRS = 9_999, 20_000        # 1 root + 9,999 chain links + 20,000 client/server pairs = 50,000 spans
OPEN_LIMIT_MS = 3_000


def write_big_trace(path: Path) -> int:
    """A hand-made OTLP JSON trace: a root [0, 41,000,000]; under it a chain of CHAIN INTERNAL spans,
    link k = [1 + k, 500,000 - k] (each inside its parent), and PAIRS CLIENT spans one after another,
    call k = [500,000 + 2,000k, +1,900] with a SERVER child [+500, +1,500] in another service."""
    t0 = 1_700_000_000_000_000_000
    frontend, backend = [], []

    def span(rows, n, parent, name, kind, start, end):
        rows.append({"traceId": "5ca1ab1e" * 4, "spanId": f"{n:016x}", "parentSpanId": f"{parent:016x}" if parent else "",
                     "name": name, "kind": kind, "startTimeUnixNano": str(t0 + start), "endTimeUnixNano": str(t0 + end)})

    span(frontend, 1, 0, "GET /big", 2, 0, 500_000 + 2_000 * PAIRS)
    for k in range(CHAIN):
        span(frontend, 2 + k, 1 + k, f"step {k}", 1, 1 + k, 500_000 - k)
    n = 2 + CHAIN
    for k in range(PAIRS):
        start = 500_000 + 2_000 * k
        span(frontend, n, 1, "call", 3, start, start + 1_900)
        span(backend, n + 1, n, "serve", 2, start + 500, start + 1_500)
        n += 2
    path.write_text(json.dumps({"resourceSpans": [
        {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": svc}}]},
         "scopeSpans": [{"spans": rows}]} for svc, rows in (("frontend", frontend), ("backend", backend))]}))
    return n - 1


def html_report(source: Path, out: Path) -> Path:
    """The real CLI: ``graphtrace analyze FILE --format html`` (stdout to the file)."""
    with out.open("wb") as sink:
        done = subprocess.run([sys.executable, "-m", "graphtrace", "analyze", str(source), "--format", "html"],
                              stdout=sink, stderr=subprocess.PIPE, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return out


def rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, "[data-testid=span-row]")


def test_example_report_opens_offline_with_the_hand_derived_sections(offline_chrome, tmp_path):
    page = html_report(EXAMPLE, tmp_path / "report.html")
    text = page.read_text(encoding="utf-8")
    assert "<script src" not in text and "<link" not in text and "@import" not in text
    offline_chrome.get(page.as_uri())
    WebDriverWait(offline_chrome, 20).until(lambda d: len(rows(d)) == 25)
    sections = sections_by_span(offline_chrome)
    for span_id, expected in HAND_SECTIONS.items():
        assert sorted(sections.get(span_id, [])) == expected, span_id
    assert sum(b - a for spans in sections.values() for a, b in spans) == TRACE_NS
    # nothing was fetched: the page is all there is (and the network is off: a fetch would fail)
    assert offline_chrome.execute_script("return performance.getEntriesByType('resource').length") == 0


def test_50000_spans_open_in_under_3_s_and_scroll(offline_chrome, tmp_path):
    source = tmp_path / "big.json"
    assert write_big_trace(source) == 50_000
    page = html_report(source, tmp_path / "big.html")
    offline_chrome.get(page.as_uri())
    opened = offline_chrome.execute_script("return GT.openedMs")  # navigation start -> waterfall drawn
    assert opened is not None and opened < OPEN_LIMIT_MS, f"opened in {opened:.0f} ms"
    wf = offline_chrome.find_element(By.CSS_SELECTOR, "[data-testid=waterfall]")
    assert wf.get_attribute("data-rows") == "50000"
    assert 20 < len(rows(offline_chrome)) < 200              # virtualised: only the rows in sight exist

    # scroll to the bottom in 20 jumps: each jump's rows are drawn in the next frame
    worst = offline_chrome.execute_async_script("""
      const done = arguments[arguments.length - 1];
      const sc = document.querySelector('[data-testid=waterfall-scroll]');
      let k = 0, worst = 0;
      function step() {
        const t = performance.now();
        sc.scrollTop = (k + 1) * (sc.scrollHeight - sc.clientHeight) / 20;
        requestAnimationFrame(() => requestAnimationFrame(() => {
          worst = Math.max(worst, performance.now() - t);
          if (++k < 20) step(); else done(worst);
        }));
      }
      step();""")
    last_id = f"{50_000:016x}"                               # the last span of the pre-order: the last server
    assert offline_chrome.find_elements(By.CSS_SELECTOR, f".wf-row[data-span-id='{last_id}']")
    assert worst < 1_000, f"a scroll step took {worst:.0f} ms"

    # the 9,999-deep chain collapses and expands (iterative walks only; no stack overflow)
    offline_chrome.execute_script("document.querySelector('[data-testid=waterfall-scroll]').scrollTop = 0")
    head = WebDriverWait(offline_chrome, 10).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f".wf-row[data-span-id='{2:016x}'] [data-testid=toggle]"))
    head.click()
    WebDriverWait(offline_chrome, 10).until(lambda d: wf.get_attribute("data-rows") == str(50_000 - (CHAIN - 1)))
    offline_chrome.find_element(By.CSS_SELECTOR, f".wf-row[data-span-id='{2:016x}'] [data-testid=toggle]").click()
    WebDriverWait(offline_chrome, 10).until(lambda d: wf.get_attribute("data-rows") == "50000")
