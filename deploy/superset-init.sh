#!/usr/bin/env bash
# One-shot Superset bootstrap of the compose stack (service superset-init): waits until the
# pipeline has published the first warehouse (the dealer master the roles and row-level
# security come from is in it), then migrates the metadata database, syncs roles, imports
# the dashboards and provisions users and row-level security (superset/bootstrap.py).
set -euo pipefail
warehouse="${AFTERSALES_WAREHOUSE:?AFTERSALES_WAREHOUSE is not set}"
until [[ -f "$warehouse" ]]; do
  echo "superset-init: waiting for the first published warehouse at $warehouse (run feed_ingestion)"
  sleep 30
done
exec python "${AFTERSALES_ROOT:-/opt/aftersales}/superset/bootstrap.py"
