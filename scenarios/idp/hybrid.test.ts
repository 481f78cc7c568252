/**
 * The hybrid desktop + phone flow end to end over HTTPS (L3-PROTOCOL.md §4), the card signing on
 * an emulated CIE through the reference IAS terminal, time driven by an injected clock (no sleep):
 * QR expiry and regeneration, wrong OTP three times, OTP expiry, cancel at every step (25),
 * consent refused (22), time budget (21), serial binding, the nonce challenge option.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdp, type RunningIdp } from './server.ts';
import { HttpClient, pageId } from './client/https-client.ts';
import { expectSamlError } from './testing/expect-outcome.ts';
import { emulatedCard } from './testing/card-signer.ts';
import {
  appScan,
  beginLogin,
  flowKeyOf,
  l3Post,
  postedResponse,
  qrPayloadOf,
} from './testing/login-driver.ts';
import { testSp } from './testing/test-sp.ts';
import type { IdpClock } from './config.ts';

class TestClock implements IdpClock {
  t = Date.now();
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

const sp = testSp();
const clock = new TestClock();
let idp: RunningIdp;

beforeAll(async () => {
  idp = await startIdp({ clock });
  idp.registerSp(sp.metadata());
});
afterAll(async () => idp?.close());

async function toQr(c: HttpClient, serial = emulatedCard().serial) {
  const s = await beginLogin(c, idp, sp, { relayState: 'rs' });
  const key = flowKeyOf(s.page);
  const chooser = s.page;
  expect(pageId(chooser.body)).toBe('scelta');
  expect(chooser.body).toContain('Prosegui con computer');
  expect(chooser.body).toContain('Prosegui con smartphone');
  const serialPage = await l3Post(c, idp, key, { scelta: 'smartphone' });
  expect(pageId(serialPage.body)).toBe('seriale');
  const qr = await l3Post(c, idp, key, {
    azione: 'seriale',
    seriale: serial.toLowerCase(),
    scelta: 'prosegui',
  });
  expect(pageId(qr.body)).toBe('qrcode');
  return { key, qr, requestId: s.requestId };
}

async function status(c: HttpClient, key: string): Promise<Record<string, unknown>> {
  return JSON.parse(
    (await c.get(`${idp.urls.base}/idp/login/livello3checkqrcode?value=${key}`)).body,
  ) as Record<string, unknown>;
}

describe('hybrid flow: QR, app, OTP, consent', () => {
  it('the QR encodes the erroreQr.jsp URL with opId, opType, SPName, IdPName, userId, opText, SPLogo; the page shows the countdown', async () => {
    const c = new HttpClient(idp.tlsCaPem);
    const { qr } = await toQr(c);
    const u = qrPayloadOf(qr);
    expect(`${u.origin}${u.pathname}`).toBe(`${idp.urls.base}/idp/erroreQr.jsp`);
    expect([...u.searchParams.keys()]).toEqual([
      'opId',
      'opType',
      'SPName',
      'IdPName',
      'userId',
      'opText',
      'SPLogo',
    ]);
    expect(u.searchParams.get('opId')).toMatch(/^_[0-9a-f]{32}$/);
    expect(u.searchParams.get('opType')).toBe('login');
    expect(u.searchParams.get('userId')).toBe(emulatedCard().serial);
    expect(u.searchParams.get('SPName')).toBe('Comune di Prova (TEST)');
    expect(u.searchParams.get('opText')).toBe(
      'Comune di Prova (TEST) chiede di accedere ai servizi on-line',
    );
    expect(qr.body).toContain('<svg');
    expect(qr.body).toMatch(/valido ancora per <span id="countdown">2:00<\/span> minuti/);
    const page = await c.get(u.toString());
    expect(pageId(page.body)).toBe('errore-qr');
  });

  it('a serial not in the C[A-Z]NNNNN[A-Z][A-Z] form is re-asked with a message', async () => {
    const c = new HttpClient(idp.tlsCaPem);
    const s = await beginLogin(c, idp, sp);
    const key = flowKeyOf(s.page);
    await l3Post(c, idp, key, { scelta: 'smartphone' });
    const again = await l3Post(c, idp, key, {
      azione: 'seriale',
      seriale: 'AA12345',
      scelta: 'prosegui',
    });
    expect(pageId(again.body)).toBe('seriale');
    expect(again.body).toContain('Il numero seriale inserito non è valido');
  });

  it('QR expiry: after 120 s the poll says SESSION_EXPIRED, the app gets 410, the page offers a new QR which then works', async () => {
    const c = new HttpClient(idp.tlsCaPem);
    const { key, qr } = await toQr(c);
    expect(await status(c, key)).toMatchObject({ status: 'WAIT', remainingSeconds: 120 });
    clock.advance(121_000);
    expect(await status(c, key)).toEqual({ status: 'KO', statusType: 'SESSION_EXPIRED' });
    const old = qrPayloadOf(qr);
    const late = await appScan(c, idp, old, emulatedCard());
    expect(late).toMatchObject({ status: 410, json: { esito: 'KO', codice: 'SESSION_EXPIRED' } });
    const expired = await c.get(`${idp.urls.base}/idp/login/livello3?value=${key}`);
    expect(pageId(expired.body)).toBe('qrcode-scaduto');
    expect(expired.body).toContain('Il QR Code non è più valido');
    const fresh = await l3Post(c, idp, key, { azione: 'rigenera', scelta: 'rigenera' });
    const neu = qrPayloadOf(fresh);
    expect(neu.searchParams.get('opId')).not.toBe(old.searchParams.get('opId'));
    const app = await appScan(c, idp, neu, emulatedCard());
    expect(app.status).toBe(200);
    expect(app.json['otp']).toMatch(/^\d{4}$/);
    expect(await status(c, key)).toEqual({ status: 'OK' });
  });

  it('wrong OTP three times: tries left shown, then the code is void and a new QR is offered; a new QR and OTP then log in', async () => {
    const c = new HttpClient(idp.tlsCaPem);
    const { key, qr, requestId } = await toQr(c);
    const app = await appScan(c, idp, qrPayloadOf(qr), emulatedCard());
    const otp = String(app.json['otp']);
    const wrong = otp === '0000' ? '1111' : '0000';
    let page = await l3Post(c, idp, key, { azione: 'otp', otp: wrong });
    expect(page.body).toContain('Codice errato. Tentativi rimasti: 2');
    page = await l3Post(c, idp, key, { azione: 'otp', otp: wrong });
    expect(page.body).toContain('Codice errato. Tentativi rimasti: 1');
    page = await l3Post(c, idp, key, { azione: 'otp', otp: wrong });
    expect(pageId(page.body)).toBe('otp-non-valido');
    expect(page.body).toContain('Hai superato il numero massimo di tentativi.');
    // The right code no longer works.
    page = await l3Post(c, idp, key, { azione: 'otp', otp });
    expect(pageId(page.body)).toBe('otp-non-valido');
    const qr2 = await l3Post(c, idp, key, { azione: 'rigenera', scelta: 'rigenera' });
    expect(pageId(qr2.body)).toBe('seriale');
    const qr3 = await l3Post(c, idp, key, { azione: 'seriale', seriale: emulatedCard().serial });
    const app2 = await appScan(c, idp, qrPayloadOf(qr3), emulatedCard());
    const consent = await l3Post(c, idp, key, { azione: 'otp', otp: String(app2.json['otp']) });
    expect(pageId(consent.body)).toBe('consenso');
    const done = postedResponse(
      await l3Post(c, idp, key, { azione: 'consenso', scelta: 'acconsento' }),
    );
    expect(done?.code).toBe(1);
    expect(done?.xml).toContain(`InResponseTo="${requestId}"`);
  });

  it('an OTP typed after its lifetime is void', async () => {
    const c = new HttpClient(idp.tlsCaPem);
    const { key, qr } = await toQr(c);
    const app = await appScan(c, idp, qrPayloadOf(qr), emulatedCard());
    clock.advance(121_000);
    const page = await l3Post(c, idp, key, { azione: 'otp', otp: String(app.json['otp']) });
    expect(pageId(page.body)).toBe('otp-non-valido');
    expect(page.body).toContain('Il codice è scaduto.');
  });

  it('the consent page lists the four attributes; refusing consent ends with 22', async () => {
    const c = new HttpClient(idp.tlsCaPem);
    const { key, qr, requestId } = await toQr(c);
    const app = await appScan(c, idp, qrPayloadOf(qr), emulatedCard());
    const consent = await l3Post(c, idp, key, { azione: 'otp', otp: String(app.json['otp']) });
    const citizen = emulatedCard().image.citizen;
    for (const text of [
      'Nome',
      'Cognome',
      'Data di nascita',
      'Codice fiscale',
      citizen.givenName,
      citizen.surname,
      citizen.birthDate,
      `TINIT-${citizen.fiscalCode}`,
    ])
      expect(consent.body).toContain(text);
    expectSamlError(await l3Post(c, idp, key, { azione: 'consenso', scelta: 'nego' }), idp, 22, {
      acs: sp.acsUrl,
      inResponseTo: requestId,
      relayState: 'rs',
    });
  });

  it('cancel ("Annulla") on every page ends with 25', async () => {
    for (const at of ['scelta', 'seriale', 'qrcode', 'otp', 'consenso'] as const) {
      const c = new HttpClient(idp.tlsCaPem);
      const s = await beginLogin(c, idp, sp);
      const key = flowKeyOf(s.page);
      if (at !== 'scelta') await l3Post(c, idp, key, { scelta: 'smartphone' });
      if (at === 'qrcode' || at === 'otp' || at === 'consenso') {
        const qr = await l3Post(c, idp, key, { azione: 'seriale', seriale: emulatedCard().serial });
        if (at !== 'qrcode') {
          const app = await appScan(c, idp, qrPayloadOf(qr), emulatedCard());
          if (at === 'consenso')
            await l3Post(c, idp, key, { azione: 'otp', otp: String(app.json['otp']) });
        }
      }
      const page = await c.get(`${idp.urls.base}/idp/login/livello3?value=${key}`);
      expect(pageId(page.body)).toBe(at);
      expect(page.body).toContain('value="annulla"');
      expectSamlError(await l3Post(c, idp, key, { scelta: 'annulla' }), idp, 25, {
        acs: sp.acsUrl,
        inResponseTo: s.requestId,
      });
    }
  });

  it('time budget: a step after 600 s ends with 21, also when the app answers late', async () => {
    const c = new HttpClient(idp.tlsCaPem);
    const { key, qr, requestId } = await toQr(c);
    clock.advance(600_001);
    const app = await appScan(c, idp, qrPayloadOf(qr), emulatedCard());
    expect(app.status).toBe(410);
    expect(await status(c, key)).toEqual({ status: 'KO', statusType: 'TIMEOUT' });
    expectSamlError(await c.get(`${idp.urls.base}/idp/login/livello3?value=${key}`), idp, 21, {
      acs: sp.acsUrl,
      inResponseTo: requestId,
      relayState: 'rs',
    });
  });

  it('a card whose certificate is not IDCIT-<typed serial> is refused (SERIAL_MISMATCH) and the page asks the serial again', async () => {
    const c = new HttpClient(idp.tlsCaPem);
    const { key, qr } = await toQr(c, 'CA00000AA');
    const app = await appScan(c, idp, qrPayloadOf(qr), emulatedCard());
    expect(app).toMatchObject({ status: 403, json: { esito: 'KO', codice: 'SERIAL_MISMATCH' } });
    expect(await status(c, key)).toEqual({ status: 'KO', statusType: 'SERIAL_MISMATCH' });
    const page = await c.get(`${idp.urls.base}/idp/login/livello3?value=${key}`);
    expect(pageId(page.body)).toBe('seriale');
    expect(page.body).toContain('La CIE utilizzata non corrisponde al numero seriale inserito');
  });

  it('an app call with another userId than the QR, or a bad signature, is refused', async () => {
    const c = new HttpClient(idp.tlsCaPem);
    const { qr } = await toQr(c);
    const u = qrPayloadOf(qr);
    const card = emulatedCard();
    const url = `${idp.urls.base}/idp/Authn/SSL/X509AuthIbridoTLS13`;
    const other = await c.postForm(url, {
      opId: u.searchParams.get('opId') ?? '',
      userId: 'CZ99999ZZ',
      cert: card.image.ias.certificates.holder,
    });
    expect(other.status).toBe(403);
    expect(JSON.parse(other.body)).toMatchObject({ codice: 'USER_MISMATCH' });
    const bad = await c.postForm(url, {
      opId: u.searchParams.get('opId') ?? '',
      userId: card.serial,
      cert: card.image.ias.certificates.holder,
      challenge: '00'.repeat(256),
    });
    expect(bad.status).toBe(403);
    expect(JSON.parse(bad.body)).toMatchObject({ codice: 'SIGNATURE_INVALID' });
    const malformed = await c.postForm(url, { opId: 'x', userId: card.serial, cert: 'zz' });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toMatchObject({ esito: 'KO', codice: 'BAD_REQUEST' });
  });
});

describe('hybrid flow options', () => {
  it('--hybrid-challenge nonce: H1 returns a server nonce; a signature over the opId is then refused, one over the nonce accepted', async () => {
    const other = await startIdp({ behaviour: { hybridChallenge: 'nonce' } });
    try {
      other.registerSp(sp.metadata());
      const c = new HttpClient(other.tlsCaPem);
      const s = await beginLogin(c, other, sp);
      const key = flowKeyOf(s.page);
      await l3Post(c, other, key, { scelta: 'smartphone' });
      const qr = qrPayloadOf(
        await l3Post(c, other, key, { azione: 'seriale', seriale: emulatedCard().serial }),
      );
      const skip = await appScan(c, other, qr, emulatedCard(), { skipResolve: true });
      expect(skip).toMatchObject({ status: 403, json: { codice: 'SIGNATURE_INVALID' } });
      const ok = await appScan(c, other, qr, emulatedCard());
      expect(ok.status).toBe(200);
    } finally {
      await other.close();
    }
  });
  it('--no-serial-check accepts a card whatever serial was typed; --trust without the bench CA refuses the card (CERT_UNTRUSTED)', async () => {
    const lax = await startIdp({ behaviour: { serialCheck: false } });
    const strict = await startIdp({ trustBenchCa: false });
    try {
      for (const [i, expected] of [
        [lax, 200],
        [strict, 403],
      ] as const) {
        i.registerSp(sp.metadata());
        const c = new HttpClient(i.tlsCaPem);
        const s = await beginLogin(c, i, sp);
        const key = flowKeyOf(s.page);
        await l3Post(c, i, key, { scelta: 'smartphone' });
        const qr = qrPayloadOf(
          await l3Post(c, i, key, { azione: 'seriale', seriale: 'CA00000AA' }),
        );
        const r = await appScan(c, i, qr, emulatedCard());
        expect(r.status).toBe(expected);
        if (expected === 403) expect(r.json['codice']).toBe('CERT_UNTRUSTED');
      }
    } finally {
      await lax.close();
      await strict.close();
    }
  });
});
