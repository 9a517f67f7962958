#!/bin/sh
# cogito-edge prerm (deb) and %preun (rpm): one script for both formats.
#   deb: remove | upgrade | deconfigure | failed-upgrade
#   rpm: 0 (erase) | 1 (upgrade)
# Stops the service before its files go. An upgrade does not stop it here: the
# new package's postinst restarts it, so the old daemon runs until then.
# Stopping drains: live calls run on for up to drain_timeout, then get BYE.
set -e

case "$1" in
  remove|deconfigure|0) ;;
  *) exit 0 ;;
esac
if [ -d /run/systemd/system ]; then
  systemctl stop cogito-edge.service || true
fi
exit 0
