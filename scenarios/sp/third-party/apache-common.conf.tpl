# Common part of the Apache 2.4 servers of the CIE Bench third-party SPs (Debian's apache2 binary,
# prefork MPM because mod_php is not thread-safe). Filled in by scenarios/sp/third-party/apache.ts.
ServerRoot /etc/apache2
ServerName {{SERVER_NAME}}
Listen {{LISTEN}}
PidFile {{RUNDIR}}/httpd.pid
DefaultRuntimeDir {{RUNDIR}}
Mutex file:{{RUNDIR}} default
ErrorLog {{LOGDIR}}/error.log
LogLevel {{LOGLEVEL}}
LogFormat "%h %t \"%r\" %>s %b" bench
CustomLog {{LOGDIR}}/access.log bench
{{USER_GROUP}}

LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
StartServers 2
MinSpareServers 1
MaxSpareServers 4
MaxRequestWorkers 16
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule env_module /usr/lib/apache2/modules/mod_env.so
LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so
LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so
LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so
TypesConfig /etc/mime.types

SSLEngine on
SSLProtocol -all +TLSv1.2 +TLSv1.3
SSLCertificateFile {{TLS_CERT}}
SSLCertificateKeyFile {{TLS_KEY}}
SSLSessionCache shmcb:{{RUNDIR}}/ssl_scache(512000)
