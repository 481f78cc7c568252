# Headless Chromium for the HTML report tests (traces/diff/render-html.test.ts, issue 6 Must show 4):
# Debian's package, installed by 05-system-packages.sh. Playwright's own browser download is never used.
/usr/bin/chromium --version
