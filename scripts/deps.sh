#!/usr/bin/env bash
# Installs the real protocol peers that `make test`, `make lab` and `make bench`
# drive. Idempotent; needs root (or sudo) only when something is missing.
#   sip-tester       SIPp, the SBC in the SIPREC tests and the lab
#   wireguard-go     the standard WireGuard peer the tunnel interop test runs
#   wireguard-tools  wg, to configure it (and to check key compatibility)
#   iproute2         ip, for the interop test's network namespace and veth
#   the package test (make package-test, issue 7): debootstrap and
#   systemd-container (systemd-nspawn) boot a Debian root; lintian, rpmlint,
#   rpm, gnupg and cpio check the packages; jq and curl read the admin API.
# --no-install-recommends matters: wireguard-tools recommends a kernel image.
set -euo pipefail

need=()
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v wireguard-go >/dev/null 2>&1 || need+=(wireguard-go)
command -v wg >/dev/null 2>&1 || need+=(wireguard-tools)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v systemd-nspawn >/dev/null 2>&1 || need+=(systemd-container)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v nsenter >/dev/null 2>&1 || need+=(util-linux)
command -v lintian >/dev/null 2>&1 || need+=(lintian)
command -v rpmlint >/dev/null 2>&1 || need+=(rpmlint)
command -v rpm >/dev/null 2>&1 || need+=(rpm)
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
command -v cpio >/dev/null 2>&1 || need+=(cpio)
command -v jq >/dev/null 2>&1 || need+=(jq)
command -v curl >/dev/null 2>&1 || need+=(curl)

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
