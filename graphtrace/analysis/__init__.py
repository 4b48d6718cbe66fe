"""In-memory analysis of one trace (networkx): the reference every Cypher result is checked against."""
