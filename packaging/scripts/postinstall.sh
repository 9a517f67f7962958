#!/bin/sh
# cogito-edge postinst (deb) and %post (rpm): one script for both formats.
#   deb: configure [old-version] | abort-upgrade | abort-remove | abort-deconfigure
#   rpm: 1 (install) | 2 (upgrade)
# Creates the service user and directories, enables the service on first
# install, and (re)starts it when it is enabled: an upgrade restarts into the
# new binary, and the old one drains its live calls first (SIGTERM). A start
# that fails (a config error, an unreachable cloud) is reported and does not
# fail the installation: "journalctl -u cogito-edge" says why.
set -e

first=no
case "$1" in
  configure) [ -n "$2" ] || first=yes ;;
  1) first=yes ;;
  2) ;;
  *) exit 0 ;;
esac

if command -v systemd-sysusers >/dev/null 2>&1; then
  systemd-sysusers cogito-edge.conf
else
  getent group cogito-edge >/dev/null || groupadd --system cogito-edge
  getent passwd cogito-edge >/dev/null || useradd --system --gid cogito-edge \
    --home-dir /var/lib/cogito-edge --no-create-home --shell /usr/sbin/nologin \
    --comment "cogito-edge SIPREC recorder" cogito-edge
fi
if command -v systemd-tmpfiles >/dev/null 2>&1; then
  systemd-tmpfiles --create cogito-edge.conf
fi

# Not booted with systemd (a chroot, a container build): nothing to start.
[ -d /run/systemd/system ] || exit 0

systemctl daemon-reload
if [ "$first" = yes ]; then
  systemctl enable cogito-edge.service
fi
if systemctl is-enabled --quiet cogito-edge.service; then
  systemctl restart cogito-edge.service ||
    echo "cogito-edge: the service did not start; see: journalctl -u cogito-edge" >&2
else
  systemctl try-restart cogito-edge.service || true
fi
exit 0
