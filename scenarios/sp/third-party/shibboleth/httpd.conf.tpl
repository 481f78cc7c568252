# Apache 2.4 + mod_shib for a Shibboleth SP test instance of CIE Bench (generated from
# scenarios/sp/third-party/shibboleth/httpd.conf.tpl). shibd runs beside it with the same
# shibboleth2.xml; both are started and stopped by scenarios/sp/third-party/shibboleth.ts.
{{APACHE_COMMON}}

LoadModule mod_shib /usr/lib/apache2/modules/mod_shib.so
ShibConfig {{DIR}}/shibboleth2.xml
ShibCompatValidUser Off

LoadModule php_module /usr/lib/apache2/modules/libphp8.2.so
<FilesMatch "\.php$">
    SetHandler application/x-httpd-php
</FilesMatch>
DirectoryIndex index.php index.html

# Where the application's "Esci" sends the browser after the local logout (the IdP's logout URL).
SetEnv CIEBENCH_IDP_LOGOUT {{IDP_LOGOUT}}

DocumentRoot {{DIR}}/www
<Directory {{DIR}}/www>
    Require all granted
</Directory>

# The handler (ACS, Login, Session, Logout) answers under /Shibboleth.sso.
<Location /Shibboleth.sso>
    SetHandler shib
</Location>

# The protected area: a login is required, attributes reach the page as server variables.
<Location /secure>
    AuthType shibboleth
    ShibRequestSetting requireSession 1
    ShibUseHeaders Off
    Require shib-session
</Location>
