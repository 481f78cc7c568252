# Headless Chromium for the HTML trace-diff report test (traces/diff/render-html.test.ts, issue 6
# Must show 4). Debian's package; Playwright's own browser download is never used.
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
/usr/bin/chromium --version
