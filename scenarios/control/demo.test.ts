/**
 * The demo phone without a browser: a hybrid login driven over HTTPS up to the IdP's QR page (as
 * the IdP's protocol tests do); the phone notices the QR operation, scans its payload, uses the
 * card in this process with the last 4 PIN digits, and shows the OTP; that OTP typed into the page
 * leads to the consent page. A second login for another card's serial is refused by the IdP and
 * the phone says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCardSpec } from '../../harness/cards/card-registry.ts';
import { cieCardFromImage } from '../../emulator/src/profiles/cie-card-image.ts';
import { InProcessCardReader } from '../app/card-reader.ts';
import { HttpClient, pageId } from '../idp/client/https-client.ts';
import { startIdp, type RunningIdp } from '../idp/server.ts';
import { beginLogin, flowKeyOf, l3Post } from '../idp/testing/login-driver.ts';
import { testSp } from '../idp/testing/test-sp.ts';
import { DemoPhone, type PhoneEvent } from './demo.ts';

const sp = testSp();
const image = resolveCardSpec('default').image;
if (!image) throw new Error('the default card has an image');
let idp: RunningIdp;
let phone: DemoPhone;
const events: PhoneEvent[] = [];
const waiters: (() => void)[] = [];

/** Resolves when the phone has shown an event of `kind` beyond the first `seen`. */
function phoneShows(kind: PhoneEvent['kind'], seen: number): Promise<PhoneEvent> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      const e = events.filter((x) => x.kind === kind)[seen];
      if (e) resolve(e);
      return e !== undefined;
    };
    if (!check()) waiters.push(() => void check());
  });
}

beforeAll(async () => {
  idp = await startIdp({});
  idp.registerSp(sp.metadata());
  const cie = cieCardFromImage(image);
  phone = new DemoPhone({
    idp,
    reader: new InProcessCardReader(cie.card),
    image,
    pin: () => cie.secrets.read().pin.value,
    scanDelayMs: 300,
    emit: (e) => {
      events.push(e);
      for (const w of waiters) w();
    },
  });
  await phone.ready();
});
afterAll(async () => {
  await phone?.close();
  await idp?.close();
});

/** Up to the serial page's answer: the QR page (or, when the phone was quicker, the next one). */
async function toQr(c: HttpClient, serial: string): Promise<{ key: string; page: string }> {
  const s = await beginLogin(c, idp, sp);
  const key = flowKeyOf(s.page);
  await l3Post(c, idp, key, { scelta: 'smartphone' });
  const qr = await l3Post(c, idp, key, { azione: 'seriale', seriale: serial, scelta: 'prosegui' });
  return { key, page: pageId(qr.body) ?? '' };
}

describe('demo phone', () => {
  it('registers the card at start', () => {
    expect(events[0]?.kind).toBe('ready');
    expect(events[0]?.text).toContain(image.citizen.document.number);
  });

  it('scans the QR the IdP shows, signs with the card, shows the OTP that the page accepts', async () => {
    const c = new HttpClient(idp.tlsCaPem);
    const { key, page } = await toQr(c, phone.serial);
    // The QR page, or already the OTP page when the phone signed before the page was fetched.
    expect(['qrcode', 'otp']).toContain(page);
    const otp = await phoneShows('otp', 0);
    expect(otp.otp).toMatch(/^\d{4}$/);
    expect(events.some((e) => e.kind === 'scanned')).toBe(true);
    const consent = await l3Post(c, idp, key, {
      azione: 'otp',
      otp: otp.otp ?? '',
      scelta: 'prosegui',
    });
    expect(pageId(consent.body)).toBe('consenso');
  });

  it('says what the app shows when the IdP refuses (the QR names another card)', async () => {
    const c = new HttpClient(idp.tlsCaPem);
    const { key } = await toQr(c, 'CA00000AA');
    const failed = await phoneShows('failed', 0);
    expect(failed.text).toMatch(/^the app shows: /);
    // The page shows the serial page again with the refusal, as the QR page does when it polls.
    const page = await l3Post(c, idp, key, {});
    expect(pageId(page.body)).toBe('seriale');
    expect(events.filter((e) => e.kind === 'otp')).toHaveLength(1);
  });
});
