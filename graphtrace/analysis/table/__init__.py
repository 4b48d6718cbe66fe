"""The columnar analysis engine: a :class:`~graphtrace.spantable.SpanTable` analysed by numpy kernels.

The same answers as the dict engine (:mod:`graphtrace.analysis.analyze`), without one Python object
per span: :mod:`graphtrace.spantable` holds the table, :mod:`.tree` its forest, :mod:`.self_time`,
:mod:`.critical_path` and :mod:`.bottlenecks` the kernels, :mod:`.anomalies` the detectors,
:mod:`.report` the report kept as columns and :mod:`.analyze` the whole analysis
(``analyze_table``).  ``tests/analysis/table/`` checks every part against the dict engine, which is
itself checked against networkx and hand derivations.
"""
