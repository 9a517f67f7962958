#!/bin/sh
# cogito-edge postrm (deb) and %postun (rpm): one script for both formats.
#   deb: remove | purge | upgrade | disappear | failed-upgrade | abort-*
#   rpm: 0 (erase) | 1 (upgrade)
# remove keeps /etc/cogito-edge (the config and its secrets) and the
# recordings. purge deletes /etc/cogito-edge and the service's state; it keeps
# /var/lib/cogito-edge/recordings if it holds any recording, and says so:
# deleting customer audio is for an operator to decide. The cogito-edge user
# stays, as Debian does for system users: files may still belong to it.
set -e

case "$1" in
  remove|0)
    [ -d /run/systemd/system ] && systemctl daemon-reload || true
    ;;
  purge)
    rm -f /etc/systemd/system/multi-user.target.wants/cogito-edge.service
    [ -d /run/systemd/system ] && systemctl daemon-reload || true
    rm -rf /etc/cogito-edge /run/cogito-edge
    rec=/var/lib/cogito-edge/recordings
    if [ -d "$rec" ] && [ -n "$(find "$rec" -type f -print -quit)" ]; then
      find /var/lib/cogito-edge -mindepth 1 -maxdepth 1 ! -name recordings -exec rm -rf {} +
      echo "cogito-edge: purge kept the recordings in $rec; delete them when they are no longer needed" >&2
    else
      rm -rf /var/lib/cogito-edge
    fi
    ;;
esac
exit 0
