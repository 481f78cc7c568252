# Apache 2.4 for a SimpleSAMLphp test SP of CIE Bench (generated from
# scenarios/sp/third-party/simplesamlphp/httpd.conf.tpl). A self-contained server: its own
# modules, port, TLS certificate, PID file and logs in the instance directory; started in the
# foreground by scenarios/sp/third-party/apache.ts (no systemd, no /etc/apache2 change).
{{APACHE_COMMON}}

LoadModule php_module /usr/lib/apache2/modules/libphp8.2.so
<FilesMatch "\.php$">
    SetHandler application/x-httpd-php
</FilesMatch>
DirectoryIndex index.php

# SimpleSAMLphp reads its configuration directory from this variable.
SetEnv SIMPLESAMLPHP_CONFIG_DIR {{CONFIGDIR}}
Alias /simplesaml /usr/share/simplesamlphp/www
<Directory /usr/share/simplesamlphp/www>
    Require all granted
</Directory>

DocumentRoot {{DOCROOT}}
<Directory {{DOCROOT}}>
    Require all granted
</Directory>
