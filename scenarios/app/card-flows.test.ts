/**
 * The app's card operations through the WebSocket NFC endpoint on every CIE personality, with the
 * endpoint's default ISO-DEP settings and with AOSP's limits (IsoDep max transceive 261 bytes,
 * no extended-length APDUs: `NativeNfcManager.getExtendedLengthApdusSupported` is "max transceive
 * > 261"): registration, the card step of a login (the signature is checked with the
 * registered certificate), change PIN, PUK unblock. The PIN/PUK counters are read back from the
 * card image file after each step.
 */
import { constants, createPublicKey, verify, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asciiBytes } from '../../emulator/src/bytes/bytes.ts';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { CIE_PROFILES } from '../../emulator/src/profiles/cie-profiles.ts';
import { CieIdAgent } from './agent.ts';
import { NfcCardReader, type TapMeter } from './card-reader.ts';
import { signAsRegistered } from './login-card.ts';
import { cardFile, nfcEndpoint, tempDir, trustOfImage } from './testing.ts';

const AOSP = { maxTransceiveLength: 261, extendedLengthSupported: false } as const;
const PHONES = [
  { name: 'default ISO-DEP', isoDep: undefined, phone: {} },
  {
    name: 'AOSP 261 bytes, no extended length',
    isoDep: AOSP,
    phone: { extendedLength: 'when-needed' as const },
  },
];

const tmp = tempDir('app-flows');
afterAll(() => tmp.cleanup());

describe.each(CIE_PROFILES.map((p) => p.id))('personality %s', (profile) => {
  describe.each(PHONES)('$name', ({ name, isoDep, phone }) => {
    const dir = `${tmp.dir}/${profile}-${name.replace(/\W+/g, '-')}`;
    const meters: TapMeter[] = [];
    let file: ReturnType<typeof cardFile>;
    let endpoint: Awaited<ReturnType<typeof nfcEndpoint>>;
    let agent: CieIdAgent;

    beforeAll(async () => {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(dir, { recursive: true });
      file = cardFile(dir, profile);
      endpoint = await nfcEndpoint(file, isoDep);
      agent = new CieIdAgent({
        profileDir: `${dir}/profile`,
        reader: new NfcCardReader(endpoint.url),
        trust: trustOfImage(file.image),
        phone,
        rng: seededRng(`agent|${profile}|${name}`),
        onTapEnd: (t) => meters.push({ ...t.meter }),
      });
    });
    afterAll(async () => {
      await agent.close();
      await endpoint.close();
    });

    it('registers, signs a challenge, changes the PIN and unblocks it with the PUK', async () => {
      const reg = await agent.register({ serial: file.serial, pin: file.pin });
      expect(reg.ok ? reg.value.nis : reg.event).toBe(file.nis);
      expect(agent.list().map((r) => r.serial)).toEqual([file.serial]);

      const challenge = asciiBytes('bench challenge 0123456789abcdef');
      const signed = await signAsRegistered(agent.ctx, file.pin.slice(4), challenge);
      const key = createPublicKey(
        new X509Certificate(signed.certificate).publicKey.export({ format: 'pem', type: 'spki' }),
      );
      expect(
        verify(
          'sha256',
          challenge,
          { key, padding: constants.RSA_PKCS1_PADDING },
          signed.signature,
        ),
      ).toBe(true);
      expect(signed.certificate).toEqual(fromHex(file.image.ias.certificates.holder));

      const newPin = '13572468';
      const changed = await agent.changePin({ oldPin: file.pin, newPin, repeat: newPin });
      expect(changed).toEqual({ ok: true, value: { nis: file.nis, registrationUpdated: true } });
      expect(file.state().pin).toMatchObject({ value: newPin, remaining: 3 });
      expect(agent.ctx.store.pinHalf(file.nis)).toBe('1357');

      const unblockTo = '24681359';
      const unblocked = await agent.unblock({
        puk: file.puk,
        newPin: unblockTo,
        repeat: unblockTo,
      });
      expect(unblocked.ok).toBe(true);
      expect(file.state().pin).toMatchObject({ value: unblockTo, remaining: 3, blocked: false });
      expect(file.state().puk).toMatchObject({ remaining: 10 });

      // The login card step works with the new half and the typed last 4 digits.
      const again = await signAsRegistered(agent.ctx, unblockTo.slice(4), challenge);
      expect(again.nis).toBe(file.nis);

      // Nothing the phone sent exceeded what it can send.
      const limit = isoDep?.maxTransceiveLength ?? 65_546;
      expect(meters.length).toBe(5);
      for (const m of meters) expect(m.largestCommand).toBeLessThanOrEqual(limit);
    });
  });

  it('a phone without extended-length APDUs is refused before any APDU (the SDKs\u2019 default)', async () => {
    const dir = `${tmp.dir}/${profile}-refused`;
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    const file = cardFile(dir, profile);
    const endpoint = await nfcEndpoint(file, AOSP);
    const meters: TapMeter[] = [];
    const agent = new CieIdAgent({
      profileDir: `${dir}/profile`,
      reader: new NfcCardReader(endpoint.url),
      trust: trustOfImage(file.image),
      onTapEnd: (t) => meters.push({ ...t.meter }),
    });
    try {
      const r = await agent.register({ serial: file.serial, pin: file.pin });
      expect(r.ok ? 'registered' : r.event.kind).toBe('EXTENDED_APDU_NOT_SUPPORTED');
      expect(meters.map((m) => m.commands)).toEqual([0]);
      expect(agent.list()).toEqual([]);
    } finally {
      await agent.close();
      await endpoint.close();
    }
  });
});

describe.each(['nxp', 'gemalto'])('iOS command style on %s', (profile) => {
  it('registers and signs (Le FF plain reads, SELECT fallback, DO order 84-80)', async () => {
    const dir = `${tmp.dir}/${profile}-ios`;
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    const file = cardFile(dir, profile);
    const endpoint = await nfcEndpoint(file);
    const agent = new CieIdAgent({
      profileDir: `${dir}/profile`,
      reader: new NfcCardReader(endpoint.url),
      trust: trustOfImage(file.image),
      phone: { platform: 'ios' },
      rng: seededRng(`ios|${profile}`),
    });
    try {
      const reg = await agent.register({ serial: file.serial, pin: file.pin });
      expect(reg.ok ? 'ok' : reg.event).toBe('ok');
      const challenge = asciiBytes('ios challenge');
      const signed = await signAsRegistered(agent.ctx, file.pin.slice(4), challenge);
      const key = new X509Certificate(signed.certificate).publicKey;
      expect(
        verify(
          'sha256',
          challenge,
          { key, padding: constants.RSA_PKCS1_PADDING },
          signed.signature,
        ),
      ).toBe(true);
    } finally {
      await agent.close();
      await endpoint.close();
    }
  });
});
