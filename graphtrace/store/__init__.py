"""Neo4j storage of traces: schema, connection, ingest."""
