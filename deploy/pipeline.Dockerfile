# The pipeline image: Airflow (api-server, scheduler, dag-processor, triggerer, Celery
# workers), dbt, Great Expectations, pandera. Built from the same lock file as the embedded
# default's .venv/pipeline:  docker build -f deploy/pipeline.Dockerfile -t aftersales-pipeline .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    AFTERSALES_ROOT=/opt/aftersales \
    AIRFLOW_HOME=/opt/airflow

# the resolver and installer the lock files are made with (scripts/setup.sh)
RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /opt/aftersales
COPY requirements/pipeline.lock.txt requirements/pipeline.lock.txt
RUN uv venv --python /usr/local/bin/python3.11 /opt/venv \
    && uv pip sync --no-cache --compile-bytecode --python /opt/venv/bin/python requirements/pipeline.lock.txt

# the project's code: every package of pyproject.toml and the folders they read at run time
COPY pyproject.toml README.md ./
COPY ingestion/ ingestion/
COPY orchestration/ orchestration/
COPY warehouse/ warehouse/
COPY sample_network/ sample_network/
COPY dags/ dags/
COPY dbt_project/ dbt_project/
COPY expectations/ expectations/
COPY scripts/ scripts/
RUN uv pip install --no-cache --no-deps --python /opt/venv/bin/python . \
    && useradd --uid 50000 --create-home --home-dir /opt/airflow airflow \
    && mkdir -p /data/inbox /data/master /data/lake /data/warehouse /data/logs /opt/airflow \
    && chown -R airflow /data /opt/airflow /opt/aftersales

USER 50000
ENTRYPOINT ["airflow"]
CMD ["api-server"]
