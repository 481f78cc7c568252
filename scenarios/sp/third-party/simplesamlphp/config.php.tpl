<?php
/*
 * SimpleSAMLphp 1.19 main configuration for a CIE Bench test instance (generated from
 * scenarios/sp/third-party/simplesamlphp/config.php.tpl; every {{…}} is filled in by
 * scenarios/sp/third-party/simplesamlphp.ts). Only what differs from the defaults of
 * lib/SimpleSAML/Configuration.php is set. Everything lives in one instance directory, so the
 * system installation (/etc/simplesamlphp) is never touched.
 */
$config = [
    'baseurlpath' => {{BASEURLPATH}},
    'certdir' => {{CERTDIR}},
    'metadatadir' => {{METADATADIR}},
    'loggingdir' => {{LOGDIR}},
    'datadir' => {{DATADIR}},
    'tempdir' => {{TEMPDIR}},
    'technicalcontact_name' => 'CIE Bench',
    'technicalcontact_email' => 'cie-sp@ciebench.invalid',
    'timezone' => 'Europe/Rome',
    'secretsalt' => {{SECRETSALT}},
    'auth.adminpassword' => {{ADMINPASSWORD}},
    'admin.protectindexpage' => true,
    'admin.protectmetadata' => false,
    'trusted.url.domains' => {{TRUSTED_DOMAINS}},
    // Error pages with the message: a test reads why a response was refused.
    'showerrors' => true,
    'errorreporting' => false,
    'logging.level' => SimpleSAML\Logger::DEBUG,
    'logging.handler' => 'file',
    'logging.logfile' => 'simplesamlphp.log',
    'debug' => ['saml' => true, 'backtraces' => true, 'validatexml' => false],
    'enable.saml20-idp' => false,
    'enable.shib13-idp' => false,
    'session.cookie.name' => 'CieBenchSimpleSAML',
    'session.cookie.secure' => {{COOKIE_SECURE}},
    // The ACS is reached by a cross-site POST from the IdP (another host under impersonation).
    'session.cookie.samesite' => {{COOKIE_SAMESITE}},
    'session.phpsession.savepath' => {{SESSIONDIR}},
    'store.type' => 'phpsession',
    'language.default' => 'it',
    'metadata.sources' => [['type' => 'flatfile']],
];
