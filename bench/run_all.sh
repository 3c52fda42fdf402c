#!/usr/bin/env bash
# Benchmarks on the large preset (300 dealers x 3 years, >= 5 M repair orders).
# Each benchmark reports ratios against a baseline measured in the same run.
# Reports land in var/bench/reports/. Expect tens of minutes on 2 cores.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY=.venv/pipeline/bin/python
export PATH="$ROOT/.venv/pipeline/bin:$PATH" GX_ANALYTICS_ENABLED=False DBT_SEND_ANONYMOUS_USAGE_STATS=False
LARGE="${AFTERSALES_BENCH_NETWORK:-var/bench/large}"
WORK=var/bench/work
REPORTS=var/bench/reports
mkdir -p "$REPORTS"

step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }

if [[ ! -f "$LARGE/truth/summary.json" ]]; then
  step "generating the large preset into $LARGE"
  .venv/pipeline/bin/sample-network generate --preset large --out "$LARGE" --seed 7 --force
fi

step "ingestion: rows/s per feed vs the DuckDB read_csv floor"
$PY bench/bench_ingestion.py --network "$LARGE" --work "$WORK/ingestion" --report "$REPORTS/ingestion_large"

step "quality gate: GX seconds per million rows per feed"
$PY bench/bench_quality_gate.py --rows 1000000 --files 2000 | tee "$REPORTS/quality_gate.txt"

step "dbt: full build, rebuild after one new month, start-up share"
$PY bench/bench_dbt.py --lake "$WORK/ingestion/lake" --output "$REPORTS/dbt_large.json"

step "warehouse: build and publish the large warehouse (for the Superset benchmark)"
export AFTERSALES_LAKE="$ROOT/$WORK/ingestion/lake" AFTERSALES_WAREHOUSE="$ROOT/$WORK/aftersales.duckdb"
$PY -c "from ingestion.settings import Settings; from warehouse.publish import build_and_publish; print(build_and_publish(Settings.from_env()))"

step "Superset: chart latency p50/p95 on the large warehouse"
$PY bench/bench_superset.py --warehouse "$AFTERSALES_WAREHOUSE" --runs 20 | tee "$REPORTS/superset_large.txt"
unset AFTERSALES_LAKE AFTERSALES_WAREHOUSE

step "orchestration: Airflow wall time minus work inside the tasks"
$PY bench/bench_orchestration.py --network "$LARGE" | tee "$REPORTS/orchestration_large.txt"
