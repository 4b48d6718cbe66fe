#!/usr/bin/env bash
# The README's test command: installs what is missing, then runs the whole suite against a real Neo4j.
# Neo4j: NEO4J_URI if set, else Docker (testcontainers) if an engine answers, else the local Neo4j
# assembled from Maven Central (tests/conftest.py starts and stops it).  Neo4j tests fail, never skip.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
# Debian's Chromium and its driver: the Neo4j Browser test drives them (tests/localdb/test_browser.py).
browser_apt=()
command -v chromium >/dev/null 2>&1 || browser_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || browser_apt+=(chromium-driver)
if [ ${#browser_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing ${browser_apt[*]} with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${browser_apt[@]}" >/dev/null
  else
    echo "test.sh: missing ${browser_apt[*]}; the Neo4j Browser test will fail (apt-get install ${browser_apt[*]})." >&2
  fi
fi
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
