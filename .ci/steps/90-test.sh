# The README's test command.
npm test
# Artefacts the CI system can pick up (written by the conformance run through pcscd + the reader driver).
for report in reports/conformance-pcsc/conformance.junit.xml reports/conformance-pcsc/conformance.html; do
  if [ -f "$report" ]; then echo "conformance report: $PWD/$report"; fi
done
