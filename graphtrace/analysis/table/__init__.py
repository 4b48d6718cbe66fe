"""The columnar analysis engine: a :class:`~graphtrace.spantable.SpanTable` analysed by numpy kernels.

The same answers as the dict engine (:mod:`graphtrace.analysis.analyze`), without one Python object
per span: see :mod:`graphtrace.spantable` for the table, :mod:`.tree` for its forest.
"""
