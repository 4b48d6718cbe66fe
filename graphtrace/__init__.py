"""graphtrace: graph-database-backed distributed trace investigation."""

__version__ = "0.1.0"
