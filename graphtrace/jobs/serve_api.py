"""The questions the ``graphtrace serve`` API answers, each one library call the CLI makes too.

* :func:`trace_document`: ``analyze --format json`` of one stored trace (read back with
  :func:`graphtrace.store.read.load_trace`, analysed by ``analyze_trace``, rendered by
  :func:`graphtrace.render.json.render_json`);
* :func:`search`: :func:`graphtrace.store.search.search_traces`, with the CLI's value parsing;
* :func:`recipe_list` / :func:`recipe_rows`: ``graphtrace recipe list`` / ``recipe run``
  (the same job, :mod:`graphtrace.jobs.recipe`, read-only: a maintenance recipe is refused).
* :func:`normalize_trace_id` (from :mod:`graphtrace.jobs.recipe`): a trace id as the readers store it.

>>> search_filters({"min_duration": "250ms", "error": "true", "limit": "5"})["min_duration_ns"]
250000000
>>> search_filters({"colour": "red"})
Traceback (most recent call last):
...
graphtrace.errors.InputError: colour: unknown filter; filters: service, operation, min_duration, error, since, until, limit
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphtrace.errors import InputError
from graphtrace.jobs.recipe import answer_recipe, normalize_trace_id, prepare_recipe
from graphtrace.recipes.values import ValueProblem, convert

_FILTERS = {"service": ("service", "string"), "operation": ("operation", "string"),
            "min_duration": ("min_duration_ns", "duration"), "error": ("error", "bool"),
            "since": ("since_ns", "time"), "until": ("until_ns", "time"), "limit": ("limit", "int")}


def trace_document(driver: Any, trace_id: str, *, database: str) -> str:
    """The JSON document ``graphtrace analyze --format json`` prints for this one stored trace."""
    from graphtrace.analysis.analyze import analyze_trace
    from graphtrace.analysis.report import AnalysisOutput
    from graphtrace.render.json import render_json
    from graphtrace.store.read import load_trace

    trace = load_trace(driver, normalize_trace_id(trace_id), database=database)
    output = AnalysisOutput(traces=[analyze_trace(trace)], warnings=[], skipped=[])
    return render_json(output.model_dump(mode="json"))


def search_filters(query: Mapping[str, str]) -> dict[str, Any]:
    """Query-string filters -> keyword arguments of ``search_traces`` (``InputError`` on a bad one)."""
    out: dict[str, Any] = {}
    for name, text in query.items():
        if name not in _FILTERS:
            raise InputError("unknown filter; filters: " + ", ".join(_FILTERS), record=name)
        key, type_ = _FILTERS[name]
        try:
            out[key] = convert(text, type_)
        except ValueProblem as exc:
            raise InputError(str(exc), record=name) from None
    if out.get("limit") is not None and out["limit"] < 1:
        raise InputError("must be at least 1", record="limit")
    return {k: v for k, v in out.items() if v is not None}


def search(driver: Any, query: Mapping[str, str], *, database: str) -> list[dict[str, Any]]:
    """Stored traces matching the query-string filters, newest first."""
    from graphtrace.store.search import search_traces

    return search_traces(driver, database=database, **search_filters(query))


def recipe_list() -> list[dict[str, Any]]:
    """Every recipe with its question, mode and parameters (``graphtrace recipe list``)."""
    from graphtrace.recipes.catalog import load_catalog

    return [{"name": r.name, "mode": r.mode, "question": r.question,
             "params": [{"name": p.name, "type": p.type, "default": p.default, "required": p.required,
                         "choices": p.choices, "description": p.description} for p in r.params]}
            for r in load_catalog().values()]


def recipe_rows(driver: Any, name: str, params: Mapping[str, Any], *, database: str,
                timeout_s: float = 30.0) -> dict[str, Any]:
    """``{"columns": [...], "rows": [...]}`` of one read-only recipe run: the job of ``graphtrace recipe
    run`` (:mod:`graphtrace.jobs.recipe`), refusing a maintenance recipe; no rows is an empty list."""
    recipe, given = prepare_recipe(name, params, read_only=True)
    answer = answer_recipe(driver, recipe, given, database=database, timeout_s=timeout_s, explain=False)
    return {"columns": answer.columns, "rows": answer.rows}
