/**
 * PACE negative behaviour, mirroring ICAO "RF Protocol and Application Test Standard for eMRTD –
 * Part 3" v3.2 category P in spirit (README.md §4.2): wrong tags, lengths, points and tokens at
 * every step, chaining errors, interleaved commands, state reset; plus the PACE password rules (wrong
 * CAN → 6300 at the token step, no attempt counter, a configurable delay).
 */
import { cardState } from '../../../emulator/src/card/card-os.ts';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { ManualClock } from '../../../emulator/src/crypto/clock.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { DH_GROUP_2 } from '../../../emulator/src/protocols/domain/dh-groups.ts';
import { standardDomain } from '../../../emulator/src/protocols/domain/standard-domains.ts';
import { paceProtocol } from '../../../emulator/src/protocols/oids.ts';
import { digitsPassword, gaTemplate } from '../../../emulator/src/protocols/pace/pace-crypto.ts';
import { PaceTerminal } from '../../../emulator/src/protocols/pace/pace-terminal.ts';
import { bigIntToBytes } from '../../../emulator/src/bytes/bytes.ts';
import { pacedSession, testCard, type TestCard } from './test-support.ts';

const MSE_CAN = '0022C1A40F800A04007F00070202040101830102';
const GA1 = '10860000027C0000';
const CIE = paceProtocol('0.4.0.127.0.7.2.2.4.1.1');
if (!CIE) throw new Error('OID');

function send(t: TestCard, hex: string | Uint8Array): string {
  return toHex(t.card.transmit(typeof hex === 'string' ? fromHex(hex) : hex));
}

function sw(t: TestCard, hex: string | Uint8Array): string {
  return send(t, hex).slice(-4);
}

/** A GA command, extended when the data exceeds 255 bytes (the CIE's DH mapping data, README.md §1.4). */
function ga(cla: number, inner: Uint8Array): Uint8Array {
  const data = gaTemplate(inner);
  if (data.length <= 255)
    return concatBytes(Uint8Array.of(cla, 0x86, 0, 0, data.length), data, Uint8Array.of(0));
  return concatBytes(
    Uint8Array.of(cla, 0x86, 0, 0, 0, data.length >> 8, data.length & 0xff),
    data,
    Uint8Array.of(0, 0),
  );
}

function powered(options: Parameters<typeof testCard>[0] = {}): TestCard {
  const t = testCard(options);
  t.card.powerOn();
  return t;
}

/** Drives a correct PACE-CAN up to (not including) step `upTo`; returns the terminal for the next values. */
function pacePartial(
  t: TestCard,
  upTo: 1 | 2 | 3 | 4,
  can = t.citizen.can,
): { terminal: PaceTerminal; next: Uint8Array } {
  const terminal = new PaceTerminal(CIE as NonNullable<typeof CIE>, 2, digitsPassword(can), {
    privateKey: (d) => d.randomPrivateKey(seededRng('t')),
  });
  expect(sw(t, MSE_CAN)).toBe('9000');
  let next = gaTemplate();
  if (upTo === 1) return { terminal, next };
  const r1 = fromHex(send(t, GA1));
  const z = r1.subarray(4, r1.length - 2);
  next = tlv(0x81, terminal.mappingKey(z));
  if (upTo === 2) return { terminal, next };
  const r2 = fromHex(send(t, ga(0x10, next)));
  next = tlv(0x83, terminal.ephemeralKey(r2.subarray(8, r2.length - 2)));
  if (upTo === 3) return { terminal, next };
  const r3 = fromHex(send(t, ga(0x10, next)));
  next = tlv(0x85, terminal.token(r3.subarray(8, r3.length - 2)));
  return { terminal, next };
}

describe('ICAO Part 3 category P (spirit): MSE:Set AT for PACE', () => {
  const cases: [string, string, string][] = [
    [
      'P_8 / CIE (OpenSC#2486): PIN password reference 03',
      '0022C1A40F800A04007F00070202040101830103',
      '6A88',
    ],
    ['P_8: PUK password reference 04', '0022C1A40F800A04007F00070202040101830104', '6A88'],
    ['P_8: unknown password reference 07', '0022C1A40F800A04007F00070202040101830107', '6A88'],
    [
      'P_6: OID not in EF.CardAccess (ECDH-GM-AES-128)',
      '0022C1A40F800A04007F00070202040202830102',
      '6A80',
    ],
    ['P_7: OID sent with tag 06 instead of 80', '0022C1A40F060A04007F00070202040101830102', '6A80'],
    ['P_5: invalid DO tag 81', '0022C1A40F810A04007F00070202040101830102', '6A80'],
    ['P_64: DO 80 missing', '0022C1A403830102', '6A80'],
    ['P_65: DO 83 missing', '0022C1A40C800A04007F00070202040101', '6A80'],
    ['P_66: DO 80 empty', '0022C1A4058000830102', '6A80'],
    ['P_67: DO 83 too long', '0022C1A410800A04007F0007020204010183020202', '6A80'],
    [
      'P_9: DO 84 with an unknown parameterId',
      '0022C1A412800A04007F0007020204010183010284010D',
      '6A88',
    ],
    [
      'malformed TLV in the data field (DO 80 announces 10 bytes, 2 follow)',
      '0022C1A404800A0400',
      '6A80',
    ],
  ];
  it.each(cases)(
    '%s → %s, and GA step 1 afterwards is out of sequence (6985)',
    (_name, apdu, expected) => {
      const t = powered();
      expect(sw(t, apdu)).toBe(expected);
      expect(sw(t, GA1)).toBe('6985');
    },
  );

  it('DO 84 naming the right parameterId is accepted (P_2 variant)', () => {
    const t = powered();
    expect(sw(t, '0022C1A412800A04007F00070202040101830102840102')).toBe('9000');
    expect(send(t, GA1)).toMatch(/^7C0A8008[0-9A-F]{16}9000$/);
  });

  it('the MRZ password (01) is accepted next to the CAN (P_1)', () => {
    const t = powered();
    expect(sw(t, '0022C1A40F800A04007F00070202040101830101')).toBe('9000');
  });
});

describe('ICAO Part 3 category P (spirit): GENERAL AUTHENTICATE steps', () => {
  it('GA without MSE:Set AT → 6985', () => {
    const t = powered();
    expect(sw(t, GA1)).toBe('6985');
  });

  it('P_11: step 1 with a wrong outer tag (7D) → 6A80; P_12: no data → 6A80; P_13: extra DO → 6A80', () => {
    for (const bad of ['10860000027D0000', '1086000000', '10860000057C0381010000']) {
      const t = powered();
      expect(sw(t, MSE_CAN)).toBe('9000');
      expect(sw(t, bad), bad).toBe('6A80');
    }
  });

  it('P_14: step 1 twice → the second restarts PACE with a fresh nonce (ICAO Part 3 ISO7816_P_14), and again', () => {
    const t = powered();
    expect(sw(t, MSE_CAN)).toBe('9000');
    const first = send(t, GA1);
    const second = send(t, GA1);
    expect(first.endsWith('9000') && second.endsWith('9000')).toBe(true);
    expect(second.slice(0, 4)).toBe(first.slice(0, 4));
    expect(second).not.toBe(first);
    expect(sw(t, GA1)).toBe('9000');
  });

  const dh = standardDomain(2);
  const p = DH_GROUP_2.p;
  const badMapping: [string, Uint8Array][] = [
    ['P_15: wrong inner tag (83 instead of 81)', tlv(0x83, dh?.generator() ?? new Uint8Array(0))],
    ['P_23: public value of 255 bytes', tlv(0x81, new Uint8Array(255).fill(7))],
    ['P_24: all-zero public value', tlv(0x81, new Uint8Array(256))],
    ['P_26: public value 1', tlv(0x81, bigIntToBytes(1n, 256))],
    ['P_27: public value p − 1', tlv(0x81, bigIntToBytes(p - 1n, 256))],
    ['P_28: public value ≥ p', tlv(0x81, bigIntToBytes(p + 5n, 256))],
    ['P_30: value outside the order-q subgroup (2)', tlv(0x81, bigIntToBytes(2n, 256))],
    [
      'P_16: two DOs in the template',
      concatBytes(tlv(0x81, dh?.generator() ?? new Uint8Array(0)), tlv(0x81, Uint8Array.of(1))),
    ],
  ];
  it.each(badMapping)('%s → 6A80 at step 2, then the protocol is reset (6985)', (_name, inner) => {
    const t = powered();
    pacePartial(t, 2);
    expect(sw(t, ga(0x10, inner))).toBe('6A80');
    expect(sw(t, GA1)).toBe('6985');
  });

  it('P_19..P_30: invalid ephemeral key at step 3 (wrong tag, wrong size, 0, ≥ p) → 6A80', () => {
    for (const inner of [
      tlv(0x81, bigIntToBytes(5n, 256)),
      tlv(0x83, new Uint8Array(128)),
      tlv(0x83, new Uint8Array(256)),
      tlv(0x83, bigIntToBytes(p, 256)),
    ]) {
      const t = powered();
      pacePartial(t, 3);
      expect(sw(t, ga(0x10, inner))).toBe('6A80');
    }
  });

  it('P_31..P_36: step 4 with outer tag 8C, without 7C, inner tag 86, an extra DO, a 4-byte token → 6A80', () => {
    const bads = (token: Uint8Array): string[] => [
      toHex(concatBytes(fromHex('008600000C8C0A8508'), token, fromHex('00'))),
      toHex(concatBytes(fromHex('008600000A8508'), token, fromHex('00'))),
      toHex(concatBytes(fromHex('008600000C7C0A8608'), token, fromHex('00'))),
      toHex(
        concatBytes(fromHex('00860000117C0F8508'), token, fromHex('8503010203'), fromHex('00')),
      ),
      '00860000087C06850401020304' + '00',
    ];
    for (const i of [0, 1, 2, 3, 4]) {
      const t = powered();
      const { next } = pacePartial(t, 4);
      expect(sw(t, bads(next.subarray(2))[i] as string), `variant ${i}`).toBe('6A80');
      expect(sw(t, ga(0x00, next))).toBe('6985');
    }
  });

  it('P_54/P_55: steps 1–3 without the chaining bit → 6985; P_56/P_57: step 4 with it → 6883', () => {
    const t1 = powered();
    expect(sw(t1, MSE_CAN)).toBe('9000');
    expect(sw(t1, '00860000027C0000')).toBe('6985');
    const t2 = powered();
    const { next } = pacePartial(t2, 4);
    expect(sw(t2, ga(0x10, next))).toBe('6883');
    const t3 = powered({ module: { paceChaining: 'lenient' } });
    expect(sw(t3, MSE_CAN)).toBe('9000');
    expect(sw(t3, '00860000027C0000')).toBe('9000');
  });

  it('P_58..P_61: a command interleaved between two steps resets PACE', () => {
    const t = powered();
    const { next } = pacePartial(t, 3);
    expect(sw(t, '00A4020C02011C')).toBe('9000');
    expect(sw(t, ga(0x10, next))).toBe('6985');
    // …and a fresh PACE from MSE:Set AT works.
    const again = pacePartial(t, 4);
    expect(send(t, ga(0x00, again.next))).toMatch(/^7C0A8608[0-9A-F]{16}9000$/);
  });

  it('P_3: no SM session after a failed PACE; P_79: a protected command with a wrong SSC after PACE → 6988', async () => {
    const t = powered();
    const { next } = pacePartial(t, 4, '000000');
    expect(sw(t, ga(0x00, next))).toBe('6300');
    expect(cardState(t.card).sm).toBeUndefined();
    const t2 = testCard();
    const s = await pacedSession(t2);
    const session = s.link.session;
    if (!session) throw new Error('no session');
    s.link.session = { ...session, ssc: session.ssc + 5n };
    const r = await s.link.send({ ins: 0xb0, p1: 0x9e, p2: 0, ne: 4 });
    expect(r.sw).toBe(0x6988);
    expect(cardState(t2.card).sm).toBeUndefined();
  });
});

describe('wrong CAN: no attempt counter, configurable delay (ICAO 9303-11 §4.4; emrtd/README.md §1.5)', () => {
  it('a wrong CAN gives 6300 at the token step (GA 4), like the real CIE (README.md §1.4)', () => {
    const t = powered();
    const { next } = pacePartial(t, 4, t.citizen.can === '111111' ? '222222' : '111111');
    expect(send(t, ga(0x00, next))).toBe('6300');
  });

  it('no attempt counter: 25 wrong CANs, then the right one still works', () => {
    const t = powered();
    for (let i = 0; i < 25; i++) {
      const { next } = pacePartial(t, 4, String(100000 + i));
      expect(sw(t, ga(0x00, next))).toBe('6300');
    }
    const { next } = pacePartial(t, 4);
    expect(send(t, ga(0x00, next))).toMatch(/^7C0A8608[0-9A-F]{16}9000$/);
  });

  it('delay option `stall`: the failing answer is held for the configured time (stall hook called with 750 ms), never on success', () => {
    const stalls: number[] = [];
    const t = powered({
      module: { paceFailureDelay: { ms: 750, mode: 'stall' }, stall: (ms) => stalls.push(ms) },
    });
    const wrong = pacePartial(t, 4, '000000');
    expect(sw(t, ga(0x00, wrong.next))).toBe('6300');
    expect(stalls).toEqual([750]);
    const right = pacePartial(t, 4);
    expect(sw(t, ga(0x00, right.next))).toBe('9000');
    expect(stalls).toEqual([750]);
  });

  it('delay option `refuse`: MSE:Set AT for PACE answers 6985 until the delay has passed on the card clock', () => {
    const clock = new ManualClock();
    const t = powered({ module: { paceFailureDelay: { ms: 2000, mode: 'refuse' } }, clock });
    const wrong = pacePartial(t, 4, '000000');
    expect(sw(t, ga(0x00, wrong.next))).toBe('6300');
    expect(sw(t, MSE_CAN)).toBe('6985');
    clock.advance(1_999_000);
    expect(sw(t, MSE_CAN)).toBe('6985');
    clock.advance(2_000);
    expect(sw(t, MSE_CAN)).toBe('9000');
  });
});
