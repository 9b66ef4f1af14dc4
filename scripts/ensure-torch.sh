#!/usr/bin/env bash
# Makes sure /usr/bin/python3 can import torch for the PyTorch export tests
# (src/export/*.torch.test.ts, npm run test:torch): installs Debian's python3-torch with
# apt when it is missing and this runs as root. Those tests fail in CI without it.
set -euo pipefail
PY="${TORCH_PYTHON:-/usr/bin/python3}"
if [ -x "$PY" ] && "$PY" -c "import torch" 2>/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's python3-torch for the PyTorch export tests…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3-torch >/dev/null
  /usr/bin/python3 -c "import torch; print('PyTorch', torch.__version__)"
else
  echo "No PyTorch for the export tests. Install it (Debian: sudo apt-get install python3-torch)" \
    "or set TORCH_PYTHON to a python with torch." >&2
  exit 1
fi
