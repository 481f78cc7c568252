# Third-party service providers for the browser tests (scenarios/sp/third-party/README.md):
# SimpleSAMLphp 1.19 (php 8.2) and Shibboleth SP 3.4 behind Apache 2.4, from Debian. The tests run
# private instances (own config directory, loopback port, Apache -DFOREGROUND and shibd -F started
# and stopped by the test, no systemd); this step installs the packages and checks that both SPs
# start, send a CIE AuthnRequest and accept a signed CIE response, then stops them again.
# Sourced by .ci/run (bash, set -euo pipefail, add_cleanup).

echo "-- Debian packages"
# php8.2-xml and php8.2-mbstring: SimpleSAMLphp needs the DOM and mbstring extensions, which its
# Debian package does not declare. libnss3-tools: certutil, to trust the bench CAs in the test
# browser's own NSS database.
apt-get install -y --no-install-recommends \
  apache2 libapache2-mod-php8.2 php8.2-xml php8.2-mbstring simplesamlphp \
  libapache2-mod-shib shibboleth-sp-utils libnss3-tools
dpkg-query -W -f='${Package} ${Version}\n' apache2 libapache2-mod-php8.2 php8.2-xml php8.2-mbstring \
  simplesamlphp libapache2-mod-shib shibboleth-sp-utils libnss3-tools

echo "-- installation check (start, CIE AuthnRequest, signed CIE response, stop)"
node harness/cli/ciebench.mjs sp third-party check
