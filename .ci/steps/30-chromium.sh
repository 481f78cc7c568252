# Headless Chromium for the HTML report tests (traces/diff/render-html.test.ts):
# Debian's package, installed by 05-system-packages.sh. Playwright's own browser download is never used.
/usr/bin/chromium --version
