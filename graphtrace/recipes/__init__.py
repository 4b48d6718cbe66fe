"""Cypher recipes: stored ``.cypher`` files with a ``//`` header, run read-only against Neo4j.

Modules: :mod:`~graphtrace.recipes.header` (parse a file),
:mod:`~graphtrace.recipes.values` (parameter types),
:mod:`~graphtrace.recipes.params` (declarations and binding),
:mod:`~graphtrace.recipes.catalog` (find and load recipes),
:mod:`~graphtrace.recipes.run` (EXPLAIN check and run),
:mod:`~graphtrace.recipes.annotate` (the ``annotate`` maintenance step).
"""
