# PC/SC stack for the transport integration tests (recipe: harness/vpcd/README.md §8):
# Debian packages, the CIE Bench reader driver, pcscd in the background (no systemd), the loopback
# quickack route when permitted, and CIE_REQUIRE_INTEGRATION=1 so integration tests fail instead of
# skipping. Sourced by .ci/run (bash, set -euo pipefail, add_cleanup). Safe to run again.

pcsc_state="${CIEBENCH_PCSC_STATE:-/tmp/ciebench-pcsc}"
mkdir -p "$pcsc_state"

# The Debian packages come from 05-system-packages.sh.

echo "-- smartcard npm binding (N-API; built against libpcsclite-dev)"
if ! node -e "require('smartcard')" >/dev/null 2>&1; then
  if [ -d node_modules/smartcard ]; then
    npm rebuild smartcard
  else
    # npm ci dropped the optional binding (libpcsclite-dev missing at that point, e.g. a manual run).
    npm ci --no-audit --no-fund
  fi
fi
node -e "require('smartcard')"

echo "-- CIE Bench reader driver (+ reversed-mode reader)"
node harness/cli/ciebench.mjs reader install --reversed

# Stops a pcscd by PID and waits until it is really gone (a restart before that fails, harness/vpcd/README.md §7 item 6).
ciebench_stop_pcscd() {
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

echo "-- pcscd"
# pcscd reads reader.conf.d at start: a pcscd that is already running must be restarted.
old_pcscd=$( (tr -d '\0' < /run/pcscd/pcscd.pid) 2>/dev/null || true)
if [ -n "$old_pcscd" ] && kill -0 "$old_pcscd" 2>/dev/null; then
  echo "restarting the running pcscd (pid $old_pcscd) to load the new reader entries"
  ciebench_stop_pcscd "$old_pcscd"
fi
pcscd --foreground > "$pcsc_state/pcscd.log" 2>&1 &
pcscd_pid=$!
echo "$pcscd_pid" > "$pcsc_state/pcscd.pid"
add_cleanup "ciebench_stop_pcscd $pcscd_pid"
for _ in $(seq 100); do [ -S /run/pcscd/pcscd.comm ] && break; sleep 0.1; done
pcsc_readers=""
for _ in $(seq 50); do
  pcsc_readers=$(opensc-tool -l 2>&1 || true)
  grep -q 'CIE Bench Virtual Reader 00 00' <<<"$pcsc_readers" && grep -q 'Virtual PCD 00 00' <<<"$pcsc_readers" && break
  sleep 0.1
done
echo "$pcsc_readers"
if ! grep -q 'CIE Bench Virtual Reader 00 00' <<<"$pcsc_readers" || ! grep -q 'Virtual PCD 00 00' <<<"$pcsc_readers"; then
  cat "$pcsc_state/pcscd.log"
  echo "pcscd does not list the virtual readers" >&2
  exit 1
fi

echo "-- quickack route for Debian vpcd (127.0.0.2)"
if grep -q 'quickack 1' <<<"$(ip route show table local 127.0.0.2)"; then
  echo "already present"
elif ip route replace local 127.0.0.2 dev lo table local proto static scope host src 127.0.0.1 quickack 1; then
  add_cleanup "ip route del local 127.0.0.2 dev lo table local"
  ip route show table local 127.0.0.2
else
  echo "not permitted here (needs CAP_NET_ADMIN): cards for Debian vpcd use 127.0.0.1, ~48 ms per APDU"
fi

echo "-- versions"
pcscd --version 2>&1 | sed -n 1p
dpkg-query -W -f='${Package} ${Version}\n' pcscd libpcsclite1 vsmartcard-vpcd pcsc-tools opensc
node -p "'smartcard ' + require('./node_modules/smartcard/package.json').version"
gcc --version | sed -n 1p

export CIE_REQUIRE_INTEGRATION=1
