#!/usr/bin/env bash
# Install, then render a demo MV from the shared fixtures on the embedded default (CPU, offline).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
mkdir -p demo
.venv/bin/python - <<'PY'
from PIL import Image
from skimage import data
Image.fromarray(data.astronaut()).save("demo/astronaut.png")
Image.fromarray(data.coffee()).save("demo/coffee.jpg")
Image.fromarray(data.rocket()).save("demo/rocket.webp")
PY
.venv/bin/mvgen make ../shared/fixtures/music/frozen-bubble-2p-45s.m4a \
  demo/astronaut.png demo/coffee.jpg demo/rocket.webp \
  --prompt "neon night, dreamy" --aspect-ratio 9:16 --resolution 720p -o demo/mv.mp4
