# Artillery engine: install the engine package's own development dependency (artillery, from the
# npm registry; Playwright's browser download that artillery's Playwright engine would start is
# skipped — the bench never uses it), then one `artillery run` with the local runner: 60 s, 2 new
# citizens a second, against the reference IdP and SP on loopback, its report summarised by the
# bench (unexpected errors or failed VUs fail the step). Report: reports/artillery/.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --prefix scenarios/load/artillery-engine-ciebench
CIEBENCH_REQUIRE_ARTILLERY=1 CIEBENCH_ARTILLERY_SECONDS=60 CIEBENCH_ARTILLERY_RATE=2 \
  npm run bench -- 75-artillery
echo "artillery report: $PWD/reports/artillery/report.json"
