"""Run the ``annotate`` maintenance recipe: write self time and critical-path data onto spans.

For each batch of trace ids, ``cypher/annotate.cypher`` computes (in Cypher,
with the same rules as :mod:`graphtrace.analysis`) and writes ``Span.self_ns``,
``Span.cp_ns``, ``Span.on_cp``, ``Span.depth`` and ``Trace.annotated = true``.
Each batch is one write transaction.  The store's ingest calls this after
writing traces; cross-trace recipes read the properties.

>>> list(batches(["a", "b", "c"], 2))
[['a', 'b'], ['c']]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import neo4j

from graphtrace.recipes.catalog import builtin_dir
from graphtrace.recipes.header import Recipe, load_recipe
from graphtrace.recipes.run import run_recipe

RECIPE = "annotate"


def batches(items: Iterable[str], size: int) -> Iterator[list[str]]:
    """Split ``items`` into lists of at most ``size`` (at least 1).

    >>> list(batches([], 3))
    []
    """
    size = max(1, size)
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def annotate_recipe() -> Recipe:
    """The built-in ``annotate`` recipe (never a user override: ingest depends on its exact output).

    >>> annotate_recipe().mode
    'maintenance'
    """
    return load_recipe(builtin_dir() / f"{RECIPE}.cypher")


def annotate_traces(
    driver: neo4j.Driver,
    trace_ids: Iterable[str],
    *,
    database: str,
    batch_traces: int = 200,
    timeout_s: float | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Annotate ``trace_ids`` in batches of ``batch_traces``; return ``{"traces": n, "spans": m}``.

    ``on_progress(traces_done, spans_done)`` is called after each batch.
    Example (needs a server)::

        annotate_traces(driver, ["971a659583cb354ebf2a7babf50db2f8"], database="neo4j")
    """
    recipe = annotate_recipe()
    done = {"traces": 0, "spans": 0}
    for batch in batches(dict.fromkeys(trace_ids), batch_traces):
        _, rows = run_recipe(driver, recipe, {"trace_ids": batch}, database=database,
                             timeout_s=timeout_s, write=True)
        done["traces"] += int(rows[0]["traces"] or 0) if rows else 0
        done["spans"] += int(rows[0]["spans"] or 0) if rows else 0
        if on_progress is not None:
            on_progress(done["traces"], done["spans"])
    return done
