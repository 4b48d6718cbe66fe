"""The durable spool and the trace grouper behind ``graphtrace serve`` (imports only model, errors, readers)."""
