# The bench's PKCS#11 module and its third-party clients (harness/pkcs11/README.md):
# - libp11-kit-dev: the PKCS#11 v2.40 headers the module is built against (gcc/make/pkg-config and
#   libpcsclite-dev come from 05-system-packages.sh);
# - opensc (pkcs11-tool), gnutls-bin (p11tool), libnss3-tools (modutil, certutil);
# - libengine-pkcs11-openssl and curl: Node's tls and curl signing through OpenSSL's PKCS#11 engine.
# Chromium comes from 05-system-packages.sh; the browser test writes (and removes) its
# client-certificate policy in /etc/chromium/policies/managed itself (root).
# Sourced by .ci/run (bash, set -euo pipefail, add_cleanup).

echo "-- Debian packages"
apt-get install -y --no-install-recommends \
  libp11-kit-dev opensc gnutls-bin libnss3-tools libengine-pkcs11-openssl curl
dpkg-query -W -f='${Package} ${Version}\n' libp11-kit-dev opensc gnutls-bin libnss3-tools \
  libengine-pkcs11-openssl curl

echo "-- build: module, PC/SC relay, test driver, and the sanitizer build the fuzz tests use"
make -s -C harness/pkcs11
make -s -C harness/pkcs11 asan

echo "-- smoke: the module loads in pkcs11-tool; without a daemon it lists no token and does not crash"
# (pkcs11-tool exits 1 when there is no slot: the output is what counts.)
info=$(CIEBENCH_PKCS11_SOCKET=/nonexistent/bridge.sock \
  pkcs11-tool --module harness/pkcs11/build/libciebench-pkcs11.so --show-info 2>&1 || true)
echo "$info"
grep -q 'Manufacturer *CIE Bench' <<<"$info"
