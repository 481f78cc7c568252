# What a new user has: a fresh clone on a machine with only Node.js 20 — before any system package
# is installed (no libpcsclite-dev, pcscd, Chromium), installed with `npm ci --omit=optional` so the
# optional PC/SC binding is left out. The type check and the unit project must pass there; PC/SC and
# browser tests skip, loudly. (--omit=optional also drops platform binaries of build tools: rollup,
# which vitest loads, is therefore overridden in package.json by its WebAssembly build, which has none.)
bare_dir=$(mktemp -d /tmp/ciebench-bare.XXXXXX)
add_cleanup "rm -rf '$bare_dir'"
git clone -q . "$bare_dir/cie-bench"
(
  cd "$bare_dir/cie-bench"
  npm ci --omit=optional --no-audit --no-fund
  if node -e "require('smartcard')" 2>/dev/null; then
    echo "the optional PC/SC binding is installed: this is not a bare machine" >&2
    exit 1
  fi
  npm run typecheck
  npm run format:check
  CIE_REQUIRE_INTEGRATION=0 npx vitest run --project unit
)
