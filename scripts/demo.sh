#!/usr/bin/env bash
# The main job on the embedded default: sample dealer network -> Airflow DAGs
# (ingestion + pandera + Great Expectations, dbt build + atomic publish) -> Superset.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/pipeline/bin:$PATH"
export GX_ANALYTICS_ENABLED=False DBT_SEND_ANONYMOUS_USAGE_STATS=False
NETWORK="${AFTERSALES_SAMPLE_NETWORK:-var/sample_network}"

step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }

step "1/4 sample dealer network"
if [[ -f "$NETWORK/truth/summary.json" ]]; then
  echo "using the existing network in $NETWORK (delete it or run 'make generate' to regenerate)"
else
  sample-network generate --out "$NETWORK" --seed "${SEED:-42}"
fi

step "2/4 Airflow: feed_ingestion -> warehouse_build -> feed_freshness"
.venv/pipeline/bin/python -m warehouse.run_dags

step "3/4 Superset: bootstrap (migrate, roles, row-level security, dashboards)"
bash superset/bootstrap.sh

step "4/4 Superset: serve"
bash superset/serve.sh start
