#!/usr/bin/env bash
# Start / stop the Superset web server for the after-sales dashboards.
#   superset/serve.sh start    # background gunicorn on 127.0.0.1:8088, waits for /health
#   superset/serve.sh stop
#   superset/serve.sh status
# Environment: AFTERSALES_SUPERSET_HOME (pid and logs; default var/superset),
# AFTERSALES_SUPERSET_PORT (8088), AFTERSALES_SUPERSET_HOST (127.0.0.1),
# AFTERSALES_SUPERSET_WORKERS (1), AFTERSALES_SUPERSET_THREADS (8), plus the settings
# read by superset_config.py.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENV="${AFTERSALES_SUPERSET_VENV:-$ROOT/.venv/superset}"
HOME_DIR="${AFTERSALES_SUPERSET_HOME:-$ROOT/var/superset}"
HOST="${AFTERSALES_SUPERSET_HOST:-127.0.0.1}"
PORT="${AFTERSALES_SUPERSET_PORT:-8088}"
WORKERS="${AFTERSALES_SUPERSET_WORKERS:-1}"
THREADS="${AFTERSALES_SUPERSET_THREADS:-8}"
PIDFILE="$HOME_DIR/superset-$PORT.pid"
LOG="$HOME_DIR/superset-$PORT.log"
export SUPERSET_CONFIG_PATH="${SUPERSET_CONFIG_PATH:-$HERE/superset_config.py}"
export AFTERSALES_SUPERSET_HOME="$HOME_DIR"

running() { [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

wait_health() {
  local deadline=$((SECONDS + ${AFTERSALES_SUPERSET_START_TIMEOUT:-120}))
  until "$VENV/bin/python" - "$HOST" "$PORT" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(f"http://{sys.argv[1]}:{sys.argv[2]}/health", timeout=2).read()
PY
  do
    if ((SECONDS > deadline)); then
      echo "serve: Superset did not answer /health within the timeout; see $LOG" >&2
      return 1
    fi
    if ! running && ((SECONDS > 5)); then
      echo "serve: Superset exited during start-up; last log lines:" >&2
      tail -n 20 "$LOG" >&2 || true
      return 1
    fi
    sleep 0.5
  done
}

case "${1:-start}" in
  start)
    mkdir -p "$HOME_DIR"
    if running; then
      echo "serve: already running (pid $(cat "$PIDFILE")) on http://$HOST:$PORT"
      exit 0
    fi
    rm -f "$PIDFILE"
    "$VENV/bin/gunicorn" \
      --daemon --pid "$PIDFILE" \
      --bind "$HOST:$PORT" \
      --workers "$WORKERS" --worker-class gthread --threads "$THREADS" \
      --timeout 120 --graceful-timeout 10 \
      --error-logfile "$LOG" --capture-output \
      "superset.app:create_app()"
    wait_health
    echo "serve: ready on http://$HOST:$PORT (pid $(cat "$PIDFILE"))"
    ;;
  stop)
    if running; then
      pid="$(cat "$PIDFILE")"
      kill "$pid"
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      echo "serve: stopped (pid $pid)"
    else
      echo "serve: not running"
    fi
    rm -f "$PIDFILE"
    ;;
  status)
    if running; then echo "running (pid $(cat "$PIDFILE")) on http://$HOST:$PORT"; else echo "stopped"; exit 1; fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
