#!/usr/bin/env bash
# Install the server bench's external tools: wrk (Debian) and Stoplight Prism (npm, pinned).
# Prism 5.14.2 is the newest release that runs on Node 20 (5.16 needs Node >= 24).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prism_version="5.14.2"

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
echo "install_tools: wrk: $(command -v wrk)"

if ! command -v npm >/dev/null 2>&1; then
    echo "install_tools: error: npm not found (install Node.js >= 18 to get Prism)" >&2
    exit 2
fi
prism="$here/node_modules/.bin/prism"
if [ ! -x "$prism" ] || [ "$("$prism" --version 2>/dev/null)" != "$prism_version" ]; then
    npm install --prefix "$here" --no-save --no-audit --no-fund --loglevel=error \
        "@stoplight/prism-cli@$prism_version"
fi
echo "install_tools: prism $("$prism" --version): $prism"

# py-spy profiles the reference server when it is slower than Prism (optional); it goes into the
# active Python environment, the one that runs bench/bench_server.py.
py="${PYTHON:-python3}"
if "$py" -m pip --version >/dev/null 2>&1; then
    "$py" -m pip install -q "py-spy>=0.4" || echo "install_tools: py-spy not installed (optional)" >&2
fi
echo "install_tools: py-spy: $(command -v py-spy || echo 'not on PATH (optional)')"
