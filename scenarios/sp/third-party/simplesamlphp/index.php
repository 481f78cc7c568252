<?php
/*
 * The application page of the SimpleSAMLphp test SP: what a service would write around
 * SimpleSAMLphp's public API (\SimpleSAML\Auth\Simple). Same element ids as the reference SP
 * (#entra-con-cie, #attr-<name>, #sp-error-code, …) so one browser test reads all SPs.
 *
 *   ?              home page with the "Entra con CIE" button
 *   ?action=login  starts a CIE login (ForceAuthn, SpidL3 exact, NameIDPolicy transient without
 *                  AllowCreate) and comes back to ?action=attributes, or to ?action=error
 *   ?action=attributes  the session's attributes
 *   ?action=error  the IdP's status (SimpleSAMLphp hands the exception over in the state)
 *   ?action=logout local logout, then a plain GET to the IdP's logout URL (the CIE IdP does no
 *                  SAML Single Logout)
 */
declare(strict_types=1);

require_once '/usr/share/simplesamlphp/lib/_autoload.php';

const SOURCE = 'cie';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';

function h(?string $s): string
{
    return htmlspecialchars((string) $s, ENT_QUOTES | ENT_HTML5, 'UTF-8');
}

function page(string $title, string $body): void
{
    header('Content-Type: text/html; charset=utf-8');
    header('Cache-Control: no-store');
    echo '<!DOCTYPE html><html lang="it"><head><meta charset="utf-8"><title>' . h($title)
        . '</title></head><body>' . $body . '</body></html>';
}

$self = \SimpleSAML\Utils\HTTP::getSelfURLNoQuery();
$as = new \SimpleSAML\Auth\Simple(SOURCE);
$action = isset($_GET['action']) && is_string($_GET['action']) ? $_GET['action'] : '';

switch ($action) {
    case 'login':
        $as->login([
            'ReturnTo' => $self . '?action=attributes',
            'ErrorURL' => $self . '?action=error',
            'ForceAuthn' => true,
            'saml:NameIDPolicy' => ['Format' => TRANSIENT],
            'saml:AuthnContextClassRef' => 'https://www.spid.gov.it/SpidL3',
            'saml:AuthnContextComparison' => 'exact',
        ]);
        break;

    case 'attributes':
        if (!$as->isAuthenticated()) {
            http_response_code(401);
            page('Accesso richiesto', '<h1 id="sp-not-logged-in">Accesso richiesto</h1><p><a id="entra-con-cie" href="?action=login">Entra con CIE</a></p>');
            break;
        }
        $rows = '';
        foreach ($as->getAttributes() as $name => $values) {
            $rows .= '<tr><th>' . h($name) . '</th><td id="attr-' . h($name) . '">' . h(implode(', ', $values)) . '</td></tr>';
        }
        $nameId = $as->getAuthData('saml:sp:NameID');
        $context = $as->getAuthData('saml:sp:AuthnContext');
        page('Area riservata', '<h1 id="sp-logged-in">Accesso effettuato</h1><table>' . $rows . '</table>'
            . '<p>NameID <code id="sp-name-id">' . h($nameId ? $nameId->getValue() : '') . '</code></p>'
            . '<p>Livello <code id="sp-authn-context">' . h(is_string($context) ? $context : '') . '</code></p>'
            . '<p>IdP <code id="sp-idp">' . h((string) $as->getAuthData('saml:sp:IdP')) . '</code></p>'
            . '<p><a id="esci" href="?action=logout">Esci</a></p>');
        break;

    case 'error':
        $state = \SimpleSAML\Auth\State::loadExceptionState();
        $e = $state[\SimpleSAML\Auth\State::EXCEPTION_DATA] ?? null;
        $status = $sub = $message = '';
        if ($e instanceof \SimpleSAML\Module\saml\Error) {
            $status = (string) $e->getStatus();
            $sub = (string) $e->getSubStatus();
            $message = (string) $e->getStatusMessage();
        } elseif ($e instanceof \Throwable) {
            $message = get_class($e) . ': ' . $e->getMessage();
        }
        $code = preg_match('/ErrorCode nr(\d{1,3})/', $message, $m) ? (string) (int) $m[1] : '';
        page('Accesso non riuscito', '<h1 id="sp-login-failed">Accesso non riuscito</h1>'
            . '<p>Codice: <span id="sp-error-code">' . h($code) . '</span></p>'
            . '<p>StatusCode <code id="sp-status-code">' . h($status) . '</code> / <code id="sp-sub-status-code">' . h($sub) . '</code></p>'
            . '<p id="sp-status-message">' . h($message) . '</p><p><a href="?">Torna alla pagina iniziale</a></p>');
        break;

    case 'logout':
        \SimpleSAML\Session::getSessionFromRequest()->doLogout(SOURCE);
        $idp = (string) $as->getAuthSource()->getMetadata()->getString('idp');
        $md = \SimpleSAML\Metadata\MetaDataStorageHandler::getMetadataHandler()->getMetaDataConfig($idp, 'saml20-idp-remote');
        $slo = $md->getDefaultEndpoint('SingleLogoutService', [\SAML2\Constants::BINDING_HTTP_REDIRECT], null);
        if (is_array($slo)) {
            header('Location: ' . $slo['Location'], true, 302);
            break;
        }
        page('Uscita', '<h1 id="sp-logged-out">Sei uscito dal servizio</h1>');
        break;

    default:
        page('Servizio di prova SimpleSAMLphp', '<h1>Servizio di prova (SimpleSAMLphp)</h1>'
            . '<p><a id="entra-con-cie" href="?action=login">Entra con CIE</a></p>');
}
