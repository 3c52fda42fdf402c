#!/usr/bin/env bash
# Idempotent machine setup: two virtual environments from the checked-in lock files
# and the Debian packages the browser tests need. A ready machine is a no-op.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_ROOT="${DEALERNET_VENV_ROOT:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

ensure_uv() {
  if ! "$PYTHON" -m uv --version >/dev/null 2>&1; then
    log "installing uv for $PYTHON"
    "$PYTHON" -m pip install --quiet --user uv || "$PYTHON" -m pip install --quiet uv
  fi
}

# ensure_venv NAME LOCKFILE [EDITABLE_PROJECT]
ensure_venv() {
  local name="$1" lock="$2" editable="${3:-}"
  local venv="$VENV_ROOT/$name"
  local stamp="$venv/.lock.sha256"
  local want
  want="$( (echo "bytecode-v1"; cat "$lock"; if [[ -n "$editable" ]]; then cat "$ROOT/pyproject.toml"; fi) | sha256sum | cut -d' ' -f1)"
  if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    log "$name environment up to date"
    return
  fi
  ensure_uv
  log "building $name environment in $venv"
  [[ -x "$venv/bin/python" ]] || "$PYTHON" -m uv venv --quiet --python "$PYTHON" "$venv"
  "$PYTHON" -m uv pip sync --quiet --compile-bytecode --python "$venv/bin/python" "$lock"
  if [[ -n "$editable" ]]; then
    "$PYTHON" -m uv pip install --quiet --no-deps --python "$venv/bin/python" -e "$editable"
  fi
  echo "$want" >"$stamp"
}

ensure_debs() {
  local missing=()
  for pkg in chromium chromium-driver fonts-noto-cjk; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    log "Debian packages present"
    return
  fi
  local sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_venv pipeline "$ROOT/requirements/pipeline.lock.txt" "$ROOT"
ensure_venv superset "$ROOT/requirements/superset.lock.txt"
if [[ "${DEALERNET_SKIP_DEBS:-0}" != 1 ]]; then ensure_debs; fi
log "ready"
