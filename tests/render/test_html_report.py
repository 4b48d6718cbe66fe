"""The trace view document (jobs.trace_view) and the self-contained HTML report (render.html).

Expected numbers are derived by hand in examples/README.md ("Timeline", "Numbers derived by
hand"); offsets are ns from the trace start T0.
"""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from typer.testing import CliRunner

from graphtrace.cli.app import app
from graphtrace.jobs.trace_view import trace_view
from graphtrace.model import Span, Trace
from graphtrace.readers import read_traces
from graphtrace.render.html import SCRIPTS, render_html

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "otel-demo-add-to-cart.json"
ROOT, ROUTE, ADD, ADD_SERVER = "5ecdd5c42a31c2e5", "450b340462c0a8f4", "0ebfca528fb2a3c7", "940f2b8ead0ffb3d"
DNS, TCP = "20477715a96a4d58", "c4e8b74e72625cd3"


def example_view():
    return trace_view(next(iter(read_traces([EXAMPLE]))))


def test_view_of_the_example_matches_the_hand_derivation():
    view = example_view()
    spans = {s["id"]: s for s in view["spans"]}
    assert view["start_ns"] == 1_732_543_392_345_600_000 and view["duration_ns"] == 1_080_960_237
    assert len(view["spans"]) == 25
    # the root's own time: before GET (192,000), between GET's end and POST's start, after POST's end
    assert spans[ROOT]["sections"] == [[0, 192_000], [6_197_672, 6_304_000], [1_080_704_892, 1_080_960_237]]
    assert spans[ADD]["sections"] == [[9_600_000, 10_600_000], [11_378_763, 1_075_904_000],
                                      [1_076_286_800, 1_076_389_345]]
    assert spans[ROUTE]["sections"] == [[9_536_000, 9_600_000], [1_076_389_345, 1_076_416_000],
                                        [1_078_572_688, 1_078_680_803]]
    assert "sections" not in spans[DNS]           # off the path: ends after tcp.connect starts
    assert (spans[ADD]["start"], spans[ADD]["end"]) == (9_600_000, 1_076_389_345)
    assert spans[ADD]["self"] == 1_064_627_782     # 1,066,789,345 - 1,778,763 (dns ∪ tcp) - 382,800
    assert spans[ADD]["cp"] == 1_065_627_782       # 1,066,789,345 - 382,800 - 778,763
    # parents are indexes; the pre-order keeps each subtree contiguous
    order = [s["id"] for s in view["spans"]]
    assert view["spans"][order.index(ADD_SERVER)]["parent"] == order.index(ADD)
    assert spans[ROOT]["parent"] == -1
    # the AddItem pair: gap = 1,066,789,345 - 382,800; ratio = 1,066,789,345 / 382,800
    (n,) = spans[ADD]["calls"]
    assert spans[ADD_SERVER]["calls"] == [n]
    call = view["calls"][n]
    assert (call["client"], call["server"]) == (order.index(ADD), order.index(ADD_SERVER))
    assert call["gap_ns"] == 1_066_406_545 and 2786.8 < call["ratio"] < 2786.9
    # anomalies: client_server_gap on AddItem and its server, cold_connection on AddItem, dns, tcp
    types = [a["type"] for a in view["anomalies"]]
    assert [types[i] for i in spans[ADD]["anomalies"]] == ["client_server_gap", "cold_connection"]
    assert [types[i] for i in spans[DNS]["anomalies"]] == ["cold_connection"]
    assert spans[ADD]["attributes"]["rpc.method"] == "AddItem"


def test_a_10000_deep_chain_needs_no_recursion():
    spans = [Span(trace_id="t", span_id=f"s{k}", parent_span_id=f"s{k - 1}" if k else None,
                  start_ns=k, end_ns=40_000 - k) for k in range(10_000)]
    view = trace_view(Trace(trace_id="t", spans=spans))
    assert [s["depth"] for s in view["spans"]][-1] == 9_999
    # each link owns [k, k + 1] and [40,000 - k - 1, 40,000 - k]; the last one [9,999, 30,001]
    assert view["spans"][0]["sections"] == [[0, 1], [39_999, 40_000]]
    assert view["spans"][-1]["sections"] == [[9_999, 30_001]]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_markup_in_a_span_name_stays_data():
    name = "</script><script>alert(1)</script><!--"
    view = trace_view(Trace(trace_id="t", spans=[Span(trace_id="t", span_id="a", name=name, start_ns=0, end_ns=5)]))
    page = render_html([view], title="<b>x</b>")
    parser = _Tags()
    parser.feed(page)
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert len(scripts) == len(SCRIPTS) + 2                 # the assets, the data block, the boot line
    assert not any(tag in ("b", "link", "img") for tag, _ in parser.tags)
    assert not any("src" in attrs for attrs in scripts)
    start = page.index('id="gt-data">') + len('id="gt-data">')
    data = json.loads(page[start:page.index("</script>", start)])
    assert data["traces"][0]["spans"][0]["name"] == name


def test_cli_writes_the_report_and_reports_a_missing_trace():
    runner = CliRunner()
    done = runner.invoke(app, ["analyze", str(EXAMPLE), "--format", "html"])
    assert done.exit_code == 0
    assert done.stdout.startswith("<!doctype html>") and "971a659583cb354ebf2a7babf50db2f8" in done.stdout
    missing = subprocess.run([sys.executable, "-m", "graphtrace", "analyze", str(EXAMPLE), "--format", "html",
                              "--trace-id", "ab" * 16], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and missing.stdout == ""
    assert "Error:" in missing.stderr and f"trace {'ab' * 16} not found" in missing.stderr
