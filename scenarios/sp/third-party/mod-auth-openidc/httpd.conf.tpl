# Apache 2.4 + mod_auth_openidc (Debian libapache2-mod-auth-openidc) as a CIE OpenID Connect
# relying party of CIE Bench in STATIC registration (it has no OpenID Federation support), generated
# from scenarios/sp/third-party/mod-auth-openidc/httpd.conf.tpl by mod-auth-openidc.ts.
{{APACHE_COMMON}}

LoadModule auth_openidc_module /usr/lib/apache2/modules/mod_auth_openidc.so
LoadModule include_module /usr/lib/apache2/modules/mod_include.so
LoadModule authz_user_module /usr/lib/apache2/modules/mod_authz_user.so

# The OP, read from its discovery document over HTTPS (the bench TLS CA trusted, nothing else).
OIDCProviderMetadataURL {{DISCOVERY}}
OIDCCABundlePath {{DIR}}/op-ca.pem
OIDCSSLValidateServer On
OIDCClientID {{CLIENT_ID}}
OIDCRedirectURI {{REDIRECT_URI}}
OIDCCryptoPassphrase {{PASSPHRASE}}

# CIE: authorization code + PKCE S256, private_key_jwt, a signed request object by value.
OIDCResponseType code
OIDCPKCEMethod S256
# The keys first: private_key_jwt is accepted only once they are configured.
OIDCPrivateKeyFiles {{KID}}#{{DIR}}/rp.key
OIDCPublicKeyFiles {{KID}}#{{DIR}}/rp.crt
OIDCProviderTokenEndpointAuth private_key_jwt
OIDCScope "openid profile"
OIDCAuthRequestParams {{AUTH_PARAMS}}
OIDCRequestObject "{{REQUEST_OBJECT}}"

# CIE UserInfo is a JWT, signed then encrypted to the RP's key; the ID Token is encrypted too.
OIDCUserInfoSignedResponseAlg RS256
OIDCUserInfoEncryptedResponseAlg RSA-OAEP
OIDCUserInfoEncryptedResponseEnc A128CBC-HS256
OIDCUserInfoTokenMethod authz_header

OIDCPassClaimsAs environment
OIDCRemoteUserClaim sub
OIDCSessionInactivityTimeout 600
OIDCStateMaxNumberOfCookies 5 true

DocumentRoot {{DIR}}/www
<Directory {{DIR}}/www>
    Require all granted
    Options +Includes
    AddOutputFilter INCLUDES .shtml
    DirectoryIndex index.shtml index.html
</Directory>

# The protected area: a CIE login is required; the claims reach the page as environment variables.
<Location /secure>
    AuthType openid-connect
    Require valid-user
</Location>
