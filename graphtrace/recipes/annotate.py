"""Run the ``annotate`` maintenance recipe: write self time and critical-path data onto spans.

For each batch of trace ids, ``cypher/annotate.cypher`` computes (in Cypher,
with the same rules as :mod:`graphtrace.analysis`) and writes ``Span.self_ns``,
``Span.cp_ns``, ``Span.on_cp``, ``Span.depth`` and ``Trace.annotated = true``.
A batch takes one run of the recipe per 64 levels of its deepest trace (one
run for ordinary traces), each its own write transaction, so the work and the
memory stay linear in the spans however deep a trace is; a pass of more than
:data:`CHUNK_ROWS` spans (a very wide level) is written in several runs.  The store's ingest
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


# Server-side timeout of one run (one transaction), in seconds.  A run does at most 64 levels' work
# per span: about 20 s for 100,000 spans on the benchmark machine (docs/performance.md,
# "Pathological traces"), so only a stuck query reaches it.
PASS_TIMEOUT_S = 600.0
# Rows of one pass written per transaction: a pass of 100,000 spans (one wide level) written in one
# transaction went over the transaction memory pool of a 1 GB heap when it committed.
CHUNK_ROWS = 25_000


def annotate_traces(
    driver: neo4j.Driver,
    trace_ids: Iterable[str],
    *,
    database: str,
    batch_traces: int = 200,
    timeout_s: float | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    block: int = 256,
    chunk_rows: int = CHUNK_ROWS,
) -> dict[str, int]:
    """Annotate ``trace_ids`` in batches of ``batch_traces``; return ``{"traces": n, "spans": m}``.

    Each batch is one pass of the recipe (64 levels of every trace), then ``resume`` passes until no
    trace of the batch is in progress.  A pass writes the rows of rank ``[lo, hi)`` of each trace,
    ``chunk_rows`` at a time: a trace with more rows in the pass is run again (``more``) with the
    next range before the batch's next pass.  Each run is its own transaction with a server-side
    timeout of ``timeout_s`` (default :data:`PASS_TIMEOUT_S`), so a client that goes away leaves no
    transaction running for long.  A trace is marked annotated by the run that writes its last rows
    only.  ``on_progress(traces_done, spans_done)`` is called after each batch.  ``block`` is the
    recipe's block of chosen children in the critical-path walk (tests lower it and ``chunk_rows``).
    Example (needs a server)::

        annotate_traces(driver, ["971a659583cb354ebf2a7babf50db2f8"], database="neo4j")
    """
    recipe = annotate_recipe()
    done = {"traces": 0, "spans": 0}
    timeout = PASS_TIMEOUT_S if timeout_s is None else timeout_s
    qtype: list[str] = []
    for batch in batches(dict.fromkeys(trace_ids), batch_traces):
        resume = False
        while True:
            spans = 0
            todo, lo = batch, 0
            while todo:  # the chunks of one pass
                params = {"trace_ids": todo, "resume": resume, "block": block, "lo": lo, "hi": lo + chunk_rows}
                row = _run(driver, recipe, params, qtype, database=database, timeout_s=timeout)
                done["traces"] += int(row.get("traces") or 0)
                spans += int(row.get("spans") or 0)
                todo, lo = list(row.get("more") or []), lo + chunk_rows
            done["spans"] += spans
            if spans == 0 and resume:
                break
            resume = True
        if on_progress is not None:
            on_progress(done["traces"], done["spans"])
    return done


def _run(driver: neo4j.Driver, recipe: Recipe, params: dict, qtype: list[str], *, database: str,
         timeout_s: float) -> dict:
    """One run of the recipe (its query type checked once, in ``qtype``); its one row, or ``{}``."""
    bound = bind_params(recipe, params)
    if not qtype:
        qtype.append(query_type(driver, recipe, bound, database=database))
        check_mode(recipe, qtype[0], write=True)
    _, rows = run_checked(driver, recipe, bound, qtype[0], database=database, timeout_s=timeout_s)
    return rows[0] if rows else {}
