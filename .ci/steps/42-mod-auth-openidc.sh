# A real third-party OpenID Connect relying party for the OIDC browser test
# (scenarios/sp/third-party/mod-auth-openidc.integration.test.ts): Debian's mod_auth_openidc 2.4
# behind a private Apache (apache2 comes from 40-third-party-sp.sh), registered statically at the
# bench OP because it has no OpenID Federation support. The test starts and stops its own Apache;
# this step installs the module and checks that Apache accepts a configuration loading it.
# Sourced by .ci/run (bash, set -euo pipefail, add_cleanup).

echo "-- Debian packages"
apt-get install -y --no-install-recommends apache2 libapache2-mod-auth-openidc
dpkg-query -W -f='${Package} ${Version}\n' libapache2-mod-auth-openidc

echo "-- installation check (Apache parses a configuration loading mod_auth_openidc)"
oidc_check_dir=$(mktemp -d)
add_cleanup "rm -rf '$oidc_check_dir'"
cat > "$oidc_check_dir/httpd.conf" <<CONF
ServerRoot /etc/apache2
ServerName localhost
Listen 127.0.0.1:1
PidFile $oidc_check_dir/httpd.pid
ErrorLog $oidc_check_dir/error.log
LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule auth_openidc_module /usr/lib/apache2/modules/mod_auth_openidc.so
CONF
/usr/sbin/apache2 -t -f "$oidc_check_dir/httpd.conf"
