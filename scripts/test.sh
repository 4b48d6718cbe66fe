#!/usr/bin/env bash
# The README's test command: installs what is missing, then runs the whole suite against a real Neo4j.
# Neo4j: NEO4J_URI if set, else Docker (testcontainers) if an engine answers, else the local Neo4j
# assembled from Maven Central (tests/conftest.py starts and stops it).  Neo4j tests fail, never skip.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GRAPHTRACE_BOOTSTRAP_BROWSER=1  # bootstrap also installs Chromium for the Neo4j Browser test
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
export GRAPHTRACE_REQUIRE_NEO4J="${GRAPHTRACE_REQUIRE_NEO4J:-1}"
set +e
.venv/bin/python -m pytest -q "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "test.sh: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit "$status"
