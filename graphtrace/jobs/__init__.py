"""Jobs: the glue between front ends (CLI, HTTP) and the engines."""
