# Artillery engine: install the engine package's own development dependency (artillery, from the
# npm registry; Playwright's browser download that artillery's Playwright engine would start is
# skipped — the browser-level run uses Debian's Chromium, 30-chromium.sh), then `artillery run`
# with the local runner: 60 s, 2 new citizens a second, with the ciebench engine (no browser), and
# 20 s, 1 new citizen a second, at most 4 at once, with the Playwright engine and the runner's
# journey steps in Chromium; both against the reference IdP and SP on loopback, their reports
# summarised by the bench (unexpected errors or failed VUs fail the step). Reports:
# reports/artillery/.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --prefix scenarios/load/artillery-engine-ciebench
CIEBENCH_REQUIRE_ARTILLERY=1 CIEBENCH_ARTILLERY_SECONDS=60 CIEBENCH_ARTILLERY_RATE=2 \
  CIEBENCH_ARTILLERY_BROWSER_SECONDS=20 npm run bench -- 75-artillery
echo "artillery reports: $PWD/reports/artillery/report.json, report-browser.json"
