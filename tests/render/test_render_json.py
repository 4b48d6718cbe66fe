"""The analyze JSON document, its generated JSON Schema and the schema page (drift tests)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson

from graphtrace.analysis.report import AnalysisOutput
from graphtrace.model import Diagnostic
from graphtrace.render.json import render_json

from render_fixtures import checkout_report

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _output() -> AnalysisOutput:
    return AnalysisOutput(
        traces=[checkout_report()],
        warnings=[Diagnostic(file="a.json", record="line 2", field="spanId", message="id is not hex")],
        skipped=[Diagnostic(file="a.json", record="line 9", message="invalid JSON")],
    )


def test_json_round_trips_through_the_model():
    output = _output()
    text = render_json(output.model_dump(mode="json"))
    assert AnalysisOutput.model_validate_json(text) == output
    assert text.endswith("}\n") and text.startswith('{\n  "traces": [')


def test_json_keys_follow_the_schema_order():
    data = orjson.loads(render_json(_output().model_dump(mode="json")))
    assert list(data) == ["traces", "warnings", "skipped"]
    assert list(data["traces"][0])[:3] == ["trace_id", "root_span_ids", "start_ns"]
    # 64-bit nanosecond timestamps survive exactly (conftest: T0 = 1.7e18, r starts at T0).
    assert data["traces"][0]["spans"][0]["start_ns"] == 1_700_000_000_000_000_000


def test_compact_json_is_one_line():
    text = render_json(_output().model_dump(mode="json"), indent=False)
    assert "\n" not in text and AnalysisOutput.model_validate_json(text) == _output()


def test_generated_schema_file_matches_the_models():
    on_disk = json.loads((DOCS / "analyze.schema.json").read_text(encoding="utf-8"))
    assert on_disk == AnalysisOutput.model_json_schema(), (
        "docs/analyze.schema.json is stale: regenerate it (command in docs/json-schema.md) and update that page"
    )


def _documented_fields(markdown: str) -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+)` \|", markdown, flags=re.MULTILINE))


def test_schema_page_documents_every_field_and_anomaly_type():
    page = (DOCS / "json-schema.md").read_text(encoding="utf-8")
    schema = AnalysisOutput.model_json_schema()
    documented = _documented_fields(page)
    for name, definition in [("AnalysisOutput", schema), *schema["$defs"].items()]:
        assert f"`{name}`" in page, f"docs/json-schema.md has no section for {name}"
        missing = set(definition["properties"]) - documented
        assert not missing, f"docs/json-schema.md does not document {name} fields {sorted(missing)}"
    types = set(schema["$defs"]["Anomaly"]["properties"]["type"]["enum"])
    assert types <= documented, f"undocumented anomaly types {sorted(types - documented)}"
