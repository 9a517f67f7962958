#!/bin/sh
# Prints the package version for a "git describe --tags --always --dirty"
# string ($1, or git describe itself when no argument is given), in a form
# that Debian and RPM both accept and order by build:
#   v1.2.3                     -> 1.2.3
#   v1.2.3-4-gabc1234          -> 1.2.3+git4.gabc1234
#   v1.3.0-rc1                 -> 1.3.0~rc1 (before 1.3.0)
#   abc1234  (no tag yet)      -> 0.0.0+git<commits>.gabc1234
#   ...-dirty                  -> ...+dirty or ....dirty
# <commits> is "git rev-list --count HEAD" (COMMITS in the environment
# overrides it) so that untagged builds still sort in commit order.
set -eu

d=${1:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
dirty=
case "$d" in
  *-dirty) dirty=yes; d=${d%-dirty} ;;
esac
d=${d#v}

case "$d" in
  [0-9]*-[0-9]*-g[0-9a-f]*)          # tag-N-gHASH
    hash=${d##*-}; rest=${d%-*}
    n=${rest##*-}; tag=${rest%-*}
    v="$(printf '%s' "$tag" | tr - '~')+git$n.$hash" ;;
  [0-9]*.*)                          # a release tag; 1.0-rc1 sorts before 1.0
    v=$(printf '%s' "$d" | tr - '~') ;;
  *)                                 # a bare hash, or "dev"
    n=${COMMITS:-$(git rev-list --count HEAD 2>/dev/null || echo 0)}
    case "$d" in
      dev|"") v="0.0.0+git$n" ;;
      *) v="0.0.0+git$n.g$d" ;;
    esac ;;
esac
# Keep what both formats allow in a version: letters, digits, . + ~
v=$(printf '%s' "$v" | tr -c 'A-Za-z0-9.+~' '.')
if [ -n "$dirty" ]; then
  case "$v" in
    *+*) v="$v.dirty" ;;
    *) v="$v+dirty" ;;
  esac
fi
printf '%s\n' "$v"
