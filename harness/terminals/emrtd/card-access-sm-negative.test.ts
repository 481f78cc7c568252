/**
 * Access control and secure messaging of the eMRTD application, mirroring ICAO Part 3 v3.2
 * categories B and O (nothing readable before BAC/PACE; plain access refused after it) and C (BAC
 * and its SM: wrong cryptogram, missing GET CHALLENGE, corrupted MAC/SSC ends the session, plain
 * command during SM, reused challenge) in spirit (README.md §4.2, §4.7).
 */
import { cardState } from '../../../emulator/src/card/card-os.ts';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { bacKeys } from '../../../emulator/src/protocols/bac/bac-keys.ts';
import { bacCommandData } from '../../../emulator/src/protocols/bac/bac-terminal.ts';
import { bac } from './access-control.ts';
import { newSession } from './inspection-system.ts';
import { pacedSession, testCard, wrapOnly, type TestCard } from './test-support.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';

const SELECT_AID = '00A4040C07A0000002471001';
const SFIS: [string, number][] = [
  ['EF.COM', 0x1e],
  ['EF.SOD', 0x1d],
  ['EF.CVCA', 0x1c],
  ['DG1', 0x01],
  ['DG2', 0x02],
  ['DG3', 0x03],
  ['DG11', 0x0b],
  ['DG12', 0x0c],
  ['DG14', 0x0e],
];
const FIDS = ['011E', '011D', '011C', '0101', '0102', '0103', '010B', '010C', '010E'];

function send(t: TestCard, hex: string): string {
  return toHex(t.card.transmit(fromHex(hex)));
}

function fresh(options: Parameters<typeof testCard>[0] = {}): TestCard {
  const t = testCard(options);
  t.card.powerOn();
  return t;
}

describe('ICAO Part 3 categories B / O (spirit): access before BAC or PACE', () => {
  it('B_1..B_18: plain SELECT gives no data — EF.COM, EF.SOD, EF.CVCA 9000, data groups 6982 (B_3 expects 6982 for DG1)', () => {
    const t = fresh();
    expect(send(t, SELECT_AID)).toBe('9000');
    for (const fid of FIDS)
      expect(send(t, `00A4020C02${fid}`), fid).toBe(fid.startsWith('011') ? '9000' : '6982');
  });

  it('option dgSelectBeforeAccess 9000: data groups are selectable before access, still not readable', () => {
    const t = fresh({ module: { dgSelectBeforeAccess: '9000' } });
    expect(send(t, SELECT_AID)).toBe('9000');
    for (const fid of FIDS) expect(send(t, `00A4020C02${fid}`), fid).toBe('9000');
    expect(send(t, '00B0000001')).toBe('6982');
  });

  it.each(SFIS)(
    'B_19..B_36 / O_19..O_36: plain READ BINARY of %s by SFI → 6982 without data',
    (_n, sfi) => {
      const t = fresh();
      send(t, SELECT_AID);
      expect(send(t, `00B0${(0x80 | sfi).toString(16).toUpperCase()}0000`)).toBe('6982');
    },
  );

  it('odd READ BINARY (B1) by SFI before authentication → 6982', () => {
    const t = fresh();
    send(t, SELECT_AID);
    expect(send(t, '00B1001E03540100' + '00')).toBe('6982');
  });

  it('EF.CardAccess stays readable in plain (Q_1..Q_4): SELECT 011C + READ, by SFI 1C, and odd B1', () => {
    const t = fresh();
    expect(send(t, '00A4020C02011C')).toBe('9000');
    expect(send(t, '00B0000016')).toBe('31143012060A04007F000702020401010201020201029000');
    expect(send(t, '00B09C0006')).toBe('31143012060A9000');
    expect(send(t, '00B1001C0354010018')).toBe(
      '531631143012060A04007F000702020401010201020201029000',
    );
  });

  it('O_37..O_54: after PACE, a plain READ BINARY is refused (6982) and ends the session', async () => {
    const t = testCard();
    const s = await pacedSession(t);
    expect((await s.link.protected({ ins: 0xb0, p1: 0x81, p2: 0, ne: 4 })).sw).toBe(0x9000);
    expect(send(t, '00B0810004')).toBe('6982');
    expect(cardState(t.card).sm).toBeUndefined();
  });

  it('after PACE, every LDS file but DG3 is readable under SM; DG3 needs TA (6982)', async () => {
    const t = testCard();
    const s = await pacedSession(t);
    for (const [name, sfi] of SFIS) {
      const r = await s.link.protected({ ins: 0xb0, p1: 0x80 | sfi, p2: 0, ne: 1 });
      expect(r.sw, name).toBe(name === 'DG3' ? 0x6982 : 0x9000);
    }
  });

  it('D_23: SELECT of an absent data group (DG4 0104, DG15 010F) under SM → 6A82 inside DO 99', async () => {
    const t = testCard();
    const s = await pacedSession(t);
    expect(
      (await s.link.protected({ ins: 0xa4, p1: 0x02, p2: 0x0c, data: fromHex('0104') })).sw,
    ).toBe(0x6a82);
    expect(
      (await s.link.protected({ ins: 0xa4, p1: 0x02, p2: 0x0c, data: fromHex('010F') })).sw,
    ).toBe(0x6a82);
    expect(s.link.session).toBeDefined();
  });
});

describe('ICAO Part 3 category C (spirit): BAC and its secure messaging', () => {
  const challengeAndMutual = (t: TestCard, mutate?: (d: Uint8Array) => void): string => {
    send(t, SELECT_AID);
    const rndIc = fromHex(send(t, '0084000008').slice(0, 16));
    const data = bacCommandData(
      bacKeys(t.mrzInformation),
      rndIc,
      fromHex('0102030405060708'),
      new Uint8Array(16).fill(9),
    );
    mutate?.(data);
    return send(t, `0082000028${toHex(data)}28`);
  };

  it('C_2: a correct MUTUAL AUTHENTICATE answers 40 bytes + 9000', () => {
    expect(challengeAndMutual(fresh())).toMatch(/^[0-9A-F]{80}9000$/);
  });

  it('C_3: wrong cryptogram → 6300; C_6: corrupted MAC → 6300; no session either way', () => {
    for (const mutate of [
      (d: Uint8Array) => void (d[3] = (d[3] as number) ^ 0x40),
      (d: Uint8Array) => void (d[39] = (d[39] as number) ^ 1),
    ]) {
      const t = fresh();
      expect(challengeAndMutual(t, mutate)).toBe('6300');
      expect(cardState(t.card).sm).toBeUndefined();
      expect(send(t, '00B0810004')).toBe('6982');
    }
  });

  it('C_4: MUTUAL AUTHENTICATE without GET CHALLENGE → 6985; a reused challenge → 6985', () => {
    const t = fresh();
    send(t, SELECT_AID);
    const data = bacCommandData(
      bacKeys(t.mrzInformation),
      new Uint8Array(8),
      new Uint8Array(8),
      new Uint8Array(16),
    );
    expect(send(t, `0082000028${toHex(data)}28`)).toBe('6985');
    const t2 = fresh();
    expect(challengeAndMutual(t2, (d) => void (d[0] = (d[0] as number) ^ 1))).toBe('6300');
    expect(send(t2, `0082000028${toHex(data)}28`)).toBe('6985');
  });

  it('C_1: two GET CHALLENGEs: only the last one is valid', () => {
    const t = fresh();
    send(t, SELECT_AID);
    const first = fromHex(send(t, '0084000008').slice(0, 16));
    send(t, '0084000008');
    const data = bacCommandData(
      bacKeys(t.mrzInformation),
      first,
      new Uint8Array(8),
      new Uint8Array(16),
    );
    expect(send(t, `0082000028${toHex(data)}28`)).toBe('6300');
  });

  it('GET CHALLENGE with Le other than 8 → 6700; MUTUAL AUTHENTICATE with 39 bytes → 6700', () => {
    const t = fresh();
    send(t, SELECT_AID);
    expect(send(t, '0084000010')).toBe('6700');
    send(t, '0084000008');
    expect(send(t, `0082000027${'00'.repeat(39)}28`)).toBe('6700');
  });

  it('BAC switched off by the profile: MUTUAL AUTHENTICATE → 6985', () => {
    expect(challengeAndMutual(fresh({ module: { bac: false } }))).toBe('6985');
  });

  it('C_13 / C_18: a corrupted MAC → 6988 in plain, the session ends, the next correct command fails too', async () => {
    const t = testCard();
    await t.channel.connect();
    const s = newSession(t.channel, { rng: seededRng('t') });
    await bac(s, t.mrzInformation);
    const wire = wrapOnly(s, fromHex('00B09E0004'));
    wire[wire.length - 3] = (wire[wire.length - 3] as number) ^ 0x01;
    expect(toHex(t.card.transmit(wire))).toBe('6988');
    expect(toHex(t.card.transmit(wrapOnly(s, fromHex('00B09E0004'))))).toBe('6988');
  });

  it('C_12 / C_17: DO 8E missing → 6987 and the session ends', async () => {
    const t = testCard();
    const s = await pacedSession(t);
    expect(send(t, '0CB09E00039701' + '04' + '00')).toBe('6987');
    expect(cardState(t.card).sm).toBeUndefined();
    expect((await s.link.protected({ ins: 0xb0, p1: 0x9e, p2: 0, ne: 4 })).sw).toBe(0x6988);
  });

  it('C_14: a replayed command (wrong SSC) → 6988 and the session ends', async () => {
    const t = testCard();
    const s = await pacedSession(t);
    const wire = wrapOnly(s, fromHex('00B09E0004'));
    expect(toHex(t.card.transmit(wire))).toMatch(/9000$/);
    expect(toHex(t.card.transmit(wire))).toBe('6988');
    expect(cardState(t.card).sm).toBeUndefined();
  });

  it('C_16: a plain SELECT during SM succeeds (9000), and the following protected read fails', async () => {
    const t = testCard();
    const s = await pacedSession(t);
    expect(send(t, '00A4020C02011E')).toBe('9000');
    const wire = wrapOnly(s, fromHex('00B0000004'));
    expect(toHex(t.card.transmit(wire))).toBe('6988');
  });

  it('after re-selecting the eMRTD application in plain, the session is gone and files are locked (6982)', async () => {
    const t = testCard();
    await pacedSession(t);
    expect(send(t, SELECT_AID)).toBe('9000');
    expect(send(t, '00B0810004')).toBe('6982');
  });
});
