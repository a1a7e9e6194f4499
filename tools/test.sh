#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test (unit,
# integration against the real binary, property tests) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON >/dev/null
cmake --build build
ctest --test-dir build --output-on-failure -j2 "$@"
