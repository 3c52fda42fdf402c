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
  sample-network generate --out "$NETWORK" --seed "${SEED:-42}" --file-events
fi

step "2/4 Airflow: feed_ingestion -> warehouse_build -> feed_freshness"
.venv/pipeline/bin/python -m orchestration.run_dags

step "3/4 Superset: bootstrap (migrate, roles, row-level security, dashboards)"
# the bootstrap's own lines go to a variable: shown in full only when it fails
if ! bootstrap_out="$(.venv/superset/bin/python superset/bootstrap.py 2>&1)"; then
  printf '%s\n' "$bootstrap_out" >&2
  exit 1
fi
grep -E '^ready ' <<<"$bootstrap_out" || true

step "4/4 Superset: serve"
bash superset/serve.sh start

# logins: every user created by this bootstrap got its own password, shown only now
master="$NETWORK/master/dealers.csv"
dealer="$(awk -F, 'NR==2 {print $1}' "$master")"
region="$(.venv/pipeline/bin/python - "$master" "$dealer" <<'PY'
import csv, sys
rows = {r["dealer_code"]: r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
print(rows[sys.argv[2]]["region"])
PY
)"
password_of() { sed -nE "s/^ +login: $1  password: (\S+)$/\1/p" <<<"$bootstrap_out"; }
cat <<MSG

Superset is serving the dashboards at http://127.0.0.1:${AFTERSALES_SUPERSET_PORT:-8088}/dashboard/list/
MSG
if grep -q '^ *login: ' <<<"$bootstrap_out"; then
  cat <<MSG
  OEM (all dealers):                 oem / $(password_of oem)
  regional manager ($region):  rm_$region / $(password_of "rm_$region")
  dealer $dealer (own scorecard):      $dealer / $(password_of "$dealer")
  data engineer (feed health):       dataeng / $(password_of dataeng)
  admin:                             admin / ${AFTERSALES_SUPERSET_ADMIN_PASSWORD:-admin-dev-password} (development default)
Every other regional manager (rm_<region>) and dealer (<dealer code>) has its own password:
$(grep '^ *login: ' <<<"$bootstrap_out" | awk '{pair = $2 " / " $4; printf "  %-48s%s", pair, (NR % 2 == 0 ? "\n" : "")} END {if (NR % 2) print ""}')
These passwords are shown only now; new ones: .venv/superset/bin/python superset/bootstrap.py --reset-passwords
MSG
else
  echo "  the users exist already (their passwords were shown when they were created);"
  echo "  new ones: .venv/superset/bin/python superset/bootstrap.py --reset-passwords"
fi
echo "Stop the server with 'make stop'."
