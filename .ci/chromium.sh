#!/usr/bin/env bash
# Make Debian's Chromium available for the browser test (tests/test_dagster_ui.py, tests/test_docs_browser.py). Idempotent.
# Everything goes to stderr except the final export line, so `.ci/run` can do:
#   eval "$(.ci/chromium.sh)"
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ ! -x "$CHROMIUM" ]; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
    echo "chromium.sh: installing chromium and chromium-driver with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update >&2
    "${SUDO[@]}" apt-get install -y --no-install-recommends chromium chromium-driver >&2
fi

"$CHROMIUM" --version >&2
echo "export AI_INDEX_CHROMIUM=$CHROMIUM"
