/**
 * The daemon's PKCS#11 behaviour (PKCS#11 v2.40 §5.4–5.11, as README.md "PKCS#11 behaviour"
 * tabulates it) through the bridge protocol, with in-process cards behind a fake PC/SC: slots and
 * token flags, pairing, login with the last 4 digits (wrong, blocked, protected path, self-login),
 * objects and attributes, signatures verified with the certificate, removal mid-operation.
 */
import { constants, verify, X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { sha256DigestInfo } from '../../terminals/ias/flows.ts';
import { CKA, CKF, CKO, CKR } from '../p11-constants.ts';
import { RIG_EMPTY_READER, startRig, type Rig } from '../testing/rig.ts';

const MESSAGE = Buffer.from('CIE Bench PKCS#11 test message');
const DIGEST_INFO = sha256DigestInfo(MESSAGE);

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

function verifies(r: Rig, signature: Uint8Array): boolean {
  const key = new X509Certificate(fromHex(r.image.ias.certificates.holder)).publicKey;
  return verify('sha256', MESSAGE, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
}

describe('slots and tokens', () => {
  it('one slot per reader; only the reader holding a CIE has a token; token info of a paired card', async () => {
    rig = await startRig();
    const c = await rig.client();
    const all = await c.slotList(false);
    const withToken = await c.slotList(true);
    expect(all).toHaveLength(2);
    expect(withToken).toHaveLength(1);
    const slot = withToken[0] as number;
    const t = await c.tokenFlags(slot);
    expect(t.rv).toBe(CKR.OK);
    const f = t.flags as number;
    expect(f & CKF.LOGIN_REQUIRED).toBeTruthy();
    expect(f & CKF.USER_PIN_INITIALIZED).toBeTruthy();
    expect(f & CKF.PROTECTED_AUTHENTICATION_PATH).toBeTruthy();
    expect(f & CKF.WRITE_PROTECTED).toBeTruthy();
    const empty = all.find((s) => s !== slot) as number;
    expect((await c.tokenFlags(empty)).rv).toBe(CKR.TOKEN_NOT_PRESENT);
    expect((await c.tokenFlags(999)).rv).toBe(CKR.SLOT_ID_INVALID);
    expect(rig.daemon.backend.slots.all().map((s) => s.reader)).toContain(RIG_EMPTY_READER);
  });

  it('a read/write session is refused on the read-only token; an unknown session handle is invalid', async () => {
    rig = await startRig();
    const c = await rig.client();
    const [slot] = await c.slotList(true);
    expect((await c.openSession(slot as number, 4 | 2)).rv).toBe(CKR.TOKEN_WRITE_PROTECTED);
    expect((await c.login(0xdead, '1234')).toString()).toBe(String(CKR.SESSION_HANDLE_INVALID));
  });

  it('an unpaired card: no USER_PIN_INITIALIZED, C_Login answers CKR_USER_PIN_NOT_INITIALIZED and the daemon says why', async () => {
    rig = await startRig({ paired: false });
    const c = await rig.client();
    const [slot] = await c.slotList(true);
    expect(((await c.tokenFlags(slot as number)).flags as number) & CKF.USER_PIN_INITIALIZED).toBe(
      0,
    );
    const s = await c.openSession(slot as number);
    expect(await c.login(s.handle, rig.pin.slice(4))).toBe(CKR.USER_PIN_NOT_INITIALIZED);
    expect(rig.daemon.events.some((e) => e.type === 'not-paired')).toBe(true);
    expect((await c.find(s.handle)).handles).toEqual([]);
  });
});

describe('login with the last 4 digits', () => {
  it('wrong digits: CKR_PIN_INCORRECT, 2 tries left on the card image and in the token flags; right digits: logged in, 3 again', async () => {
    rig = await startRig();
    const c = await rig.client();
    const [slot] = await c.slotList(true);
    const s = await c.openSession(slot as number);
    const wrong = String((Number(rig.pin.slice(4)) + 1) % 10000).padStart(4, '0');
    expect(await c.login(s.handle, wrong)).toBe(CKR.PIN_INCORRECT);
    expect(rig.triesInImage()).toBe(2);
    expect(
      ((await c.tokenFlags(slot as number)).flags as number) & CKF.USER_PIN_COUNT_LOW,
    ).toBeTruthy();
    expect(rig.daemon.events.find((e) => e.type === 'pin-wrong')).toMatchObject({ triesLeft: 2 });
    expect(await c.login(s.handle, rig.pin.slice(4))).toBe(CKR.OK);
    expect(rig.triesInImage()).toBe(3);
    expect(await c.login(s.handle, rig.pin.slice(4))).toBe(CKR.USER_ALREADY_LOGGED_IN);
  });

  it('digits that cannot be a PIN half are refused before the card sees them (no try spent)', async () => {
    rig = await startRig();
    const c = await rig.client();
    const [slot] = await c.slotList(true);
    const s = await c.openSession(slot as number);
    for (const bad of ['123', '12345', 'abcd', rig.pin])
      expect(await c.login(s.handle, bad)).toBe(CKR.PIN_INCORRECT);
    expect(rig.triesInImage()).toBe(3);
    expect(await c.login(s.handle, rig.pin.slice(4), 0)).toBe(CKR.USER_TYPE_INVALID);
    expect(await c.login(s.handle, rig.pin.slice(4), 7)).toBe(CKR.USER_TYPE_INVALID);
  });

  it('three wrong logins block the PIN: CKR_PIN_LOCKED and CKF_USER_PIN_LOCKED', async () => {
    rig = await startRig();
    const c = await rig.client();
    const [slot] = await c.slotList(true);
    const s = await c.openSession(slot as number);
    const wrong = String((Number(rig.pin.slice(4)) + 1) % 10000).padStart(4, '0');
    expect(await c.login(s.handle, wrong)).toBe(CKR.PIN_INCORRECT);
    expect(await c.login(s.handle, wrong)).toBe(CKR.PIN_INCORRECT);
    expect(await c.login(s.handle, wrong)).toBe(CKR.PIN_LOCKED);
    expect(rig.triesInImage()).toBe(0);
    expect(
      ((await c.tokenFlags(slot as number)).flags as number) & CKF.USER_PIN_LOCKED,
    ).toBeTruthy();
    expect(await c.login(s.handle, rig.pin.slice(4))).toBe(CKR.PIN_LOCKED);
  });

  it('protected authentication path: C_Login without PIN waits for the PIN-entry channel; a cancel is CKR_FUNCTION_CANCELED', async () => {
    rig = await startRig({ pinMode: 'protected-path' });
    const c = await rig.client();
    const [slot] = await c.slotList(true);
    const s = await c.openSession(slot as number);
    const r = rig;
    const cancelled = c.login(s.handle, undefined);
    await r.daemon.waitFor((e) => e.type === 'pin-request');
    expect(r.daemon.pins.cancel(undefined)).toBe(true);
    expect(await cancelled).toBe(CKR.FUNCTION_CANCELED);
    const since = r.daemon.events.length;
    const ok = c.login(s.handle, undefined);
    await r.daemon.waitFor((e) => e.type === 'pin-request', 30_000, since);
    expect(r.daemon.pins.answer(undefined, r.pin.slice(4))).toBe(true);
    expect(await ok).toBe(CKR.OK);
  });
});

describe('objects and signatures', () => {
  it('the certificate is public, the key appears after login; attributes as the official module (label and id CIE0); secret parts are sensitive', async () => {
    rig = await startRig();
    const c = await rig.client();
    const [slot] = await c.slotList(true);
    const s = await c.openSession(slot as number);
    const before = await c.find(s.handle);
    expect(before.handles).toHaveLength(1);
    const cert = before.handles[0] as number;
    expect((await c.attribute(s.handle, cert, CKA.VALUE)).value).toEqual(
      fromHex(rig.image.ias.certificates.holder),
    );
    expect(
      Buffer.from((await c.attribute(s.handle, cert, CKA.LABEL)).value as Uint8Array).toString(),
    ).toBe('CIE0');
    expect((await c.attribute(s.handle, cert, 0x7fff0001)).kind).toBe(2);
    expect(await c.login(s.handle, rig.pin.slice(4))).toBe(CKR.OK);
    const keys = await c.find(s.handle, CKO.PRIVATE_KEY);
    expect(keys.handles).toHaveLength(1);
    const key = keys.handles[0] as number;
    expect((await c.attribute(s.handle, key, CKA.PRIVATE_EXPONENT)).kind).toBe(1);
    expect((await c.attribute(s.handle, key, CKA.SIGN)).value).toEqual(Uint8Array.of(1));
    expect((await c.attribute(s.handle, 424242, CKA.CLASS)).rv).toBe(CKR.OBJECT_HANDLE_INVALID);
    expect(await c.logout(s.handle)).toBe(CKR.OK);
    expect((await c.attribute(s.handle, key, CKA.CLASS)).rv).toBe(CKR.OBJECT_HANDLE_INVALID);
  });

  it('C_Sign with CKM_RSA_PKCS: length query and a short buffer keep the operation; the signature verifies with the certificate', async () => {
    rig = await startRig();
    const c = await rig.client();
    const [slot] = await c.slotList(true);
    const s = await c.openSession(slot as number);
    const cert = (await c.find(s.handle)).handles[0] as number;
    expect(await c.signInit(s.handle, cert)).toBe(CKR.KEY_TYPE_INCONSISTENT);
    expect(await c.login(s.handle, rig.pin.slice(4))).toBe(CKR.OK);
    const key = (await c.find(s.handle, CKO.PRIVATE_KEY)).handles[0] as number;
    expect(await c.signInit(s.handle, key, 0x0d)).toBe(CKR.MECHANISM_INVALID);
    expect(await c.signInit(s.handle, key)).toBe(CKR.OK);
    expect(await c.signInit(s.handle, key)).toBe(CKR.OPERATION_ACTIVE);
    expect(await c.sign(s.handle, DIGEST_INFO, 'query')).toMatchObject({
      rv: CKR.OK,
      length: 256,
    });
    expect(await c.sign(s.handle, DIGEST_INFO, 255)).toMatchObject({
      rv: CKR.BUFFER_TOO_SMALL,
      length: 256,
    });
    const signed = await c.sign(s.handle, DIGEST_INFO, 256);
    expect(signed.rv).toBe(CKR.OK);
    expect(verifies(rig, signed.signature as Uint8Array)).toBe(true);
    expect((await c.sign(s.handle, DIGEST_INFO)).rv).toBe(CKR.OPERATION_NOT_INITIALIZED);
    expect(await c.signInit(s.handle, key)).toBe(CKR.OK);
    expect((await c.sign(s.handle, new Uint8Array(246))).rv).toBe(CKR.DATA_LEN_RANGE);
    expect((await c.sign(s.handle, DIGEST_INFO)).rv).toBe(CKR.OPERATION_NOT_INITIALIZED);
  });

  it('card removed in the middle of a signature: CKR_DEVICE_REMOVED, the session is closed, the slot shows no token', async () => {
    rig = await startRig();
    const c = await rig.client();
    const [slot] = await c.slotList(true);
    const s = await c.openSession(slot as number);
    expect(await c.login(s.handle, rig.pin.slice(4))).toBe(CKR.OK);
    const key = (await c.find(s.handle, CKO.PRIVATE_KEY)).handles[0] as number;
    expect(await c.signInit(s.handle, key)).toBe(CKR.OK);
    rig.pcsc.removeAfterApdus('CIE Bench Test Reader 00 00', 12);
    expect((await c.sign(s.handle, DIGEST_INFO)).rv).toBe(CKR.DEVICE_REMOVED);
    expect(rig.daemon.events.some((e) => e.type === 'card-removed')).toBe(true);
    expect(await c.logout(s.handle)).toBe(CKR.SESSION_HANDLE_INVALID);
    expect(await c.slotList(true)).toEqual([]);
    expect((await c.tokenFlags(slot as number)).rv).toBe(CKR.TOKEN_NOT_PRESENT);
    rig.reinsert();
    expect(await c.slotList(true)).toEqual([slot]);
  });

  it('self-login: logged in from the first session; the first signature asks the PIN, a wrong one is asked again with the tries left, then signs', async () => {
    rig = await startRig({ pinMode: 'self-login' });
    const r = rig;
    const c = await r.client();
    const [slot] = await c.slotList(true);
    const s = await c.openSession(slot as number);
    const key = (await c.find(s.handle, CKO.PRIVATE_KEY)).handles[0] as number;
    expect(key).toBeGreaterThan(0);
    expect(await c.signInit(s.handle, key)).toBe(CKR.OK);
    const wrong = String((Number(r.pin.slice(4)) + 1) % 10000).padStart(4, '0');
    const signing = c.sign(s.handle, DIGEST_INFO);
    await r.daemon.waitFor((e) => e.type === 'pin-request');
    r.daemon.pins.answer(undefined, wrong);
    const second = await r.daemon.waitFor((e) => e.type === 'pin-request' && e.triesLeft === 2);
    expect(second).toMatchObject({ triesLeft: 2 });
    expect(r.triesInImage()).toBe(2);
    expect(r.daemon.pins.pending()[0]?.prompt).toBe(
      'PIN errato: 2 tentativi rimasti. Inserisci le ultime 4 cifre del PIN',
    );
    r.daemon.pins.answer(undefined, r.pin.slice(4));
    const signed = await signing;
    expect(signed.rv).toBe(CKR.OK);
    expect(verifies(r, signed.signature as Uint8Array)).toBe(true);
    expect(r.triesInImage()).toBe(3);
    expect(await c.login(s.handle, r.pin.slice(4))).toBe(CKR.USER_ALREADY_LOGGED_IN);
  });
});
