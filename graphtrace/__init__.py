"""graphtrace: graph-database-backed distributed trace investigation.

The library in five calls (imported on first use, so ``import graphtrace`` stays fast):

* ``read_traces(paths)``: the traces of files, directories, globs or ``-`` (any supported format);
* ``analyze_trace(trace)``: one trace's report (call tree, critical path, bottlenecks, anomalies);
* ``load(paths)``: schema, ingest and annotate into Neo4j;
* ``run_recipe(name, **params)``: a stored Cypher investigation's rows;
* ``check()``: Neo4j's answers vs the in-memory engine.

>>> import graphtrace
>>> sorted(graphtrace.__all__)
['analyze_trace', 'check', 'load', 'read_traces', 'run_recipe']
"""

from importlib import import_module

__version__ = "0.1.0"
__all__ = ["read_traces", "analyze_trace", "load", "run_recipe", "check"]

_WHERE = {
    "read_traces": "graphtrace.readers",
    "analyze_trace": "graphtrace.analysis.analyze",
    "load": "graphtrace.jobs.load",
    "run_recipe": "graphtrace.jobs.recipe",
    "check": "graphtrace.jobs.check",
}


def __getattr__(name: str) -> object:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'graphtrace' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
