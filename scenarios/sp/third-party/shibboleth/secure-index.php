<?php
/*
 * Protected page of the Shibboleth test SP: mod_shib has checked the session and put the
 * attributes (attribute-map.xml ids) and the Shib-* session variables into the server variables.
 * Same element ids as the reference SP.
 */
declare(strict_types=1);

function h(?string $s): string
{
    return htmlspecialchars((string) $s, ENT_QUOTES | ENT_HTML5, 'UTF-8');
}

$rows = '';
foreach (['name', 'familyName', 'dateOfBirth', 'fiscalNumber'] as $a) {
    if (isset($_SERVER[$a])) {
        $rows .= '<tr><th>' . h($a) . '</th><td id="attr-' . h($a) . '">' . h((string) $_SERVER[$a]) . '</td></tr>';
    }
}
$logoutReturn = getenv('CIEBENCH_IDP_LOGOUT') ?: '/';
header('Content-Type: text/html; charset=utf-8');
header('Cache-Control: no-store');
echo '<!DOCTYPE html><html lang="it"><head><meta charset="utf-8"><title>Area riservata</title></head><body>'
    . '<h1 id="sp-logged-in">Accesso effettuato</h1><table>' . $rows . '</table>'
    . '<p>Livello <code id="sp-authn-context">' . h($_SERVER['Shib-AuthnContext-Class'] ?? '') . '</code></p>'
    . '<p>IdP <code id="sp-idp">' . h($_SERVER['Shib-Identity-Provider'] ?? '') . '</code></p>'
    . '<p>Sessione <code id="sp-session-id">' . h($_SERVER['Shib-Session-ID'] ?? '') . '</code></p>'
    . '<p><a id="esci" href="/Shibboleth.sso/Logout?return=' . h(rawurlencode($logoutReturn)) . '">Esci</a></p>'
    . '</body></html>';
