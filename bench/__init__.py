"""graphtrace benchmarks (not tests): run ``python -m bench.run --help`` from the repo root."""
