#!/usr/bin/env bash
# Run the pipeline DAGs for real (feed_ingestion -> warehouse_build, feed_freshness) with
# Airflow's `dags test`, in one process; migrates the SQLite metadata DB only when needed.
# Usage: scripts/run_pipeline.sh [--date YYYY-MM-DD] [--dag DAG_ID ...] [--verbose]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$ROOT/.venv/pipeline/bin/python" -m orchestration.run_dags "$@"
