# What a new user has: a fresh clone on a machine with only Node.js 20 — before any system package
# is installed (no libpcsclite-dev, pcscd, Chromium), where the optional PC/SC binding fails to build
# and npm leaves it out. The type check and the unit project must pass there; PC/SC and browser tests
# skip, loudly. `npm ci --omit=optional` is not that machine: it also drops the platform binaries of
# rollup and esbuild that vitest needs, so the binding is removed after a normal install instead (on
# a machine that has libpcsclite-dev it builds; on a bare one it is already absent).
bare_dir=$(mktemp -d /tmp/ciebench-bare.XXXXXX)
add_cleanup "rm -rf '$bare_dir'"
git clone -q . "$bare_dir/cie-bench"
(
  cd "$bare_dir/cie-bench"
  npm ci --no-audit --no-fund
  rm -rf node_modules/smartcard
  if node -e "require('smartcard')" 2>/dev/null; then
    echo "the optional PC/SC binding is installed: this is not a bare machine" >&2
    exit 1
  fi
  npm run typecheck
  npm run format:check
  CIE_REQUIRE_INTEGRATION=0 npx vitest run --project unit
)
