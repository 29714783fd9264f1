#!/usr/bin/env bash
# Installs the Debian 12 packages synclatch needs to build and test, skipping those already installed.
# Safe to run any number of times; used by the README commands and by CI. Needs root or sudo.
set -euo pipefail

packages=(
  g++ cmake ninja-build       # toolchain (CMake >= 3.25)
  libsqlite3-dev sqlite3      # the local store and the server's embedded store
  libboost1.81-dev            # Boost.Beast / Asio (server and client transport)
  libssl-dev                  # TLS and SigV4 hashing
  nlohmann-json3-dev          # the protocol's JSON codec
  catch2                      # tests (Catch2 2.x)
  libcli11-dev                # command-line options of the server and tools
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
