#!/usr/bin/env bash
# Installs every Debian 12 package ankisync needs to build, test and run.
# Idempotent: packages already present are skipped by apt-get.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libcaf-dev
  libboost1.81-dev libboost-json1.81-dev
  libprotobuf-dev protobuf-compiler
  libspdlog-dev
  librapidcheck-dev catch2
  libzstd-dev zstd
  libminizip-dev nettle-dev
  # For the tests only: independent zip and hash code to check ours against.
  # OpenSSL also builds the TLS module (libankisync-tls.so) the server
  # loads when TLS is on; the openssl command makes the tests' certificates.
  libzip-dev zipcmp zipmerge ziptool libssl-dev openssl
  libcli11-dev
  libsqlite3-dev sqlite3
  zlib1g-dev
  libicu-dev
  unicode-data
  curl python3
  # The second, independent client in the tests (tests/integration/other_client/).
  python3-zstandard
  # Crash tests kill a command at its n-th system call of a kind.
  strace
  # The proxies docs/deploy.md configures, run by the tests on loopback.
  nginx caddy
  # The admin dashboard test renders /admin/ in a headless browser.
  chromium
  # Coverage-guided fuzzing (tools/fuzz.sh): clang 19 compiles the
  # std::expected of libstdc++ 12, which clang 14 cannot.
  clang-19 libfuzzer-19-dev libclang-rt-19-dev
)

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# nginx and caddy are for the tests, which start their own on loopback
# ports: keep apt from starting them as services (both would want port 80).
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
