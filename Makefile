# Dealer after-sales data platform: the two commands are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY      := .venv/pipeline/bin/python
RUFF    := .venv/pipeline/bin/ruff
NETWORK ?= var/sample_network
SEED    ?= 42

.PHONY: help setup demo test test-fast lint format generate ingest warehouse superset stop bench lock clean distributed

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-12s\033[0m %s\n", $$1, $$2}'

setup: ## create both virtual environments and install the Debian packages (idempotent)
	@bash scripts/setup.sh

demo: setup ## main job: sample network -> Airflow -> DuckDB marts -> Superset at 127.0.0.1:8088
	@bash scripts/demo.sh

test: setup ## the whole test suite (unit, dbt, GX, Airflow, Superset, browser) plus lint
	@bash scripts/test.sh

test-fast: setup ## unit tests only (skips the end-to-end runs of real services)
	@bash scripts/test.sh -m "not e2e"

lint: setup ## ruff check and format check
	@$(RUFF) check . && $(RUFF) format --check .

format: setup ## ruff format and autofix
	@$(RUFF) format . && $(RUFF) check --fix .

generate: setup ## (re)generate the small sample network into $(NETWORK)
	@.venv/pipeline/bin/sample-network generate --out $(NETWORK) --seed $(SEED) --force

distributed: setup ## the distributed topology for real: Airflow + 2 Celery workers on PostgreSQL/Redis, dbt-postgres, Superset
	@.venv/pipeline/bin/python -m orchestration.distributed --network $(NETWORK)

ingest: setup ## process the inbox of $(NETWORK) into the lake (files, rows, quarantine, ledger)
	@AFTERSALES_DEALER_MASTER=$(NETWORK)/master/dealers.csv .venv/pipeline/bin/aftersales ingest --inbox $(NETWORK)/inbox

warehouse: setup ## Airflow DAG warehouse_build: dbt build of the lake, published atomically
	@.venv/pipeline/bin/python -m orchestration.run_dags --dag warehouse_build

superset: setup ## bootstrap Superset on the served warehouse and start it (127.0.0.1:8088)
	@.venv/superset/bin/python superset/bootstrap.py && bash superset/serve.sh start

stop: ## stop the Superset server started by `make demo`
	@bash superset/serve.sh stop || true

bench: setup ## benchmarks on the large preset (slow: tens of minutes)
	@bash bench/run_all.sh

lock: ## re-resolve the pinned lock files from requirements/*.in
	python3 -m uv pip compile --python-version 3.11 requirements/pipeline.in -o requirements/pipeline.lock.txt -q
	python3 -m uv pip compile --python-version 3.11 requirements/superset.in -o requirements/superset.lock.txt -q

clean: stop ## remove runtime data (var/), keep the environments
	rm -rf var/
