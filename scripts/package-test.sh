#!/usr/bin/env bash
# package-test: proves the cogito-edge packages on a real systemd (issue 7,
# DESIGN §10). It builds the .deb and .rpm, boots a Debian 12 root with
# systemd-nspawn, and walks the service's life cycle in it:
#
#   security    the unit's "systemd-analyze security --offline=true" score <= 1.5
#   install     apt installs the .deb: the service reaches READY (Type=notify)
#               and "systemctl status" shows its STATUS line
#   call        a SIPp recording call (Oracle SBC scenario) against the
#               installed service: recording with 440 Hz on channel 0 (the
#               customer) and 1000 Hz on channel 1 (the agent)
#   reload      "systemctl reload" during a call: applied, the call goes on
#   drain       "systemctl stop" during a call: OPTIONS/INVITE 503, the call
#               gets BYE after drain_timeout, its recording is complete
#   kill -9     systemd restarts the service
#   watchdog    SIGSTOP: the watchdog fires and systemd restarts the service
#   upgrade     to a newer build: the edited config is kept
#   remove      "apt remove" keeps the config; "apt purge" removes it
#   rpm         rpm -qlp, rpm -K (signed with a throwaway key), rpmlint, and
#               the same install scripts as the .deb
#   lintian     no errors, no warnings (the overrides are justified)
#
# Needs root, debootstrap and systemd-nspawn (make deps installs them); it
# skips, saying why, only when the machine cannot run it. The Debian root is
# cached in $COGITO_PKGTEST_CACHE (default /var/cache/cogito-edge-test); the
# mirror is the one apt uses here (or $COGITO_DEBIAN_MIRROR). The container
# has its own network namespace: host tools (sipp, curl) run in it through
# "nsenter -n", so the test binds nothing on the host.
#
# Usage: scripts/package-test.sh        (from make package-test)
# Env:   KEEP=1 keeps the work directory (tmp/package-test) for a look.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

T0=$SECONDS
log() { printf '[%4ds] %s\n' "$((SECONDS - T0))" "$*"; }
fail() {
  printf '[%4ds] FAIL: %s\n' "$((SECONDS - T0))" "$*" >&2
  exit 1
}
skip() {
  echo "package-test: SKIP: $*"
  exit 0
}
declare -A TIMES
STEP="" STEP_T=0
step() {
  [ -z "$STEP" ] || TIMES[$STEP]=$((SECONDS - STEP_T))
  STEP=$1 STEP_T=$SECONDS
  log "== $1"
}

# wait_for SECONDS WHAT CMD...: polls CMD every 0.2 s until it succeeds.
wait_for() {
  local limit=$1 what=$2
  shift 2
  local end=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || fail "$what: not within ${limit}s"
    sleep 0.2
  done
}

# --- can this machine run it? ------------------------------------------------
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, systemd-nspawn, nsenter); run: sudo make package-test"
for tool in debootstrap systemd-nspawn nsenter sipp curl jq lintian rpmlint rpm gpg cpio systemd-analyze; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed (make deps installs it)"
done

WORK=$ROOT/tmp/package-test
CACHE=${COGITO_PKGTEST_CACHE:-/var/cache/cogito-edge-test}
NSPAWN_PID=""
cleanup() {
  local rc=$?
  if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
    kill -TERM "$NSPAWN_PID" 2>/dev/null || true # the container powers off
    for _ in $(seq 1 100); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NSPAWN_PID" 2>/dev/null || true
    wait "$NSPAWN_PID" 2>/dev/null || true
  fi
  rm -rf /run/systemd/nspawn/propagate/pkgtest-root 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then
    if [ -n "${PID1:-}" ] || [ -d "$WORK/root/var/log/journal" ]; then
      echo "--- the service's journal (last 80 lines) ---" >&2
      journalctl -D "$WORK/root/var/log/journal" -u cogito-edge --no-pager -n 80 2>/dev/null >&2 || true
    fi
    echo "package-test: FAILED; the work directory is kept: $WORK" >&2
  elif [ -z "${KEEP:-}" ]; then
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
rm -rf "$WORK"
mkdir -p "$WORK" "$CACHE"

# --- build -------------------------------------------------------------------
step build
export GNUPGHOME=$WORK/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'cogito-edge package test <pkgtest@cogito.example>' rsa3072 sign 1d 2>/dev/null
gpg --batch --armor --export-secret-keys >"$WORK/signing.asc"
gpg --batch --armor --export >"$WORK/signing.pub"
DESCRIBE=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
PKG_VERSION=$(packaging/version.sh "$DESCRIBE")
NEW_VERSION="$PKG_VERSION+up1"
make -s deb rpm VERSION="$DESCRIBE" PKG_VERSION="$PKG_VERSION" RPM_SIGNING_KEY="$WORK/signing.asc" >"$WORK/build.log" 2>&1 ||
  { cat "$WORK/build.log" >&2; fail "make deb rpm"; }
DEB=dist/cogito-edge_${PKG_VERSION}-1_amd64.deb
RPM=dist/cogito-edge-${PKG_VERSION}-1.x86_64.rpm
cp "$DEB" "$WORK/old.deb"
make -s deb VERSION="$DESCRIBE+up1" PKG_VERSION="$NEW_VERSION" >>"$WORK/build.log" 2>&1 ||
  { cat "$WORK/build.log" >&2; fail "make deb (the newer build)"; }
NEW_DEB=dist/cogito-edge_${NEW_VERSION}-1_amd64.deb
mv "$NEW_DEB" "$WORK/new.deb"
go build -o "$WORK/cogito-lab" ./cmd/cogito-lab
log "built $DEB, $RPM and a newer $NEW_VERSION-1"

# --- the unit's security score -------------------------------------------------
step security
mkdir -p "$WORK/unit"
dpkg-deb --fsys-tarfile "$WORK/old.deb" | tar -x -C "$WORK/unit" ./lib/systemd/system/cogito-edge.service
score_line=$(systemd-analyze security --offline=true "$WORK/unit/lib/systemd/system/cogito-edge.service" 2>&1 | grep 'Overall exposure level')
score=$(sed -E 's/.*: ([0-9.]+) .*/\1/' <<<"$score_line")
log "systemd-analyze security --offline=true: $score_line"
awk -v s="$score" 'BEGIN { exit !(s + 0 <= 1.5) }' || fail "security score $score is above 1.5"
echo "SECURITY SCORE: $score (limit 1.5)"

# --- the Debian 12 root, cached --------------------------------------------------
step rootfs
INCLUDE=systemd,systemd-sysv,dbus,procps,ca-certificates
key=$(printf '%s' "bookworm minbase $INCLUDE" | sha256sum | cut -c1-12)
BASE=$CACHE/bookworm-$key
if [ ! -d "$BASE" ]; then
  mirror=${COGITO_DEBIAN_MIRROR:-}
  if [ -z "$mirror" ]; then
    # The mirror apt uses here: deb822 sources first, then sources.list.
    mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
      /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
    [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 ~ /^bookworm$/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
  fi
  [ -n "$mirror" ] || skip "no Debian mirror in the apt sources; set COGITO_DEBIAN_MIRROR"
  log "debootstrap bookworm (minbase + $INCLUDE) into the cache $BASE"
  rm -rf "$BASE.tmp"
  debootstrap --variant=minbase --include="$INCLUDE" bookworm "$BASE.tmp" "$mirror" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log" >&2; fail "debootstrap"; }
  # No downloads from inside: the container has no network but its own lo.
  rm -f "$BASE.tmp"/var/cache/apt/archives/*.deb
  mv "$BASE.tmp" "$BASE"
fi
cp -a "$BASE" "$WORK/root"
mkdir -p "$WORK/root/var/log/journal" # a persistent journal, for the failure report
echo pkgtest >"$WORK/root/etc/hostname"

# --- boot it --------------------------------------------------------------------
step boot
systemd-nspawn -D "$WORK/root" -M pkgtest-root -b --register=no --keep-unit --private-network \
  --console=pipe -q >"$WORK/console.log" 2>&1 </dev/null &
NSPAWN_PID=$!
PID1=""
# nspawn's child is briefly a helper before it execs systemd: wait for that.
find_pid1() {
  PID1=$(pgrep -P "$NSPAWN_PID" -x systemd 2>/dev/null | head -1)
  [ -n "$PID1" ]
}
wait_for 30 "container PID 1" find_pid1
C() { nsenter -t "$PID1" -a "$@"; }   # a command in the container
N() { nsenter -t "$PID1" -n "$@"; }   # a host command in the container's network
booted() { case "$(C systemctl is-system-running 2>/dev/null)" in running | degraded) return 0 ;; esac; return 1; }
wait_for 60 "container boot" booted
log "booted: PID 1 is $PID1 ($(C systemctl is-system-running))"

# --- install ---------------------------------------------------------------------
step install
cp "$WORK/old.deb" "$WORK/new.deb" "$WORK/root/var/tmp/" # nspawn mounts a tmpfs on /tmp
C env DEBIAN_FRONTEND=noninteractive apt-get install -y -q /var/tmp/old.deb >"$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log" >&2; fail "apt-get install the .deb"; }
active() { [ "$(C systemctl is-active cogito-edge.service)" = active ]; }
active || fail "not active after install: $(C systemctl is-active cogito-edge.service)"
status_text() { C systemctl show -p StatusText --value cogito-edge.service; }
journal() { C journalctl -u cogito-edge.service -o cat --no-pager; }
# journal_has PATTERN: grep without -q reads to the end, so that journalctl
# gets no SIGPIPE (pipefail would turn that into a failure).
journal_has() { journal | grep -e "$1" >/dev/null; }
st=$(status_text)
[[ $st == ready* ]] || fail "STATUS after install: $st"
C systemctl status --no-pager cogito-edge.service >"$WORK/status.txt" 2>&1 || true
grep -q "Status: \"ready; calls 0\"" "$WORK/status.txt" || { cat "$WORK/status.txt"; fail "systemctl status lacks the STATUS line"; }
log "systemctl status: $(grep 'Status:' "$WORK/status.txt" | sed 's/^ *//')"
C id cogito-edge >/dev/null || fail "no cogito-edge user"
[ "$(C stat -c '%U %a' /var/lib/cogito-edge)" = "cogito-edge 750" ] || fail "/var/lib/cogito-edge: $(C stat -c '%U %a' /var/lib/cogito-edge)"
C cogito-edge version | grep "cogito-edge $DESCRIBE " >/dev/null || fail "version: $(C cogito-edge version)"
C cogito-edge status >"$WORK/cli-status.txt" || fail "cogito-edge status exit $?: $(cat "$WORK/cli-status.txt")"
log "cogito-edge version: $(C cogito-edge version)"

# --- the test config: the operator's edit ------------------------------------------
step configure
EDITED=$WORK/edited.yaml
sed -e 's/^drain_timeout: 30s$/drain_timeout: 4s/' \
  -e 's/^#gate:$/gate: {match_timeout: 2m}\n#gate:/' \
  "$WORK/root/etc/cogito-edge/edge.yaml" >"$EDITED"
echo "# edited by package-test" >>"$EDITED"
grep -q '^drain_timeout: 4s$' "$EDITED" || fail "could not edit drain_timeout"
cp "$EDITED" "$WORK/root/etc/cogito-edge/edge.yaml"
C systemctl restart cogito-edge.service
active || fail "not active after the restart with the edited config"

# --- SIPp calls ------------------------------------------------------------------
"$WORK/cogito-lab" pcap --out "$WORK/legs.pcap" --tones 440,1000 --duration 8s >/dev/null
"$WORK/cogito-lab" pcap --out "$WORK/long.pcap" --tones 440,1000 --duration 30s >/dev/null
"$WORK/cogito-lab" pcap --out "$WORK/early.pcap" --duration 0 >/dev/null
cp lab/sipp/oracle_inbound.xml "$WORK/inbound.xml"
# The drain scenario waits for the recorder's BYE instead of sending its own.
awk '
  /^  <pause\/>/ { skip = 1
    print "  <recv request=\"BYE\" timeout=\"120000\"/>"
    print "  <send>"
    print "    <![CDATA["
    print ""
    print "      SIP/2.0 200 OK"
    print "      [last_Via:]"
    print "      [last_From:]"
    print "      [last_To:]"
    print "      [last_Call-ID:]"
    print "      [last_CSeq:]"
    print "      Content-Length: 0"
    print ""
    print "    ]]>"
    print "  </send>"
    next }
  skip && /<recv response="200" crlf="true"\/>/ { skip = 0; next }
  !skip' lab/sipp/oracle_inbound.xml >"$WORK/inbound_drained.xml"
grep -q 'recv request="BYE"' "$WORK/inbound_drained.xml" || fail "could not make the drain scenario"

CALLN=0
# start_call SCENARIO LEGS_PCAP PAUSE_MS: one inbound call over TCP, in the
# background; sets UCID and SIPP_PID.
start_call() {
  CALLN=$((CALLN + 1))
  UCID=$(printf '%04X%04X%08X' $((0x8000 | RANDOM)) "$CALLN" "$(date +%s)")
  local dir=$WORK/call$CALLN
  mkdir -p "$dir"
  printf 'SEQUENTIAL\n%s;04FA08%s;;%d;%d\n' "$UCID" "$UCID" $((100000 + CALLN * 2)) $((100001 + CALLN * 2)) >"$dir/calls.csv"
  (cd "$dir" && exec nsenter -t "$PID1" -n sipp 127.0.0.1:5060 -sf "$1" -t t1 -i 127.0.0.1 -p $((15060 + 2 * CALLN)) \
    -mi 127.0.0.1 -mp $((16000 + 100 * CALLN)) -inf calls.csv -key legs_pcap "$2" -key early_pcap "$WORK/early.pcap" \
    -d "$3" -m 1 -nostdin -nd -timeout 180s -timeout_error -trace_err -error_file errors.log >sipp.log 2>&1) &
  SIPP_PID=$!
}
calls_json() { N curl -sf http://127.0.0.1:9090/v1/calls; }
call_state() { calls_json | jq -r --arg k "ucid:$UCID" '.[] | select(.keys | index($k)) | .state'; }
is_state() { [ "$(call_state)" = "$1" ]; }
# activate: the CTI start for UCID through the admin API, once it is pending.
activate() {
  wait_for 20 "call $CALLN pending" is_state pending
  N curl -sf -H 'Content-Type: application/json' -d "{\"type\":\"start\",\"ucid\":\"$UCID\",\"direction\":\"inbound\",\"agent_id\":\"agent-pkgtest\"}" \
    http://127.0.0.1:9090/v1/cti >/dev/null || fail "POST /v1/cti"
  wait_for 20 "call $CALLN active" is_state active
}
# finish_call: SIPp must have completed the whole flow.
finish_call() {
  local rc=0
  wait "$SIPP_PID" || rc=$?
  [ "$rc" -eq 0 ] || { cat "$WORK/call$CALLN/sipp.log" "$WORK/call$CALLN/errors.log" 2>/dev/null | tail -30 >&2; fail "SIPp call $CALLN exit $rc"; }
}
# recording: the WAV of call UCID (its JSON names the key), once written.
rec_json() { grep -l "$UCID" "$WORK"/root/var/lib/cogito-edge/recordings/*/*.json 2>/dev/null | head -1; }
recording() {
  wait_for 20 "recording of call $CALLN" rec_json
  local j
  j=$(rec_json)
  REC=${j%.json}.wav
  [ -s "$REC" ] || fail "no WAV next to $j"
}
# check_tones ARGS...: cogito-lab analyze with the channel map expectations.
check_tones() {
  "$WORK/cogito-lab" analyze "$REC" --expect 0:440 --expect 1:1000 "$@" >"$WORK/call$CALLN/analyze.txt" 2>&1 ||
    { cat "$WORK/call$CALLN/analyze.txt" >&2; fail "recording of call $CALLN: $REC"; }
  log "call $CALLN recording ${REC#"$WORK"/root}: $(tr '\n' ' ' <"$WORK/call$CALLN/analyze.txt" | cut -c1-200)"
}

step call
start_call "$WORK/inbound.xml" "$WORK/legs.pcap" 8500
activate
finish_call
recording
check_tones --duration 8s --tolerance 0.1

step reload
start_call "$WORK/inbound.xml" "$WORK/legs.pcap" 8500
activate
sed -i -e 's/^  #allow: \["10.20.0.0\/24"\]$/  allow: ["127.0.0.0\/8", "10.20.0.0\/24"]/' \
  -e 's/^  level: info /  level: debug/' "$WORK/root/etc/cogito-edge/edge.yaml"
grep -q '^  allow: \["127.0.0.0/8", "10.20.0.0/24"\]$' "$WORK/root/etc/cogito-edge/edge.yaml" || fail "could not edit sip.allow"
cp "$WORK/root/etc/cogito-edge/edge.yaml" "$EDITED"
pid_before=$(C systemctl show -p MainPID --value cogito-edge.service)
C systemctl reload cogito-edge.service || fail "systemctl reload"
reloaded() { journal_has '"msg":"reload: applied"'; }
wait_for 10 "reload applied (journal)" reloaded
[ "$(C systemctl show -p MainPID --value cogito-edge.service)" = "$pid_before" ] || fail "reload restarted the daemon"
is_state active || fail "call $CALLN not active after the reload: $(call_state)"
finish_call
recording
check_tones --duration 8s --tolerance 0.1
log "reload applied: $(C journalctl -u cogito-edge -o cat --no-pager | grep '"msg":"reload: applied"' | tail -1 | jq -c .keys)"

step drain
start_call "$WORK/inbound_drained.xml" "$WORK/long.pcap" 31000
activate
t_active=$SECONDS
C systemctl stop --no-block cogito-edge.service
draining() { [[ $(status_text) == draining* ]]; }
wait_for 10 "STATUS=draining" draining
log "while draining: STATUS=\"$(status_text)\""
# SIP OPTIONS get 503 while draining: cogito-edge status sees it on /readyz.
rc=0
C cogito-edge status -q || rc=$?
[ "$rc" -eq 3 ] || fail "cogito-edge status while draining: exit $rc, want 3 (not ready)"
stopped() { [ "$(C systemctl is-active cogito-edge.service)" = inactive ]; }
wait_for 40 "service stopped" stopped
t_stop=$((SECONDS - t_active))
finish_call # SIPp got the recorder's BYE and answered it
journal_has '"msg":"drain timeout: ending live calls with BYE"' ||
  fail "no 'ending live calls with BYE' in the journal"
recording
check_tones
dur=$("$WORK/cogito-lab" analyze "$REC" --json | jq '.duration / 1e9')
awk -v d="$dur" 'BEGIN { exit !(d >= 3 && d < 29) }' || fail "drained recording lasts ${dur}s, want about drain_timeout (4s) and less than the call (30s)"
[ -s "${REC%.wav}.json" ] || fail "drained recording has no JSON"
log "drained call: BYE after drain_timeout, recording ${dur}s, stop took ${t_stop}s after activation"

step restart-kill9
C systemctl start cogito-edge.service
active || fail "not active after start"
pid=$(C systemctl show -p MainPID --value cogito-edge.service)
restarts=$(C systemctl show -p NRestarts --value cogito-edge.service)
C kill -9 "$pid"
restarted() {
  local p
  p=$(C systemctl show -p MainPID --value cogito-edge.service)
  [ "$p" != 0 ] && [ "$p" != "$pid" ] && active && [[ $(status_text) == ready* ]]
}
wait_for 30 "restart after kill -9" restarted
log "kill -9 $pid: restarted as $(C systemctl show -p MainPID --value cogito-edge.service), NRestarts $restarts -> $(C systemctl show -p NRestarts --value cogito-edge.service)"

step watchdog
pid=$(C systemctl show -p MainPID --value cogito-edge.service)
t_stop=$SECONDS
C kill -STOP "$pid"
wait_for 60 "restart after the watchdog" restarted
journal_has 'Watchdog timeout' || fail "no 'Watchdog timeout' in the journal"
log "SIGSTOP $pid: $(C journalctl -u cogito-edge --no-pager -o cat | grep -m1 'Watchdog timeout'); restarted after $((SECONDS - t_stop))s"

step upgrade
C env DEBIAN_FRONTEND=noninteractive apt-get install -y -q /var/tmp/new.deb >"$WORK/upgrade.log" 2>&1 ||
  { cat "$WORK/upgrade.log" >&2; fail "apt-get install the newer .deb"; }
[ "$(C dpkg-query -W -f '${Version}' cogito-edge)" = "$NEW_VERSION-1" ] || fail "not upgraded: $(C dpkg-query -W -f '${Version}' cogito-edge)"
cmp -s "$EDITED" "$WORK/root/etc/cogito-edge/edge.yaml" || fail "the upgrade changed the edited config"
active || fail "not active after the upgrade"
C cogito-edge version | grep "+up1 " >/dev/null || fail "still the old binary: $(C cogito-edge version)"
log "upgraded to $NEW_VERSION-1; edited config kept; $(C cogito-edge version)"

step remove
C env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q cogito-edge >"$WORK/remove.log" 2>&1 || fail "apt-get remove"
[ ! -e "$WORK/root/usr/bin/cogito-edge" ] || fail "binary left after remove"
cmp -s "$EDITED" "$WORK/root/etc/cogito-edge/edge.yaml" || fail "apt remove did not keep the config"
[ "$(C dpkg-query -W -f '${db:Status-Abbrev}' cogito-edge)" = "rc " ] || fail "status after remove: $(C dpkg-query -W -f '${db:Status-Abbrev}' cogito-edge)"
C env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q cogito-edge >"$WORK/purge.log" 2>&1 || fail "apt-get purge"
[ ! -e "$WORK/root/etc/cogito-edge" ] || fail "apt purge left /etc/cogito-edge"
grep -q 'purge kept the recordings' "$WORK/purge.log" || fail "purge did not say it kept the recordings"
[ -n "$(find "$WORK/root/var/lib/cogito-edge/recordings" -name '*.wav')" ] || fail "purge deleted the recordings"
log "remove kept /etc/cogito-edge/edge.yaml; purge removed /etc/cogito-edge and kept the recordings"

# --- the .rpm --------------------------------------------------------------------
step rpm
rpm -qlp "$RPM" >"$WORK/rpm-files.txt"
for f in /usr/bin/cogito-edge /usr/lib/systemd/system/cogito-edge.service /usr/lib/sysusers.d/cogito-edge.conf \
  /usr/lib/tmpfiles.d/cogito-edge.conf /etc/cogito-edge/edge.yaml /usr/share/man/man1/cogito-edge.1.gz; do
  grep -qx "$f" "$WORK/rpm-files.txt" || fail "rpm lacks $f"
done
rpm -qp --configfiles "$RPM" | grep -x /etc/cogito-edge/edge.yaml >/dev/null || fail "edge.yaml is not %config in the rpm"
# A private rpm database and home: the host's keyring and rpmdb stay as they are.
mkdir -p "$WORK/rpmhome/db"
echo "%_dbpath $WORK/rpmhome/db" >"$WORK/rpmhome/.rpmmacros"
HOME=$WORK/rpmhome rpm --import "$WORK/signing.pub"
HOME=$WORK/rpmhome rpm -K "$RPM" | tee "$WORK/rpm-K.txt"
grep -q 'digests signatures OK' "$WORK/rpm-K.txt" || fail "rpm -K"
# nfpm writes the payload with absolute paths; this cpio keeps rpmlint's
# unpacking inside its own directory instead of over /.
mkdir -p "$WORK/shim"
printf '#!/bin/sh\nexec /usr/bin/cpio --no-absolute-filenames "$@"\n' >"$WORK/shim/cpio"
chmod 755 "$WORK/shim/cpio"
(cd "$WORK" && HOME=$WORK/rpmhome PATH=$WORK/shim:$PATH rpmlint --config "$ROOT/packaging/rpmlint.toml" "$ROOT/$RPM") >"$WORK/rpmlint.txt" 2>&1 || true
tail -3 "$WORK/rpmlint.txt"
grep -q ' 0 errors, 0 warnings' "$WORK/rpmlint.txt" || { cat "$WORK/rpmlint.txt"; fail "rpmlint"; }
# The same install scripts as the .deb.
mkdir -p "$WORK/control"
dpkg-deb -e "$WORK/old.deb" "$WORK/control"
for pair in POSTIN:postinst PREUN:prerm POSTUN:postrm; do
  tag=${pair%%:*}
  rpm -qp --qf "%{$tag}\n" "$RPM" 2>/dev/null | sed '${/^$/d}' >"$WORK/rpm-$tag.sh"
  diff -u "$WORK/control/${pair##*:}" "$WORK/rpm-$tag.sh" >/dev/null ||
    diff -u <(sed '${/^$/d}' "$WORK/control/${pair##*:}") "$WORK/rpm-$tag.sh" ||
    fail "rpm $tag differs from the deb's ${pair##*:}"
done
log "rpm: $(wc -l <"$WORK/rpm-files.txt") files, signed and verified, rpmlint clean, scripts identical to the deb's"

step lintian
lintian --fail-on error,warning --pedantic --info "$DEB" >"$WORK/lintian.txt" 2>&1 ||
  { cat "$WORK/lintian.txt"; fail "lintian"; }
grep -v '^running with root privileges' "$WORK/lintian.txt" || true
log "lintian: no errors, no warnings ($(lintian --pedantic --show-overrides "$DEB" 2>/dev/null | grep -c '^O:') justified overrides)"

step done
echo
echo "package-test: timings"
for s in build security rootfs boot install configure call reload drain restart-kill9 watchdog upgrade remove rpm lintian; do
  printf '  %-14s %4ss\n' "$s" "${TIMES[$s]:-?}"
done
echo "package-test: PASS in $((SECONDS - T0))s (security score $score)"
