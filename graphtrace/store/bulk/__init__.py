"""Bulk first load: traces -> neo4j-admin CSV files -> ``neo4j-admin database import full``.

The fast path for loading a large set of traces into an *empty local*
database (the one :mod:`graphtrace.localdb` manages).  The graph is the one
:func:`graphtrace.store.ingest.ingest` builds from the same traces (same
row-building code); see ``docs/neo4j.md``, "Bulk first load".

* :func:`write_csvs` streams traces into typed CSV files (times it), in one process or,
  given a way to read the input again, in several (one shard of the trace ids each);
The job that does it all (refusals, CSVs, stop, import, restart, schema) drives the
local server, so it lives above the engines: :mod:`graphtrace.jobs.bulk`
(``bulk_ingest``, ``import_csvs``).

>>> from graphtrace.store.bulk import write_csvs
>>> callable(write_csvs)
True
"""

from graphtrace.store.bulk.write import CsvCounts, write_csvs

__all__ = ["CsvCounts", "write_csvs"]
