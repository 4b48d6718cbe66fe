"""Run the ``annotate`` maintenance recipe: write self time and critical-path data onto spans.

For each batch of trace ids, ``cypher/annotate.cypher`` computes (in Cypher,
with the same rules as :mod:`graphtrace.analysis`) and writes ``Span.self_ns``,
``Span.cp_ns``, ``Span.on_cp``, ``Span.depth`` and ``Trace.annotated = true``.
A batch takes one run of the recipe per 64 levels of its deepest trace (one
run for ordinary traces), each its own write transaction, so the work and the
memory stay linear in the spans however deep a trace is.  The store's ingest
calls this after writing traces; cross-trace recipes read the properties.

>>> list(batches(["a", "b", "c"], 2))
[['a', 'b'], ['c']]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import neo4j

from graphtrace.recipes.catalog import builtin_dir, load_recipe
from graphtrace.recipes.header import Recipe
from graphtrace.recipes.params import bind_params
from graphtrace.recipes.run import check_mode, query_type, run_checked

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


# Server-side timeout of one pass (one transaction), in seconds.  A pass does at most 64 levels'
# work per span: about 20 s for 100,000 spans on the benchmark machine (docs/performance.md,
# "Pathological traces"), so only a stuck query reaches it.
PASS_TIMEOUT_S = 600.0


def annotate_traces(
    driver: neo4j.Driver,
    trace_ids: Iterable[str],
    *,
    database: str,
    batch_traces: int = 200,
    timeout_s: float | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    block: int = 256,
) -> dict[str, int]:
    """Annotate ``trace_ids`` in batches of ``batch_traces``; return ``{"traces": n, "spans": m}``.

    Each batch is one run of the recipe (64 levels of every trace), then ``resume`` runs until no
    trace of the batch is in progress; each run is its own transaction with a server-side timeout
    of ``timeout_s`` (default :data:`PASS_TIMEOUT_S`), so a client that goes
    away leaves no transaction running for long.  A trace is marked annotated by the run that
    writes its last level only.  ``on_progress(traces_done, spans_done)`` is called after each batch.
    ``block`` is the recipe's block of chosen children in the critical-path walk (tests lower it).
    Example (needs a server)::

        annotate_traces(driver, ["971a659583cb354ebf2a7babf50db2f8"], database="neo4j")
    """
    recipe = annotate_recipe()
    done = {"traces": 0, "spans": 0}
    qtype = ""
    for batch in batches(dict.fromkeys(trace_ids), batch_traces):
        timeout = PASS_TIMEOUT_S if timeout_s is None else timeout_s
        resume = False
        while True:
            bound = bind_params(recipe, {"trace_ids": batch, "resume": resume, "block": block})
            if not qtype:
                qtype = query_type(driver, recipe, bound, database=database)
                check_mode(recipe, qtype, write=True)
            _, rows = run_checked(driver, recipe, bound, qtype, database=database, timeout_s=timeout)
            traces = int(rows[0]["traces"] or 0) if rows else 0
            spans = int(rows[0]["spans"] or 0) if rows else 0
            done["traces"] += traces
            done["spans"] += spans
            if spans == 0 and resume:
                break
            resume = True
        if on_progress is not None:
            on_progress(done["traces"], done["spans"])
    return done
