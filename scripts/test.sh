#!/usr/bin/env bash
# The project's test command (`make test`, also run by .ci/run).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/pipeline/bin:$PATH"
export GX_ANALYTICS_ENABLED=False DBT_SEND_ANONYMOUS_USAGE_STATS=False
mkdir -p var/test-artifacts

.venv/pipeline/bin/ruff check . || { echo "lint failed (ruff check)"; exit 1; }

.venv/pipeline/bin/python -m pytest "$@" --junitxml=var/test-artifacts/junit.xml
rc=$?
if [[ $rc -eq 5 ]]; then
  echo "pytest collected no tests: treating as a failure" >&2
  exit 1
fi
exit $rc
