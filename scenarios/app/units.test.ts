/**
 * The app's card-free parts: the new-PIN rules of the app's catalogue (FFFB–FFFE), the profile
 * store (PIN digits never in clear on disk, bound to their record, hostile files refused), the QR
 * decoder on PNGs rendered by `qrcode` and the payload check, the hand-off URL parser, and the
 * SP-app / iOS return forms.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import QRCode from 'qrcode';
import { afterAll, describe, expect, it } from 'vitest';
import { appEvent, failure } from './events.ts';
import { iosReturnUrl, parseHandOff, spAppResult } from './mobile-login.ts';
import { newPinProblem, splitPin } from './pin.ts';
import { ProfileError, ProfileStore, type Registration } from './profile-store.ts';
import { decodeQrPng, parseHybridQr, QrImageError } from './qr.ts';
import { AppEventError } from './events.ts';
import { tempDir } from './testing.ts';

const tmp = tempDir('app-units');
afterAll(() => tmp.cleanup());

describe('new-PIN rules (app catalogue FFFB–FFFE)', () => {
  it.each([
    ['1357246', '1357246', 'PIN_FORMAT'],
    ['1357246a', '1357246a', 'PIN_FORMAT'],
    ['13572468', '13572469', 'NEW_PIN_MISMATCH'],
    ['11223344', '11223344', 'NEW_PIN_SAME_AS_OLD'],
    ['00000000', '00000000', 'NEW_PIN_WEAK'],
    ['12345678', '12345678', 'NEW_PIN_WEAK'],
    ['98765432', '98765432', 'NEW_PIN_WEAK'],
    ['13572468', '13572468', undefined],
    ['12345679', '12345679', undefined],
  ])('%s / %s → %s', (pin, repeat, expected) => {
    expect(newPinProblem(pin, repeat, '11223344')?.kind).toBe(expected);
  });
  it('strict reading refuses any two adjacent equal or consecutive digits', () => {
    expect(newPinProblem('12345679', '12345679', undefined, { strict: true })?.kind).toBe(
      'NEW_PIN_WEAK',
    );
    expect(newPinProblem('13572468', '13572468', undefined, { strict: true })).toBeUndefined();
  });
  it('split: first 4 stored, last 4 typed', () => {
    expect(splitPin('12345678')).toEqual({ first: '1234', last: '5678' });
  });
});

const REG: Registration = {
  nis: '123456789012',
  serial: 'CA00000AA',
  givenName: 'MARIO',
  surname: 'ROSSI',
  certificate: '3000',
  registeredAt: '2026-01-01T00:00:00.000Z',
  pinHalfStatus: 'ok',
};

describe('profile store', () => {
  it('keeps the PIN half encrypted, bound to its NIS, with 0600 files', () => {
    const store = new ProfileStore(`${tmp.dir}/p1`);
    store.put(REG, '9876');
    const path = `${tmp.dir}/p1/cards/${REG.nis}.json`;
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('9876');
    expect(store.pinHalf(REG.nis)).toBe('9876');
    expect(store.list()).toEqual([REG]);
    // The same ciphertext under another NIS does not open (AES-GCM additional data).
    const other = { ...JSON.parse(text), nis: '999999999999' };
    writeFileSync(`${tmp.dir}/p1/cards/999999999999.json`, JSON.stringify(other));
    expect(() => store.pinHalf('999999999999')).toThrow(ProfileError);
    // Another phone's key does not open it either.
    const thief = new ProfileStore(`${tmp.dir}/p2`);
    thief.put({ ...REG, nis: '111111111111' }, '0000');
    writeFileSync(`${tmp.dir}/p2/cards/${REG.nis}.json`, text);
    expect(() => thief.pinHalf(REG.nis)).toThrow(/do not open/);
  });
  it('refuses malformed or hostile files with a precise error', () => {
    const store = new ProfileStore(`${tmp.dir}/p3`);
    store.put(REG, '1234');
    const path = `${tmp.dir}/p3/cards/${REG.nis}.json`;
    writeFileSync(path, '{ not json');
    expect(() => store.get(REG.nis)).toThrow(ProfileError);
    writeFileSync(
      path,
      JSON.stringify({ format: 'ciebench-app-registration', version: 1, nis: REG.nis, extra: 1 }),
    );
    expect(() => store.get(REG.nis)).toThrow(/serial/);
    expect(() => store.get('../../etc/passwd')).toThrow(/bad NIS/);
    expect(() => store.rememberedPin('../x', 'AB')).toThrow(/bad SP app/);
  });
  it('remembers an integrated-SDK PIN encrypted, and forgets it', () => {
    const store = new ProfileStore(`${tmp.dir}/p4`);
    store.rememberPin('inps', 'RSSMRA80A01H501U', '24681357', new Date('2026-01-01T00:00:00Z'));
    expect(readFileSync(`${tmp.dir}/p4/sdk/inps/RSSMRA80A01H501U.json`, 'utf8')).not.toContain(
      '24681357',
    );
    expect(store.rememberedPin('inps', 'RSSMRA80A01H501U')).toBe('24681357');
    expect(store.forgetPin('inps', 'RSSMRA80A01H501U')).toBe(true);
    expect(store.rememberedPin('inps', 'RSSMRA80A01H501U')).toBeUndefined();
  });
});

const IDP = 'https://127.0.0.1:8443';
const PAYLOAD = `${IDP}/idp/erroreQr.jsp?opId=_0123456789abcdef0123456789abcdef&opType=login&SPName=Comune%20di%20Prova&IdPName=CieID%20Server&userId=CA00000AA&opText=Comune%20di%20Prova%20chiede%20di%20accedere%20ai%20servizi%20on-line&SPLogo=https%3A%2F%2Fsp.example%2Flogo.svg`;

function code(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof AppEventError) return e.event.kind;
    throw e;
  }
}

describe('QR code', () => {
  it('decodes the payload from a PNG rendered by qrcode (several sizes and margins)', async () => {
    for (const [width, margin] of [
      [200, 1],
      [400, 4],
      [800, 8],
    ] as const) {
      const png = await QRCode.toBuffer(PAYLOAD, {
        type: 'png',
        width,
        margin,
        errorCorrectionLevel: 'M',
      });
      expect(decodeQrPng(new Uint8Array(png))).toBe(PAYLOAD);
    }
  });
  it('refuses a non-PNG and a PNG without a code', async () => {
    expect(() => decodeQrPng(new Uint8Array([1, 2, 3]))).toThrow(QrImageError);
    const blank = await QRCode.toBuffer('x', {
      type: 'png',
      width: 100,
      color: { dark: '#ffffff', light: '#ffffff' },
    });
    expect(() => decodeQrPng(new Uint8Array(blank))).toThrow(/no QR code/);
  });
  it('accepts our payload and refuses others without touching the network', () => {
    const qr = parseHybridQr(PAYLOAD, [IDP]);
    expect(qr).toMatchObject({
      opId: '_0123456789abcdef0123456789abcdef',
      userId: 'CA00000AA',
      SPName: 'Comune di Prova',
      idpOrigin: IDP,
    });
    const bad = [
      PAYLOAD.replace(IDP, 'https://evil.example'),
      PAYLOAD.replace('erroreQr.jsp', 'other.jsp'),
      PAYLOAD.replace('opType=login', 'opType=sign'),
      PAYLOAD.replace('userId=CA00000AA', 'userId=CA0000AA'),
      PAYLOAD.replace('opId=_0123', 'opId=0123'),
      `${PAYLOAD}&opId=_0123456789abcdef0123456789abcdef`,
      `${PAYLOAD}&extra=1`,
      'not a url',
      'javascript:alert(1)',
    ];
    for (const p of bad)
      expect(
        code(() => parseHybridQr(p, [IDP])),
        p,
      ).toBe('QR_NOT_RECOGNISED');
    fc.assert(
      fc.property(fc.string(), (s) => {
        const c = code(() => parseHybridQr(s, [IDP]));
        return c === 'QR_NOT_RECOGNISED' || c === undefined;
      }),
    );
  });
});

describe('hand-off URL and what the SP app receives', () => {
  const openApp = `${IDP}/idp/OpenApp?name=value&value=e1s1&authnRequestString=abcDEF_-123&nextUrl=${encodeURIComponent(`${IDP}/idp/login/livello3mobile`)}&OpText=SP&imgUrl=${encodeURIComponent('https://sp/logo.svg')}`;
  it('parses the OpenApp and livello3 forms', () => {
    expect(parseHandOff(openApp, [IDP])).toMatchObject({
      form: 'openapp',
      name: 'value',
      value: 'e1s1',
      idpOrigin: IDP,
    });
    const l3 = `${IDP}/idp/login/livello3?opId=_0123456789abcdef0123456789abcdef&name=execution&value=e2s1&authnRequestString=x&nextUrl=${encodeURIComponent(`${IDP}/n`)}`;
    expect(parseHandOff(l3, [IDP])).toMatchObject({ form: 'livello3', name: 'execution' });
    expect(code(() => parseHandOff(openApp.replace('name=value', 'name=va%20lue'), [IDP]))).toBe(
      'GENERAL_ERROR',
    );
    expect(code(() => parseHandOff(openApp, ['https://other']))).toBe('GENERAL_ERROR');
  });
  it('maps events to the Android result codes and the iOS return URL', () => {
    const r = (k: Parameters<typeof appEvent>[0]) =>
      spAppResult(failure(appEvent(k as 'TAG_LOST')));
    expect(r('CARD_NOT_REGISTERED')).toMatchObject({
      kind: 'error',
      code: 1,
      name: 'CIE_NOT_REGISTERED',
    });
    expect(r('NO_SECURE_DEVICE')).toMatchObject({ code: 3 });
    expect(r('CERTIFICATE_REVOKED')).toMatchObject({ code: 2 });
    expect(r('TAG_LOST')).toMatchObject({ code: 0 });
    expect(r('OPERATION_CANCELLED')).toEqual({ kind: 'cancelled' });
    expect(iosReturnUrl('spapp', IDP, failure(appEvent('OPERATION_CANCELLED')))).toBe(
      `spapp:${IDP}/cieiderror?cieid_error_message=Operazione_annullata_dall'utente`,
    );
  });
});
