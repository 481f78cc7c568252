/**
 * Negative paths of the app's card side, each ending in the app's typed event, with the card's
 * PIN/PUK state read back from the card image file: wrong PIN ×3 → blocked, PUK unblock → 3 tries
 * again, 10 wrong PUKs → card dead; the PIN changed elsewhere under both PIN policies; device,
 * input and card refusals; a card that is not a CIE; no card answering.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asciiBytes } from '../../emulator/src/bytes/bytes.ts';
import { ManualClock } from '../../emulator/src/crypto/clock.ts';
import { NullCard } from '../../emulator/src/card/null-card.ts';
import { NfcServer } from '../../harness/nfc/ws-server.ts';
import { attempt, CieIdAgent } from './agent.ts';
import type { AppOptions, PinPolicy } from './app-context.ts';
import { NfcCardReader } from './card-reader.ts';
import type { AppResult } from './events.ts';
import { signAsRegistered } from './login-card.ts';
import type { PhoneOptions } from './phone.ts';
import {
  kind,
  rig as makeRig,
  revokedCrl as crlOf,
  tempDir,
  trustOfImage,
  type Rig,
} from './testing.ts';

const tmp = tempDir('app-negative');
afterAll(() => tmp.cleanup());
const CHALLENGE = asciiBytes('negative-path challenge');

describe('PIN and PUK counters, read back from the card image', () => {
  let r: Rig;
  beforeEach(async () => (r = await makeRig(tmp.dir)));
  afterEach(() => r.close());

  it('wrong PIN ×3 → 2 left, 1 left, blocked; a 4th try is still "blocked"; the PUK gives 3 tries back', async () => {
    const wrong = { serial: r.file.serial, pin: '99999999' };
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await r.agent.register(wrong);
      seen.push(res.ok ? 'ok' : res.event);
    }
    expect(seen).toMatchObject([
      {
        kind: 'WRONG_PIN',
        triesLeft: 2,
        message: 'Hai digitato un PIN ERRATO.\nHai ancora 2 tentativi',
        sdkEvent: 'ON_PIN_ERROR',
      },
      {
        kind: 'WRONG_PIN',
        triesLeft: 1,
        message: 'Hai digitato un PIN ERRATO.\nHai un ultimo tentativo a disposizione',
      },
      { kind: 'PIN_BLOCKED', sdkEvent: 'ON_CARD_PIN_LOCKED' },
    ]);
    expect(r.file.state().pin).toMatchObject({ remaining: 0, blocked: true });
    expect(kind(await r.agent.register({ serial: r.file.serial, pin: r.file.pin }))).toBe(
      'PIN_BLOCKED',
    );
    expect(r.agent.list()).toEqual([]);

    const unblocked = await r.agent.unblock({
      puk: r.file.puk,
      newPin: '19283746',
      repeat: '19283746',
    });
    expect(unblocked).toEqual({ ok: true, value: { nis: r.file.nis, registrationUpdated: false } });
    expect(r.file.state().pin).toMatchObject({ value: '19283746', remaining: 3, blocked: false });
    expect(kind(await r.agent.register({ serial: r.file.serial, pin: '19283746' }))).toBe('ok');
  });

  it('wrong PUK: 9 … 1 tries left, then the card is dead and stays so', async () => {
    const events: unknown[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await r.agent.unblock({
        puk: '00000000',
        newPin: '19283746',
        repeat: '19283746',
      });
      events.push(res.ok ? 'ok' : res.event);
    }
    expect(events.slice(0, 9).map((e) => (e as { triesLeft: number }).triesLeft)).toEqual([
      9, 8, 7, 6, 5, 4, 3, 2, 1,
    ]);
    expect(events[0]).toMatchObject({
      kind: 'WRONG_PUK',
      message: 'Hai digitato un PUK ERRATO.\nHai ancora 9 tentativi',
    });
    expect(events[8]).toMatchObject({
      message: 'Hai digitato un PUK ERRATO.\nHai un ultimo tentativo a disposizione',
    });
    expect(events[9]).toMatchObject({
      kind: 'CARD_DEAD',
      message: "LA CARTA E' BLOCCATA\nE' necessario richiederne la sostituzione",
    });
    expect(r.file.state().puk).toMatchObject({ remaining: 0, blocked: true });
    expect(
      kind(await r.agent.unblock({ puk: r.file.puk, newPin: '19283746', repeat: '19283746' })),
    ).toBe('CARD_DEAD');
    expect(r.file.state().pin.value).toBe(r.file.pin);
  });

  it('guarded policy: the 10th PUK try and the last PIN try are not sent', async () => {
    const g = r.newAgent({ pinPolicy: 'guarded', profile: 'guarded' });
    for (let i = 0; i < 9; i++)
      expect(
        kind(await g.unblock({ puk: '00000000', newPin: '19283746', repeat: '19283746' })),
      ).toBe('WRONG_PUK');
    expect(r.file.state().puk.remaining).toBe(1);
    const refused = await g.unblock({ puk: '00000000', newPin: '19283746', repeat: '19283746' });
    expect(refused.ok ? 'ok' : refused.event).toMatchObject({
      kind: 'LAST_TRY_REFUSED',
      reference: 'PUK',
    });
    expect(r.file.state().puk.remaining).toBe(1);

    await g.register({ serial: r.file.serial, pin: '99999999' });
    await g.register({ serial: r.file.serial, pin: '99999999' });
    expect(r.file.state().pin.remaining).toBe(1);
    const last = await g.register({ serial: r.file.serial, pin: r.file.pin });
    expect(last.ok ? 'ok' : last.event).toMatchObject({
      kind: 'LAST_TRY_REFUSED',
      reference: 'PIN',
    });
    expect(r.file.state().pin.remaining).toBe(1);
  });
});

describe('PIN changed elsewhere (the stored half no longer matches)', () => {
  async function changedElsewhere(policy: PinPolicy): Promise<Rig> {
    const r = await makeRig(tmp.dir, { pinPolicy: policy });
    expect(kind(await r.agent.register({ serial: r.file.serial, pin: r.file.pin }))).toBe('ok');
    // The card goes to another phone, whose app changes the PIN, and comes back.
    await r.agent.close();
    const other = r.newAgent({ profile: 'other-phone' });
    expect(
      kind(await other.changePin({ oldPin: r.file.pin, newPin: '86420975', repeat: '86420975' })),
    ).toBe('ok');
    await other.close();
    return r;
  }

  it('app policy (what the apps do): every login spends a try until the card blocks', async () => {
    const r = await changedElsewhere('app');
    try {
      const typed = '0975'; // the user types the right last 4 of the new PIN
      const kinds: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await attempt(() => signAsRegistered(r.agent.ctx, typed, CHALLENGE));
        kinds.push(res.ok ? 'ok' : res.event);
      }
      expect(kinds).toMatchObject([
        { kind: 'WRONG_PIN', triesLeft: 2 },
        { kind: 'WRONG_PIN', triesLeft: 1 },
        { kind: 'PIN_BLOCKED' },
      ]);
      expect(r.file.state().pin).toMatchObject({ remaining: 0, blocked: true });
    } finally {
      await r.close();
    }
  });

  it('guarded policy: one try spent, then the app stops before the card until re-registration', async () => {
    const r = await changedElsewhere('guarded');
    try {
      const first = await attempt(() => signAsRegistered(r.agent.ctx, '0975', CHALLENGE));
      expect(first.ok ? 'ok' : first.event).toMatchObject({ kind: 'WRONG_PIN', triesLeft: 2 });
      expect(r.agent.ctx.store.get(r.file.nis)?.pinHalfStatus).toBe('suspect');
      const commandsBefore = r.meters.length;
      const second = await attempt(() => signAsRegistered(r.agent.ctx, '0975', CHALLENGE));
      expect(kind(second)).toBe('STORED_PIN_HALF_SUSPECT');
      // The tap read the NIS only: no VERIFY reached the card.
      expect(r.meters.length).toBe(commandsBefore + 1);
      expect(r.file.state().pin.remaining).toBe(2);
      const again = await r.agent.register({
        serial: r.file.serial,
        pin: '86420975',
        replace: true,
      });
      expect(kind(again)).toBe('ok');
      expect(r.file.state().pin.remaining).toBe(3);
      expect(kind(await attempt(() => signAsRegistered(r.agent.ctx, '0975', CHALLENGE)))).toBe(
        'ok',
      );
    } finally {
      await r.close();
    }
  });
});

describe('refusals before or at the card', () => {
  let r: Rig;
  beforeEach(async () => (r = await makeRig(tmp.dir)));
  afterEach(() => r.close());

  it('input and device checks touch no card', async () => {
    const cases: [Partial<AppOptions>, () => Promise<AppResult<unknown>>, string][] = [];
    const base = { serial: r.file.serial, pin: r.file.pin };
    const phones: [PhoneOptions, string][] = [
      [{ nfc: 'off' }, 'NFC_NOT_ENABLED'],
      [{ nfc: 'absent' }, 'NFC_NOT_SUPPORTED'],
      [{ rooted: true }, 'NO_SECURE_DEVICE'],
      [{ cardsInField: 2 }, 'MORE_THAN_ONE_CARD'],
    ];
    for (const [phone, expected] of phones) {
      const a = r.newAgent({ phone, profile: `p-${expected}` });
      cases.push([{}, () => a.register(base), expected]);
    }
    // Rooted phone, NFC off/absent and two cards are refused before any tap: no card is touched.
    cases.push([{}, () => r.agent.register({ ...base, serial: 'CA0000AA' }), 'SERIAL_FORMAT']);
    cases.push([{}, () => r.agent.register({ ...base, pin: '1234' }), 'PIN_FORMAT']);
    cases.push([
      {},
      () => r.agent.changePin({ oldPin: r.file.pin, newPin: r.file.pin, repeat: r.file.pin }),
      'NEW_PIN_SAME_AS_OLD',
    ]);
    cases.push([
      {},
      () => r.agent.changePin({ oldPin: r.file.pin, newPin: '13572468', repeat: '13572460' }),
      'NEW_PIN_MISMATCH',
    ]);
    cases.push([
      {},
      () => r.agent.changePin({ oldPin: r.file.pin, newPin: '12345678', repeat: '12345678' }),
      'NEW_PIN_WEAK',
    ]);
    cases.push([
      {},
      () => r.agent.changePin({ oldPin: r.file.pin, newPin: '77777777', repeat: '77777777' }),
      'NEW_PIN_WEAK',
    ]);
    cases.push([
      {},
      () => r.agent.unblock({ puk: r.file.puk, newPin: '87654321', repeat: '87654321' }),
      'NEW_PIN_WEAK',
    ]);
    cases.push([
      {},
      () => attempt(() => signAsRegistered(r.agent.ctx, '12', CHALLENGE)),
      'PIN_FORMAT',
    ]);
    for (const [, run, expected] of cases) expect(kind(await run())).toBe(expected);
    expect(r.meters).toEqual([]);
    expect(r.file.state().pin.remaining).toBe(3);
  });

  it('the card: serial mismatch, expired certificate, untrusted CA, untrusted SOD, already registered, not registered', async () => {
    const mismatch = await r.agent.register({ serial: 'CA00000AA', pin: r.file.pin });
    expect(mismatch.ok ? 'ok' : mismatch.event).toMatchObject({
      kind: 'SERIAL_MISMATCH',
      typed: 'CA00000AA',
      onCard: r.file.serial,
    });
    await r.agent.close();
    // The same card on phones configured differently (one at a time: the card is in one field).
    const trust = trustOfImage(r.file.image);
    const phones: [Partial<AppOptions>, string][] = [
      [{ clock: new ManualClock(new Date('2035-01-01T00:00:00Z')) }, 'CERTIFICATE_EXPIRED'],
      [{ trust: { ...trust, holderCa: trust.csca } }, 'CERTIFICATE_INVALID'],
      [{ trust: { ...trust, csca: trust.holderCa } }, 'DOCUMENT_CHECK_FAILED'],
      // A CRL of the holder CA listing this card (the user configured it; the app makes no call).
      [{ trust: { ...trust, crls: [crlOf(`${tmp.dir}/pki`, r.file)] } }, 'CERTIFICATE_REVOKED'],
    ];
    for (const [options, expected] of phones) {
      const other = r.newAgent({ ...options, profile: expected });
      expect(kind(await other.register({ serial: r.file.serial, pin: r.file.pin }))).toBe(expected);
      expect(other.list()).toEqual([]);
      await other.close();
    }
    expect(r.file.state().pin.remaining).toBe(3);
    expect(kind(await attempt(() => signAsRegistered(r.agent.ctx, '1234', CHALLENGE)))).toBe(
      'CARD_NOT_REGISTERED',
    );
    expect(kind(await r.agent.register({ serial: r.file.serial, pin: r.file.pin }))).toBe('ok');
    expect(kind(await r.agent.register({ serial: r.file.serial, pin: r.file.pin }))).toBe(
      'CARD_ALREADY_REGISTERED',
    );
    expect(
      kind(await r.agent.register({ serial: r.file.serial, pin: r.file.pin, replace: true })),
    ).toBe('ok');
    expect(r.agent.forget(r.file.nis)).toBe(true);
    expect(r.agent.list()).toEqual([]);
  });
});

it('a card that is not a CIE', async () => {
  const server = new NfcServer({ port: 0, card: () => new NullCard() });
  const { url } = await server.listen();
  const dir = `${tmp.dir}/null`;
  mkdirSync(dir, { recursive: true });
  const agent = new CieIdAgent({
    profileDir: dir,
    reader: new NfcCardReader(url),
    trust: trustOfImage(),
  });
  try {
    const res = await agent.register({ serial: 'CA00000AA', pin: '12345678' });
    expect(res.ok ? 'ok' : res.event).toMatchObject({
      kind: 'NOT_A_CIE',
      message: 'La carta utilizzata non è una Carta di Identità Elettronica',
      sdkEvent: 'ON_TAG_DISCOVERED_NOT_CIE',
    });
  } finally {
    await agent.close();
    await server.close();
  }
});

it('no card answers at the endpoint: "card not detected"', async () => {
  const server = new NfcServer({ port: 0, card: () => new NullCard() });
  const { url } = await server.listen();
  await server.close();
  const agent = new CieIdAgent({
    profileDir: `${tmp.dir}/gone`,
    reader: new NfcCardReader(url),
    trust: trustOfImage(),
  });
  expect(kind(await agent.register({ serial: 'CA00000AA', pin: '12345678' }))).toBe(
    'CARD_NOT_DETECTED',
  );
  await agent.close();
});
