#!/usr/bin/env bash
# Installs the real protocol peers that `make test`, `make lab` and `make bench`
# drive. Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail

need=()
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "deps: missing ${need[*]} and not root; install them and retry" >&2
    exit 1
  fi
fi
echo "deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
