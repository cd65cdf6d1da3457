#!/usr/bin/env bash
# Create .venv/ at the repository root with the game installed (editable) and its test tools,
# and the browser game's front-end assets (offline; scripts/offline_assets.sh, needs npm once).
#
# Finds a Python >= 3.12 by itself (PATH first, then pyenv), installs uv if it can, and falls
# back to venv + pip when it cannot. Safe to run again: it only re-syncs.
set -euo pipefail
cd "$(dirname "$0")/.."

want_major=3
want_minor=12

ok_python() {
  # A candidate is good when it really runs (pyenv shims may not) and is new enough.
  "$1" -c "import sys; sys.exit(0 if sys.version_info >= ($want_major, $want_minor) else 1)" >/dev/null 2>&1
}

find_python() {
  local c
  if [ -n "${FABRACE_PYTHON:-}" ]; then
    if ok_python "$FABRACE_PYTHON"; then echo "$FABRACE_PYTHON"; return 0; fi
    echo "bootstrap: FABRACE_PYTHON=$FABRACE_PYTHON is not a working Python >= $want_major.$want_minor" >&2
    return 1
  fi
  for c in python3.14 python3.13 python3.12 python3 python; do
    if command -v "$c" >/dev/null 2>&1; then
      # Resolve to the real interpreter so that uv is never handed a pyenv shim.
      local real
      real=$("$c" -c 'import sys; print(sys.executable)' 2>/dev/null || true)
      if [ -n "$real" ] && ok_python "$real"; then echo "$real"; return 0; fi
    fi
  done
  local root="${PYENV_ROOT:-}"
  if [ -z "$root" ] && command -v pyenv >/dev/null 2>&1; then root=$(pyenv root 2>/dev/null || true); fi
  [ -n "$root" ] || root="$HOME/.pyenv"
  if [ -d "$root/versions" ]; then
    for c in $(ls -1 "$root/versions" | sort -t. -k1,1n -k2,2n -k3,3n -r); do
      for exe in "$root/versions/$c/bin/python3" "$root/versions/$c/bin/python"; do
        if [ -x "$exe" ] && ok_python "$exe"; then echo "$exe"; return 0; fi
      done
    done
  fi
  return 1
}

if ! PY=$(find_python); then
  cat >&2 <<MSG
bootstrap: Fab Race needs Python $want_major.$want_minor or newer (Mesa 3.5 requires it), and none was found
on PATH or under pyenv. Install one, for example:
  Debian/Ubuntu:  apt-get install python3.12 python3.12-venv
  pyenv:          pyenv install 3.12
then run this again, or point FABRACE_PYTHON at the interpreter.
MSG
  exit 1
fi
echo "bootstrap: using $PY ($("$PY" -c 'import platform; print(platform.python_version())'))"

extras="${FABRACE_EXTRAS:-dev,distributed}"  # dev includes the browser-test tools

uv_cmd=()
if [ -n "${FABRACE_NO_UV:-}" ]; then
  :  # forced fallback to venv + pip
elif command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then  # a pyenv shim may not run
  uv_cmd=(uv)
elif "$PY" -m uv --version >/dev/null 2>&1; then
  uv_cmd=("$PY" -m uv)
elif "$PY" -m pip install --quiet --disable-pip-version-check uv >/dev/null 2>&1 && "$PY" -m uv --version >/dev/null 2>&1; then
  uv_cmd=("$PY" -m uv)
fi

if [ ${#uv_cmd[@]} -gt 0 ]; then
  extra_args=()
  for e in ${extras//,/ }; do extra_args+=(--extra "$e"); done
  UV_PROJECT_ENVIRONMENT=.venv UV_COMPILE_BYTECODE=1 "${uv_cmd[@]}" sync --locked --python "$PY" "${extra_args[@]}"
else
  echo "bootstrap: uv is not available, falling back to venv + pip (slower)"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[${extras}]"
fi

test -x .venv/bin/fabrace || { echo "bootstrap: .venv/bin/fabrace is missing after install" >&2; exit 1; }
# the browser game must work with no internet access: its front end comes from the venv
bash scripts/offline_assets.sh .venv
touch .venv/.fabrace-installed
echo "bootstrap: ready (.venv/bin/fabrace)"
