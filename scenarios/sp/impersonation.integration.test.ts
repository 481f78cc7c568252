/**
 * Impersonation: a SimpleSAMLphp SP configured for the CIE **pre-production** IdP (its real entityID
 * `https://preproduzione.idserver.servizicie.interno.gov.it/idp/profile/SAML2/POST/SSO` and real
 * URLs) logs in through the bench with only the IdP metadata swapped for the bench's export. SP
 * kits that accept CIE responses only from the real entityIDs (italia/spid-cie-php) need exactly
 * this. The test browser resolves the real host name to the local IdP (`--host-resolver-rules`)
 * and trusts the bench CA in its own NSS database; the phone's client connects to the same local
 * port; nothing on the machine's DNS or trust store changes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdp, type RunningIdp } from '../idp/server.ts';
import { emulatedCard } from '../idp/testing/card-signer.ts';
import { launchBenchBrowser, type BenchBrowser } from './testing/browser.ts';
import {
  consent,
  loggedInAttributes,
  openLogin,
  scanWithPhone,
  toQrCode,
  typeOtp,
} from './testing/browser-login.ts';
import { allOf, chromiumGate, requireEnvironment } from './testing/gate.ts';
import { thirdPartyStatus } from './third-party/environment.ts';
import type { ThirdPartySp } from './third-party/instance.ts';
import { startSimpleSamlPhp } from './third-party/simplesamlphp.ts';

const PREPROD_HOST = 'preproduzione.idserver.servizicie.interno.gov.it';
const PREPROD_ENTITY_ID = `https://${PREPROD_HOST}/idp/profile/SAML2/POST/SSO`;

describe('SimpleSAMLphp configured for the pre-production IdP logs in through the bench (--as preprod)', () => {
  if (
    !requireEnvironment(
      'impersonation.integration.test.ts',
      allOf(chromiumGate(), thirdPartyStatus('simplesamlphp')),
    )
  )
    return;
  let idp: RunningIdp;
  let sp: ThirdPartySp;
  let browser: BenchBrowser;

  beforeAll(async () => {
    idp = await startIdp({ mode: 'preprod', timers: { qrPollMs: 500 }, crls: () => [] });
    sp = await startSimpleSamlPhp({ idpMetadataXml: idp.metadata() });
    const reg = idp.registerSp(sp.metadataXml);
    expect(reg.registered, JSON.stringify(reg.report.findings)).toBe(true);
    browser = await launchBenchBrowser({
      trustCaPems: [idp.tlsCaPem, sp.tlsCaPem],
      ...(idp.hostResolverRules ? { hostResolverRules: idp.hostResolverRules } : {}),
    });
  });
  afterAll(async () => {
    await browser?.close();
    await sp?.stop();
    await idp?.close();
  });

  it('the exported metadata, and so the SP configuration, carry the real pre-production entityID and host', () => {
    expect(idp.urls.entityId).toBe(PREPROD_ENTITY_ID);
    const remote = readFileSync(join(sp.dir, 'metadata', 'saml20-idp-remote.php'), 'utf8');
    expect(remote).toContain(`$metadata['${PREPROD_ENTITY_ID}']`);
    expect(remote).toContain(`https://${PREPROD_HOST}/idp/profile/SAML2/Redirect/SSO`);
    expect(remote).not.toContain('127.0.0.1');
    expect(idp.hostResolverRules).toContain(`MAP ${PREPROD_HOST} 127.0.0.1:${idp.ports.main}`);
  });

  it('hybrid login under the real host name; the SP shows the pre-production IdP as issuer', async () => {
    const card = emulatedCard();
    const page = await browser.context.newPage();
    await openLogin(page, sp.homeUrl);
    expect(new URL(page.url()).host).toBe(PREPROD_HOST);
    const payload = await toQrCode(page, card.serial);
    expect(new URL(payload).host).toBe(PREPROD_HOST);
    const result = await scanWithPhone(payload, {
      card,
      idpCaPem: idp.tlsCaPem,
      connectTo: { host: '127.0.0.1', port: idp.ports.main },
    });
    expect(result.otp).toMatch(/^\d{4}$/);
    await typeOtp(page, result.otp ?? '');
    await consent(page, 'Acconsento');
    const attributes = await loggedInAttributes(page);
    expect(attributes['fiscalNumber']).toBe(`TINIT-${card.image.citizen.fiscalCode}`);
    expect(await page.locator('#sp-idp').textContent()).toBe(PREPROD_ENTITY_ID);
    await page.close();
  });
});
