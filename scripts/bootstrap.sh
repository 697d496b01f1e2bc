#!/usr/bin/env bash
# Creates .venv and installs a requirements file into it, again only when the file changed.
# Usage: scripts/bootstrap.sh PYTHON REQUIREMENTS_FILE
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-python3}
requirements=${2:-requirements.txt}

if ! command -v "$python" >/dev/null 2>&1; then
  echo "error: $python not found; install Python 3.11 or newer" >&2; exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "error: Python 3.11 or newer is needed, $("$python" --version) found" >&2; exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $("$python" --version)"
  if ! "$python" -m venv .venv 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      rm -rf .venv && "$python" -m venv .venv
    else
      echo "error: '$python -m venv' failed; install the python3-venv package" >&2; exit 1
    fi
  fi
  .venv/bin/python -m pip install -q --upgrade pip
fi
# Reinstall only when the requirements (or what they include) changed.
digest=$(cat requirements*.txt | sha256sum | cut -c1-16)
stamp=".venv/.installed-$(basename "$requirements" .txt)-$digest"
if [ ! -f "$stamp" ]; then
  echo "Installing $requirements into .venv"
  .venv/bin/python -m pip install -q -r "$requirements"
  rm -f .venv/.installed-"$(basename "$requirements" .txt)"-*
  touch "$stamp"
fi
