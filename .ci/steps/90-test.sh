# Headless Chromium for the browser tests: Debian's package, installed by 05-system-packages.sh.
# Playwright's own browser download is never used.
/usr/bin/chromium --version
# The README's test command, run once while two CPU-bound loops compete for the two cores: the
# tests wait on events and size their timeouts for a busy machine, never on wall-clock luck.
busy_pids=()
for _ in 1 2; do
  node -e 'for (;;) {}' &
  busy_pids+=($!)
done
add_cleanup "kill ${busy_pids[*]} 2>/dev/null || true"
npm test
kill "${busy_pids[@]}" 2>/dev/null || true
# Artefacts the CI system can pick up (written by the conformance run through pcscd + the reader driver).
for report in reports/conformance-pcsc/conformance.junit.xml reports/conformance-pcsc/conformance.html; do
  if [ -f "$report" ]; then echo "conformance report: $PWD/$report"; fi
done
