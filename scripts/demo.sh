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
.venv/pipeline/bin/python -m orchestration.run_dags

step "3/4 Superset: bootstrap (migrate, roles, row-level security, dashboards)"
.venv/superset/bin/python superset/bootstrap.py

step "4/4 Superset: serve"
bash superset/serve.sh start

# logins for the three audiences (development passwords unless set in the environment)
master="$NETWORK/master/dealers.csv"
dealer="$(awk -F, 'NR==2 {print $1}' "$master")"
region="$(.venv/pipeline/bin/python - "$master" "$dealer" <<'PY'
import csv, sys
rows = {r["dealer_code"]: r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
print(rows[sys.argv[2]]["region"])
PY
)"
pw="${AFTERSALES_SUPERSET_USER_PASSWORD:-aftersales-dev-password}"
cat <<MSG

Superset is serving the dashboards at http://127.0.0.1:${AFTERSALES_SUPERSET_PORT:-8088}/dashboard/list/
  OEM (all dealers):               oem / $pw
  regional manager ($region):  rm_$region / $pw
  dealer $dealer (own scorecard):    $dealer / $pw
  data engineer (feed health):     dataeng / $pw
  admin:                           admin / ${AFTERSALES_SUPERSET_ADMIN_PASSWORD:-admin-dev-password}
Passwords above are development defaults (refused when AFTERSALES_ENV=production).
Stop the server with 'make stop'.
MSG
