#!/usr/bin/env bash
# Installs the Debian 12 packages synclatch needs to build and test, skipping those already installed.
# Safe to run any number of times; used by the README commands and by CI. Needs root or sudo for apt.
# Also installs the interop tests' npm packages (pinned by their lockfile).
#   scripts/install-deps.sh [--arm64]
#     --arm64   also what the ARM64 cross build needs (scripts/arm64-tests.sh): the aarch64-linux-gnu
#               toolchain, qemu-user, and the libraries' :arm64 packages (adds the arm64 architecture)
set -euo pipefail
arm64=0
case "${1:-}" in
  --arm64) arm64=1 ;;
  "") ;;
  *) echo "usage: scripts/install-deps.sh [--arm64]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi

packages=(
  gcc g++ cmake ninja-build   # toolchain (CMake >= 3.25; C for the C API's test)
  pkg-config                  # a C app finding the installed C API (the package test)
  libsqlite3-dev sqlite3      # the local store and the server's embedded store
  libpq-dev postgresql        # the server's PostgreSQL store (libpq), and the clusters its tests start
  libboost1.81-dev            # Boost.Beast / Asio (server and client transport)
  libssl-dev                  # TLS and SigV4 hashing
  nlohmann-json3-dev          # the protocol's JSON codec
  catch2                      # tests (Catch2 2.x)
  libcli11-dev                # command-line options of the server and tools
  qt6-base-dev                # the demo (Qt 6 Widgets)
  qt6-qpa-plugins             # the demo's window systems, and offscreen for headless runs and tests
  fonts-dejavu-core           # text in the demo's offscreen screenshots
  clang libclang-rt-14-dev    # the fuzz targets: clang 14 and its libFuzzer and sanitizer runtimes
  nginx-light                 # docs/nginx/synclatch.conf, run in front of two servers by a test
  openjdk-17-jdk-headless     # the Java binding (bindings/java): javac, jar and the JNI headers
  junit5                      # its tests (JUnit 5's console launcher)
)
if [ "$arm64" = 1 ]; then
  packages+=(g++-aarch64-linux-gnu qemu-user libsqlite3-dev:arm64 libssl-dev:arm64 libboost1.81-dev:arm64)
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $sudo dpkg --add-architecture arm64
  fi
fi
# Node.js runs the interop tests with the real AWS JavaScript SDKs; a machine that already has a node
# binary (any packaging) keeps it.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} Debian packages are installed"
else
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  # The tests start their own PostgreSQL clusters and nginx: the packages' system services are not
  # started (a policy-rc.d that says no, for this install only, unless the machine has its own).
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    trap '$sudo rm -f "$policy"' EXIT
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The AWS SDK v3 packages need Node.js 20 or later (Debian 12's own nodejs is 18): say so plainly.
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "install-deps: Node.js $(node --version) is too old; the interop tests' AWS SDK v3 needs Node.js 20 or later" >&2
  exit 1
fi

# The interop tests' npm packages, pinned by tests/interop/package-lock.json.
if [ ! -d tests/interop/node_modules ] || [ tests/interop/package-lock.json -nt tests/interop/node_modules ]; then
  echo "install-deps: installing the interop tests' npm packages"
  npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error
fi
