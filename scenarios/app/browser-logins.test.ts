/**
 * End-to-end logins against the bench IdP with the app agent on the phone side and Debian's
 * Chromium (playwright-core) on the desktop side, the card reached through the WebSocket NFC
 * endpoint:
 *
 * - on every personality, with the default ISO-DEP settings and with AOSP's (261 bytes, no
 *   extended length): hybrid login (the QR decoded from a Chromium screenshot equals the payload
 *   the page embeds; the OTP the app shows is typed into the page; consent; the SP gets a Response
 *   node-saml accepts) and phone-only login (mobile user agent → hand-off URL → the app's continue
 *   URL loaded in the same browser → consent → Response);
 * - revoked and expired certificates: the app shows the certificate event, the SP gets SAML 23;
 * - tag lost at every APDU of the card step inside one hybrid login: "tag lost" each time, then
 *   the same QR code completes the login.
 *
 * Skips loudly without /usr/bin/chromium; fails then when CIE_REQUIRE_INTEGRATION=1.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { CIE_PROFILES } from '../../emulator/src/profiles/cie-profiles.ts';
import { holderCertificateSerial } from '../../emulator/src/state/certificate-lifecycle.ts';
import { revoke } from '../../emulator/src/state/pki-revocations.ts';
import { startIdp, type RunningIdp } from '../idp/server.ts';
import { EXPECTED_STATUS } from '../idp/testing/expect-outcome.ts';
import {
  authnRequestXml,
  nodeSamlSp,
  redirectQuery,
  requestId,
  testSp,
} from '../idp/testing/test-sp.ts';
import { CieIdAgent } from './agent.ts';
import type { AppOptions } from './app-context.ts';
import { NfcCardReader } from './card-reader.ts';
import { decodeQrPng } from './qr.ts';
import { signAsRegistered } from './login-card.ts';
import { cardFile, nfcEndpoint, tempDir, trustOfImage, type CardFile } from './testing.ts';
import type { FaultInput } from '../../harness/nfc/faults.ts';
import { ManualClock } from '../../emulator/src/crypto/clock.ts';
import { expireCardImage } from '../../emulator/src/state/certificate-lifecycle.ts';
import { CHROMIUM, HEADLESS_CHROMIUM_FLAGS } from '../../harness/browser/chromium.ts';

const present = existsSync(CHROMIUM);
if (!present) {
  const msg = `browser-logins.test: ${CHROMIUM} is missing (apt-get install chromium); the app's end-to-end logins in Chromium are SKIPPED`;
  if (process.env['CIE_REQUIRE_INTEGRATION'] === '1')
    throw new Error(`${msg} — not allowed with CIE_REQUIRE_INTEGRATION=1`);
  console.warn(`\n*** ${msg} ***\n`);
}

const ANDROID_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36';
const AOSP = { maxTransceiveLength: 261, extendedLengthSupported: false } as const;
const tmp = tempDir('app-browser');
const sp = testSp();
let idp: RunningIdp;
let browser: BrowserContext;
let revokedCrl: Uint8Array[] = [];

beforeAll(async () => {
  if (!present) return;
  idp = await startIdp({ timers: { qrPollMs: 150 }, crls: () => revokedCrl });
  idp.registerSp(sp.metadata());
  browser = await chromium.launchPersistentContext(join(tmp.dir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...HEADLESS_CHROMIUM_FLAGS,
      `--ignore-certificate-errors-spki-list=${idp.tlsSpkiSha256}`,
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await idp?.close();
  tmp.cleanup();
});

interface Posted {
  readonly fields: URLSearchParams;
  readonly xml: string;
}

/** Starts an SP login in a fresh page; the SP's ACS is intercepted and its POST kept. */
async function spLogin(ua?: string): Promise<{ page: Page; id: string; posted: Promise<Posted> }> {
  const page = await browser.newPage();
  if (ua) await page.setExtraHTTPHeaders({ 'user-agent': ua });
  let resolve: (p: Posted) => void = () => undefined;
  const posted = new Promise<Posted>((r) => (resolve = r));
  await page.route(sp.acsUrl, async (route) => {
    const fields = new URLSearchParams(route.request().postData() ?? '');
    resolve({
      fields,
      xml: Buffer.from(fields.get('SAMLResponse') ?? '', 'base64').toString('utf8'),
    });
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>SP: ok</p>' });
  });
  const xml = authnRequestXml(sp, idp.urls, 'redirect');
  await page.goto(`${idp.urls.ssoRedirect}?${redirectQuery(sp, xml, {})}`);
  return { page, id: requestId(xml) ?? '', posted };
}

async function toQrPage(page: Page, serial: string): Promise<void> {
  await page.getByRole('button', { name: 'Prosegui con smartphone' }).click();
  await page.locator('#seriale').fill(serial);
  await page.getByRole('button', { name: 'Prosegui', exact: true }).click();
  await page.locator('#qr').waitFor();
}

async function expectSuccess(posted: Promise<Posted>, id: string, file: CardFile): Promise<void> {
  const p = await posted;
  const saml = await nodeSamlSp(sp, idp, [id]);
  const { profile } = await saml.validatePostResponseAsync({
    SAMLResponse: p.fields.get('SAMLResponse') ?? '',
  });
  expect(profile?.['fiscalNumber']).toBe(`TINIT-${file.image.citizen.fiscalCode}`);
}

function expectSamlCode(p: Posted, code: number): void {
  const statuses = [...p.xml.matchAll(/<(?:\w+:)?StatusCode Value="([^"]+)"/g)].map((m) => m[1]);
  expect(statuses).toEqual(EXPECTED_STATUS[code]);
  expect(p.xml).toContain(`ErrorCode nr${code}`);
}

interface Phone {
  readonly file: CardFile;
  readonly agent: CieIdAgent;
  /** Fault plan of the next tap. */
  next: FaultInput[];
  /** APDUs of each tap so far. */
  readonly meters: number[];
  close(): Promise<void>;
}

let dirs = 0;
async function phone(
  profile: string,
  o: { isoDep?: typeof AOSP; app?: Partial<AppOptions>; file?: (dir: string) => CardFile } = {},
): Promise<Phone> {
  const dir = join(tmp.dir, `phone-${dirs++}`);
  mkdirSync(dir, { recursive: true });
  const file = o.file ? o.file(dir) : cardFile(dir, profile);
  const endpoint = await nfcEndpoint(file, o.isoDep);
  const p: Phone = {
    file,
    next: [],
    meters: [],
    agent: undefined as unknown as CieIdAgent,
    async close() {
      await p.agent.close();
      await endpoint.close();
    },
  };
  (p as { agent: CieIdAgent }).agent = new CieIdAgent({
    profileDir: join(dir, 'profile'),
    reader: new NfcCardReader(endpoint.url, {
      faults: () => {
        const plan = p.next;
        p.next = [];
        return plan;
      },
    }),
    trust: trustOfImage(file.image),
    idp: { origins: [new URL(idp.urls.base).origin], connection: { ca: idp.tlsCaPem } },
    rng: seededRng(`browser|${dir}`),
    onTapEnd: (t) => p.meters.push(t.meter.commands),
    ...(o.isoDep ? { phone: { extendedLength: 'when-needed' } } : {}),
    ...o.app,
  });
  return p;
}

async function hybrid(p: Phone): Promise<void> {
  const { page, id, posted } = await spLogin();
  try {
    await toQrPage(page, p.file.serial);
    const qr = page.locator('#qr');
    const embedded = await qr.getAttribute('data-qr-payload');
    // The page must not cover a live QR code with its expiry overlay (NEEDS-FROM-IDP.md §1).
    await expect.soft(page.locator('#scaduto').isVisible()).resolves.toBe(false);
    const png = await qr.screenshot();
    expect(decodeQrPng(new Uint8Array(png))).toBe(embedded);
    const r = await p.agent.loginQr({
      qr: { png: new Uint8Array(png) },
      lastFour: p.file.pin.slice(4),
    });
    if (!r.ok) throw new Error(`app: ${r.event.kind} ${JSON.stringify(r.event)}`);
    expect(r.value.otp).toMatch(/^\d{4}$/);
    await page.locator('#otp').waitFor();
    await page.locator('#otp').fill(r.value.otp);
    await page.getByRole('button', { name: 'Prosegui', exact: true }).click();
    await page.getByRole('button', { name: 'Acconsento', exact: true }).click();
    await expectSuccess(posted, id, p.file);
  } finally {
    await page.close();
  }
}

async function phoneOnly(p: Phone): Promise<void> {
  const { page, id, posted } = await spLogin(ANDROID_UA);
  try {
    await page.waitForURL(/\/idp\/OpenApp\?/);
    const r = await p.agent.loginApp({
      handOffUrl: page.url(),
      registered: { lastFour: p.file.pin.slice(4) },
    });
    if (!r.ok) throw new Error(`app: ${r.event.kind} ${JSON.stringify(r.event)}`);
    await page.goto(r.value.continueUrl);
    await page.getByRole('button', { name: 'Acconsento', exact: true }).click();
    await expectSuccess(posted, id, p.file);
  } finally {
    await page.close();
  }
}

describe.skipIf(!present)('app agent + bench IdP + Chromium', () => {
  describe.each(CIE_PROFILES.map((x) => x.id))('personality %s', (profile) => {
    it.each([
      ['default ISO-DEP', undefined],
      ['AOSP 261 bytes, no extended length', AOSP],
    ] as const)(
      '%s: register, hybrid login (QR from a screenshot, OTP typed), phone-only login',
      async (_name, isoDep) => {
        const p = await phone(profile, isoDep ? { isoDep } : {});
        try {
          const reg = await p.agent.register({ serial: p.file.serial, pin: p.file.pin });
          expect(reg.ok ? 'ok' : reg.event).toBe('ok');
          await hybrid(p);
          await phoneOnly(p);
          expect(p.file.state().pin.remaining).toBe(3);
        } finally {
          await p.close();
        }
      },
    );
  });

  it('tag lost at every APDU of the card step of one hybrid login, then the same QR code completes it', async () => {
    const p = await phone('gemalto');
    const { page, id, posted } = await spLogin();
    try {
      expect((await p.agent.register({ serial: p.file.serial, pin: p.file.pin })).ok).toBe(true);
      await toQrPage(page, p.file.serial);
      const payload = (await page.locator('#qr').getAttribute('data-qr-payload')) ?? '';
      // The card step of a login is exactly the agent's signAsRegistered: count its APDUs once.
      await signAsRegistered(p.agent.ctx, p.file.pin.slice(4), new Uint8Array(32));
      const n = p.meters.at(-1) ?? 0;
      expect(n).toBeGreaterThan(20);
      for (let at = 1; at <= n; at++) {
        p.next = [{ kind: 'tag-lost', atApdu: at }];
        const r = await p.agent.loginQr({ qr: payload, lastFour: p.file.pin.slice(4) });
        expect(r.ok ? 'ok' : r.event.kind, `APDU ${at}`).toBe('TAG_LOST');
        expect(p.file.state().pin.remaining).toBe(3);
      }
      const r = await p.agent.loginQr({ qr: payload, lastFour: p.file.pin.slice(4) });
      if (!r.ok) throw new Error(r.event.kind);
      await page.locator('#otp').waitFor();
      await page.locator('#otp').fill(r.value.otp);
      await page.getByRole('button', { name: 'Prosegui', exact: true }).click();
      await page.getByRole('button', { name: 'Acconsento', exact: true }).click();
      await expectSuccess(posted, id, p.file);
    } finally {
      await page.close();
      await p.close();
    }
  });

  it('revoked certificate: the app shows "certificato revocato", the SP gets SAML 23', async () => {
    const p = await phone('nxp');
    try {
      expect((await p.agent.register({ serial: p.file.serial, pin: p.file.pin })).ok).toBe(true);
      revokedCrl = [
        revoke(join(tmp.dir, 'pki'), p.file.image.pkiSeed, holderCertificateSerial(p.file.image), {
          now: new Date(),
          reason: 'keyCompromise',
          label: 'app test',
        }),
      ];
      const { page, posted } = await spLogin();
      try {
        await toQrPage(page, p.file.serial);
        const payload = (await page.locator('#qr').getAttribute('data-qr-payload')) ?? '';
        const r = await p.agent.loginQr({ qr: payload, lastFour: p.file.pin.slice(4) });
        expect(r.ok ? 'ok' : r.event).toMatchObject({
          kind: 'CERTIFICATE_REVOKED',
          message: 'Carta non valida: certificato revocato',
        });
        expectSamlCode(await posted, 23);
      } finally {
        await page.close();
      }
      // Phone-only as well: the SP's app gets AUTHENTICATION_ERROR, the SP gets 23.
      const m = await spLogin(ANDROID_UA);
      try {
        await m.page.waitForURL(/\/idp\/OpenApp\?/);
        const r = await p.agent.loginApp({
          handOffUrl: m.page.url(),
          registered: { lastFour: p.file.pin.slice(4) },
        });
        expect(r.ok ? 'ok' : r.event.kind).toBe('CERTIFICATE_REVOKED');
        // The browser comes back to the IdP (the hand-off's nextUrl with the flow key): 23.
        const h = new URL(m.page.url()).searchParams;
        await m.page.goto(`${h.get('nextUrl')}?${h.get('name')}=${h.get('value')}`);
        expectSamlCode(await m.posted, 23);
      } finally {
        await m.page.close();
      }
    } finally {
      revokedCrl = [];
      await p.close();
    }
  });

  it('expired certificate (registered while valid): "certificato scaduto" in the app, SAML 23 at the SP', async () => {
    const p = await phone('nxp', {
      file: (dir) =>
        cardFile(dir, 'nxp', (image) => expireCardImage(image, new Date('2025-06-30T00:00:00Z'))),
      app: { clock: new ManualClock(new Date('2025-01-01T00:00:00Z')) },
    });
    try {
      expect((await p.agent.register({ serial: p.file.serial, pin: p.file.pin })).ok).toBe(true);
      const { page, posted } = await spLogin();
      try {
        await toQrPage(page, p.file.serial);
        const payload = (await page.locator('#qr').getAttribute('data-qr-payload')) ?? '';
        const r = await p.agent.loginQr({ qr: payload, lastFour: p.file.pin.slice(4) });
        expect(r.ok ? 'ok' : r.event).toMatchObject({
          kind: 'CERTIFICATE_EXPIRED',
          message: 'Carta non valida: certificato scaduto',
        });
        expectSamlCode(await posted, 23);
      } finally {
        await page.close();
      }
    } finally {
      await p.close();
    }
  });
});
