/**
 * The app's requests on the wire, checked by a recording HTTP server that answers as
 * scenarios/idp/L3-PROTOCOL.md §4.3 and §5.2 prescribe and verifies what the app sends (form
 * fields, the card's RSASSA-PKCS1-v1_5 SHA-256 signature over the challenge with the registered
 * certificate). It tests the agent's side of the contract only; the end-to-end logins against the
 * bench IdP itself are in the integration tests. Also: IdP error answers → the app's events, and
 * an unreachable IdP → "no connection".
 */
import { constants, verify, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { CieIdAgent } from './agent.ts';
import { NfcCardReader, type TapMeter } from './card-reader.ts';
import { iosReturnUrl, spAppResult } from './mobile-login.ts';
import { cardFile, nfcEndpoint, tempDir, trustOfImage, type CardFile } from './testing.ts';

type Form = Record<string, string>;
type Handler = (path: string, form: Form) => { status: number; type: string; body: string };

const OP_ID = '_00112233445566778899aabbccddeeff';
const CHALLENGE = '0f'.repeat(32);

function verifies(certHex: string, message: string, sigHex: string): boolean {
  const key = new X509Certificate(Buffer.from(certHex, 'hex')).publicKey;
  return verify(
    'sha256',
    Buffer.from(message),
    { key, padding: constants.RSA_PKCS1_PADDING },
    Buffer.from(sigHex, 'hex'),
  );
}

const tmp = tempDir('app-wire');
let server: Server;
let origin: string;
let handler: Handler;
const seen: { path: string; form: Form; contentType: string }[] = [];
let file: CardFile;
let endpoint: Awaited<ReturnType<typeof nfcEndpoint>>;
let agent: CieIdAgent;
const meters: TapMeter[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      seen.push({ path: req.url ?? '', form, contentType: String(req.headers['content-type']) });
      const a = handler(req.url ?? '', form);
      res.writeHead(a.status, { 'content-type': a.type });
      res.end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mkdirSync(`${tmp.dir}/c`, { recursive: true });
  file = cardFile(`${tmp.dir}/c`, 'nxp');
  endpoint = await nfcEndpoint(file);
  agent = new CieIdAgent({
    profileDir: `${tmp.dir}/profile`,
    reader: new NfcCardReader(endpoint.url),
    trust: trustOfImage(file.image),
    idp: { origins: [origin] },
    rng: seededRng('wire'),
    onTapEnd: (t) => meters.push({ ...t.meter }),
  });
  const r = await agent.register({ serial: file.serial, pin: file.pin });
  if (!r.ok) throw new Error(`setup: ${r.event.kind}`);
});

afterAll(async () => {
  await agent.close();
  await endpoint.close();
  await new Promise<void>((r) => server.close(() => r()));
  tmp.cleanup();
});

const json = (status: number, o: unknown) => ({
  status,
  type: 'application/json',
  body: JSON.stringify(o),
});
const qr = () =>
  `${origin}/idp/erroreQr.jsp?opId=${OP_ID}&opType=login&SPName=SP&IdPName=CieID%20Server&userId=${file.serial}&opText=SP%20chiede%20di%20accedere&SPLogo=`;

describe('hybrid login on the wire', () => {
  it('H1 with the registered certificate, one tap, H2 with a signature the certificate verifies → the OTP', async () => {
    seen.length = 0;
    handler = (path, form) => {
      if (form['challenge'] === undefined)
        return json(200, {
          esito: 'OK',
          opId: form['opId'],
          opType: 'login',
          opText: 'SP chiede di accedere',
          SpName: 'SP',
          IdpName: 'CieID Server',
          messaggio: '',
          challenge: CHALLENGE,
        });
      const ok = verifies(form['cert'] ?? '', CHALLENGE, form['challenge']);
      return ok
        ? json(200, {
            esito: 'OK',
            opId: OP_ID,
            opType: 'login',
            opText: '',
            SpName: 'SP',
            IdpName: 'x',
            messaggio: 'Inserisci il codice 4821 nella pagina del browser',
            otp: '4821',
            otpValiditySeconds: 120,
          })
        : json(403, { esito: 'KO', codice: 'SIGNATURE_INVALID', messaggio: 'Firma non valida' });
    };
    const taps = meters.length;
    const r = await agent.loginQr({ qr: qr(), lastFour: file.pin.slice(4) });
    expect(r.ok ? r.value : r.event).toMatchObject({ otp: '4821', spName: 'SP', nis: file.nis });
    expect(meters.length).toBe(taps + 1);
    expect(seen.map((s) => s.path)).toEqual([
      '/idp/Authn/SSL/X509AuthIbridoTLS13',
      '/idp/Authn/SSL/X509AuthIbridoTLS13',
    ]);
    expect(seen[0]?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.keys(seen[0]?.form ?? {}).sort()).toEqual(['cert', 'opId', 'userId']);
    expect(seen[0]?.form).toMatchObject({
      opId: OP_ID,
      userId: file.serial,
      cert: file.image.ias.certificates.holder,
    });
    expect(Object.keys(seen[1]?.form ?? {}).sort()).toEqual([
      'cert',
      'challenge',
      'opId',
      'userId',
    ]);
  });

  it.each([
    ['CERT_EXPIRED', 'CERTIFICATE_EXPIRED'],
    ['CERT_REVOKED', 'CERTIFICATE_REVOKED'],
    ['SESSION_EXPIRED', 'OPERATION_EXPIRED'],
    ['USER_MISMATCH', 'AUTHENTICATION_ERROR'],
  ])('IdP %s → %s, no card touched', async (codice, expected) => {
    handler = () => json(403, { esito: 'KO', codice, messaggio: 'x' });
    const taps = meters.length;
    const r = await agent.loginQr({ qr: qr(), lastFour: file.pin.slice(4) });
    expect(r.ok ? 'ok' : r.event.kind).toBe(expected);
    expect(meters.length).toBe(taps);
  });
});

describe('phone-only login on the wire', () => {
  const handOff = () =>
    `${origin}/idp/OpenApp?name=value&value=e1s1&authnRequestString=AbC_dEf-123&nextUrl=${encodeURIComponent(`${origin}/idp/login/livello3mobile`)}&OpText=SP&imgUrl=`;

  it('X509TLS13First with cert and authnRequest; the continue URL carries a signature of the body', async () => {
    seen.length = 0;
    handler = () => ({ status: 200, type: 'text/plain; charset=utf-8', body: CHALLENGE });
    const r = await agent.loginApp({
      handOffUrl: handOff(),
      registered: { lastFour: file.pin.slice(4) },
    });
    if (!r.ok) throw new Error(r.event.kind);
    expect(seen.map((s) => s.path)).toEqual(['/idp/Authn/X509TLS13First']);
    expect(seen[0]?.form).toEqual({
      cert: file.image.ias.certificates.holder,
      authnRequest: 'AbC_dEf-123',
    });
    const url = new URL(r.value.continueUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${origin}/idp/Authn/X509MobileTLS13Second`);
    expect(url.searchParams.get('value')).toBe('e1s1');
    expect(
      verifies(
        file.image.ias.certificates.holder,
        CHALLENGE,
        url.searchParams.get('challenge') ?? '',
      ),
    ).toBe(true);
    expect(spAppResult(r)).toEqual({ kind: 'ok', url: r.value.continueUrl });
    expect(iosReturnUrl('inpsapp', origin, r)).toBe(`inpsapp:${r.value.continueUrl}`);
  });

  it('integrated SDK: whole PIN, two taps, the PIN remembered after a second entry and used next time', async () => {
    handler = () => ({ status: 200, type: 'text/plain', body: CHALLENGE });
    const taps = meters.length;
    const user = { spApp: 'inps', userId: 'MLTMRA90H01D612V' };
    const first = await agent.loginApp({
      handOffUrl: handOff(),
      integrated: { ...user, pin: file.pin, rememberConfirm: file.pin },
    });
    expect(first.ok ? first.value.pinRemembered : first.event).toBe(true);
    expect(meters.length).toBe(taps + 2);
    const second = await agent.loginApp({ handOffUrl: handOff(), integrated: user });
    expect(second.ok).toBe(true);
    const refused = await agent.loginApp({
      handOffUrl: handOff(),
      integrated: { spApp: 'other', userId: 'X' },
    });
    expect(refused.ok ? 'ok' : refused.event.kind).toBe('PIN_FORMAT');
  });

  it('cancel, revoked certificate and an unreachable IdP give the SP app its result codes', async () => {
    const cancelled = await agent.loginApp({
      handOffUrl: handOff(),
      registered: { lastFour: '0000' },
      cancel: true,
    });
    expect(spAppResult(cancelled)).toEqual({ kind: 'cancelled' });
    handler = () =>
      json(403, {
        esito: 'KO',
        codice: 'CERT_REVOKED',
        messaggio: 'Carta non valida: certificato revocato',
      });
    const revoked = await agent.loginApp({
      handOffUrl: handOff(),
      registered: { lastFour: file.pin.slice(4) },
    });
    expect(spAppResult(revoked)).toMatchObject({
      kind: 'error',
      code: 2,
      event: { kind: 'CERTIFICATE_REVOKED' },
    });
    const offline = new CieIdAgent({ ...optionsOf(agent), phone: { network: false } });
    expect(
      spAppResult(
        await offline.loginApp({ handOffUrl: handOff(), registered: { lastFour: '1234' } }),
      ),
    ).toMatchObject({ code: 0, event: { kind: 'NO_INTERNET_CONNECTION' } });
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadOrigin = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise<void>((r) => dead.close(() => r()));
    const unreachable = new CieIdAgent({ ...optionsOf(agent), idp: { origins: [deadOrigin] } });
    const r = await unreachable.loginApp({
      handOffUrl: handOff().replaceAll(origin, deadOrigin),
      registered: { lastFour: '1234' },
    });
    expect(r.ok ? 'ok' : r.event.kind).toBe('NO_INTERNET_CONNECTION');
  });
});

function optionsOf(a: CieIdAgent) {
  return {
    profileDir: a.ctx.store.dir,
    reader: a.ctx.reader,
    trust: a.ctx.trust,
    idp: a.ctx.idp,
  };
}
