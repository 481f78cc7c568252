# The scenario runner (scenarios/runner/README.md) in Debian's headless Chromium: the whole catalogue of
# citizen journeys against the reference IdP and SP (the app agent on the NFC endpoint, every journey's
# end state asserted), then the SP response cases against the reference SP, SimpleSAMLphp and the
# Shibboleth SP (packages from 40-third-party-sp.sh). Reports — JSON, JUnit XML, one HTML page each —
# under reports/scenarios/. Sourced by .ci/run (bash, set -euo pipefail).

echo "-- catalogue: every journey, reference IdP and SP"
node harness/cli/ciebench.mjs scenario run all --report reports/scenarios/catalogue --quiet

echo "-- SP response cases: reference SP, SimpleSAMLphp, Shibboleth SP"
node harness/cli/ciebench.mjs scenario run sp-cases --sp reference --sp simplesamlphp --sp shibboleth \
  --report reports/scenarios/sp-cases --quiet

for report in reports/scenarios/catalogue/junit.xml reports/scenarios/sp-cases/junit.xml; do
  echo "scenario JUnit report: $PWD/$report"
done
