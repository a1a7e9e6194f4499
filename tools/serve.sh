#!/usr/bin/env bash
# Installs what is missing, builds, and runs the server on its defaults:
# data under ./data, listening on 127.0.0.1:8080 (SYNC_HOST/SYNC_PORT and
# the other SYNC_* variables work as with the official server). Extra
# arguments go to `ankisync serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build --target ankisync
exec build/tools/ankisync/ankisync serve "$@"
