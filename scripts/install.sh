#!/usr/bin/env bash
# Install mvgen into .venv with everything it needs (Debian packages when root).
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t PKGS < <(grep -v '^#' scripts/debian-packages.txt)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[server,postgres,celery,dev]"
# MVGEN_GPU=cpu (CI, CPU-only hosts) or MVGEN_GPU=cuda adds the gpu extra (generated shots);
# cpu installs the CPU build of torch first (~190 MB wheel instead of the CUDA build's GBs).
if [ -n "${MVGEN_GPU:-}" ]; then
  if [ "$MVGEN_GPU" = cpu ]; then .venv/bin/python -m pip install -q "torch==2.13.0+cpu"; fi
  .venv/bin/python -m pip install -q -e ".[gpu]"
fi
