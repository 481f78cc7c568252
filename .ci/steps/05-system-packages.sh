# System packages, installed before `npm ci` so that the optional `smartcard` binding (N-API) builds
# against libpcsclite-dev on the first pass:
# - PC/SC stack and tools for the transport integration tests (harness/vpcd/README.md §8);
# - build tools for the CIE Bench reader driver (C) and node-gyp;
# - Debian's chromium for the headless HTML-report tests (Playwright never downloads a browser).
apt-get update
apt-get install -y --no-install-recommends \
  pcscd vsmartcard-vpcd pcsc-tools opensc libpcsclite-dev \
  build-essential pkg-config python3 iproute2 \
  chromium
