# The Superset image: Superset 6 with the project's config, dashboards as code and the
# bootstrap (roles, row-level security). Built from the same lock file as .venv/superset:
#   docker build -f deploy/superset.Dockerfile -t aftersales-superset .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    AFTERSALES_ROOT=/opt/aftersales \
    SUPERSET_CONFIG_PATH=/opt/aftersales/superset/superset_config.py

# the resolver and installer the lock files are made with (scripts/setup.sh)
RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /opt/aftersales
COPY requirements/superset.lock.txt requirements/superset.lock.txt
RUN uv venv --python /usr/local/bin/python3.11 /opt/venv \
    && uv pip sync --no-cache --compile-bytecode --python /opt/venv/bin/python requirements/superset.lock.txt

COPY superset/ superset/
COPY deploy/superset-init.sh deploy/superset-init.sh
RUN useradd --uid 50001 --create-home --home-dir /var/lib/superset superset \
    && mkdir -p /var/lib/superset /data/warehouse \
    && chown -R superset /var/lib/superset

USER 50001
EXPOSE 8088
CMD ["gunicorn", "--bind", "0.0.0.0:8088", "--workers", "2", "--worker-class", "gthread", "--threads", "8", "--timeout", "120", "superset.app:create_app()"]
