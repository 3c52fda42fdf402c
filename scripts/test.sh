#!/usr/bin/env bash
# The project's test command (`make test`, also run by .ci/run).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/pipeline/bin:$PATH"
export GX_ANALYTICS_ENABLED=False DBT_SEND_ANONYMOUS_USAGE_STATS=False
mkdir -p var/test-artifacts

.venv/pipeline/bin/ruff check . || { echo "lint failed (ruff check)"; exit 1; }

# The distributed-mode run (tests/deploy/test_distributed.py) needs PostgreSQL and Redis:
# say up front whether it runs or is skipped.
if .venv/pipeline/bin/python -m orchestration.distributed --check-services; then
  echo "distributed-mode run: included (tests/deploy/test_distributed.py)"
else
  echo "distributed-mode run: SKIPPED, PostgreSQL or Redis does not answer (see above)"
fi

.venv/pipeline/bin/python -m pytest "$@" --junitxml=var/test-artifacts/junit.xml
rc=$?
if [[ $rc -eq 5 ]]; then
  echo "pytest collected no tests: treating as a failure" >&2
  exit 1
fi
exit $rc
