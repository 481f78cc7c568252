<?php
/*
 * The CIE service provider of a SimpleSAMLphp 1.19 test instance (generated from
 * scenarios/sp/third-party/simplesamlphp/authsources.php.tpl). Settings follow what a CIE SP needs
 * (signed requests over HTTP-Redirect with rsa-sha256, ForceAuthn, SpidL3 exact, ACS by URL with
 * HTTP-POST, AttributeConsumingServiceIndex 0, no Scoping). The NameIDPolicy is passed by the
 * application page (index.php) in the login state: given as an array without AllowCreate,
 * SimpleSAMLphp writes NameIDPolicy Format=transient and no AllowCreate, as the CIE IdP requires;
 * configured here it would always add AllowCreate.
 */
$config = [
    'admin' => ['core:AdminPassword'],
    'cie' => [
        'saml:SP',
        'entityID' => {{ENTITY_ID}},
        'idp' => {{IDP_ENTITY_ID}},
        'privatekey' => 'sp-signing.key',
        'certificate' => 'sp-signing.crt',
        'sign.authnrequest' => true,
        'redirect.sign' => true,
        'sign.logout' => true,
        'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
        'ForceAuthn' => true,
        'AuthnContextClassRef' => 'https://www.spid.gov.it/SpidL3',
        'AuthnContextComparison' => 'exact',
        'AttributeConsumingServiceIndex' => 0,
        'ProtocolBinding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
        'disable_scoping' => true,
        'attributes' => ['name', 'familyName', 'dateOfBirth', 'fiscalNumber'],
        'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
    ],
];
