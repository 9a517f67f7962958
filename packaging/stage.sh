#!/bin/sh
# Stages what nfpm packs besides the files it takes from the tree as they
# are: usage: stage.sh STAGE_DIR VERSION
#   STAGE_DIR/cogito-edge.1.gz   the man page, compressed as Debian wants
#   STAGE_DIR/changelog.yml      changelog.yml with its UNRELEASED entry
#                                named VERSION-1 (a snapshot between releases)
# The binary is built into STAGE_DIR by the Makefile.
set -eu
stage=$1 version=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$stage"

gzip -9n <"$here/cogito-edge.1" >"$stage/cogito-edge.1.gz"

# The Debian revision is always 1: the package is built from this tree only.
full="$version-1"
if grep -q "^- semver: $full\$" "$here/changelog.yml"; then
  # A release: its own entry is there; drop the UNRELEASED one, if any.
  awk '/^- semver: /{skip = ($3 == "UNRELEASED")} !skip' "$here/changelog.yml" >"$stage/changelog.yml"
else
  commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
  # The commit's date, not the build's: the same commit stages the same file.
  date=$(git -C "$here" log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
  awk -v v="$full" -v d="$date" -v c="$commit" '
    /^- semver: UNRELEASED$/ { print "- semver: " v; inrel = 1; next }
    /^- semver: / { inrel = 0 }
    inrel && /^  date: / { print "  date: " d; next }
    inrel && /^  changes:$/ { print; print "    - note: \"Snapshot build of commit " c ".\""; next }
    { print }' "$here/changelog.yml" >"$stage/changelog.yml"
fi
