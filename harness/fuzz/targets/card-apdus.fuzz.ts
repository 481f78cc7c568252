/**
 * Random and structured command APDUs against the complete default CIE (IAS + eMRTD) in-process.
 * Invariants (DESIGN.md §3, §5): `Card.transmit` never throws and always answers at least
 * SW1 SW2; SW1 is 61..6F or 9x; data comes only with 61/62/63/9x; no command ends as an internal
 * fault (an unexpected exception turned into 6F00).
 */
import { cieCardFromImage } from '../../../emulator/src/profiles/cie-card-image.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import { Chooser, Tally, type FuzzTarget } from '../fuzz-kit.ts';

const INPUTS = 1_000_000;

const CLASSES = [0x00, 0x0c, 0x10, 0x1c, 0x80, 0x8c, 0x0d, 0x04, 0x08, 0x40, 0xff];
const INS = [
  0xa4, 0xb0, 0xb1, 0xb2, 0xca, 0xcb, 0x84, 0x88, 0x82, 0x86, 0x20, 0x24, 0x2c, 0x22, 0x2a, 0xc0,
  0xd6, 0x0e, 0x44, 0x60, 0x90,
];
/** Selections that lead into each application, so the random commands meet every table. */
const SELECTS = [
  '00A4000C023F00',
  '00A4040C0DA0000000308000000009816001',
  '00A4040C06A00000000039',
  '00A4040C07A0000002471001',
  '00A4020C021001',
].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));

function structured(c: Chooser): Uint8Array {
  const header = [
    c.chance(0.85) ? c.pick(CLASSES) : c.byte(),
    c.chance(0.85) ? c.pick(INS) : c.byte(),
    c.chance(0.5) ? c.pick([0x00, 0x04, 0x02, 0x41, 0x81, 0xc1, 0x3f]) : c.byte(),
    c.chance(0.5) ? c.pick([0x00, 0x0c, 0x04, 0xa4, 0xa6, 0xb6, 0x81, 0x82, 0xff]) : c.byte(),
  ];
  const data = c.chance(0.6) ? c.bytes(c.int(c.chance(0.1) ? 600 : 40)) : new Uint8Array(0);
  const extended = data.length > 255 || c.chance(0.1);
  const body: number[] = [];
  if (data.length > 0)
    body.push(...(extended ? [0, data.length >> 8, data.length & 0xff] : [data.length]), ...data);
  if (c.chance(0.5)) body.push(...(extended ? (data.length > 0 ? [0, 0] : [0, 0, 0]) : [c.byte()]));
  const out = Uint8Array.from([...header, ...body]);
  // Now and then a malformed length field.
  if (c.chance(0.05) && out.length > 4) out[4] = c.byte();
  return out;
}

function validSw(r: Uint8Array): string | undefined {
  if (r.length < 2) return `answer of ${r.length} byte(s)`;
  const sw1 = r[r.length - 2] as number;
  if (!((sw1 >= 0x61 && sw1 <= 0x6f) || (sw1 >= 0x90 && sw1 <= 0x9f)))
    return `invalid SW1 ${sw1.toString(16)}`;
  if (r.length > 2 && !(sw1 === 0x61 || sw1 === 0x62 || sw1 === 0x63 || sw1 >= 0x90))
    return `data with SW1 ${sw1.toString(16)}`;
  return undefined;
}

export const cardApdus: FuzzTarget = {
  name: 'card APDUs (default CIE, in-process)',
  run: async (seed) => {
    const t = new Tally('card-apdus', 'never throws; ≥ 2 bytes; valid SW; no internal fault');
    const c = new Chooser(seed);
    const { card } = cieCardFromImage(defaultCardImage(), { strict: false });
    card.powerOn();
    let faultsSeen = card.faults.length;
    for (let i = 0; i < INPUTS; i++) {
      t.inputs++;
      if (c.chance(0.002)) c.chance(0.5) ? card.reset() : card.powerOn();
      const command = c.chance(0.03)
        ? c.pick(SELECTS)
        : c.chance(0.15)
          ? c.bytes(c.int(12))
          : structured(c);
      let r: Uint8Array;
      try {
        r = card.transmit(command);
      } catch (e) {
        t.fail(`${toHex(command)} threw ${(e as Error).message}`);
        continue;
      }
      const bad = validSw(r);
      if (bad) t.fail(`${toHex(command)}: ${bad}`);
      if (card.faults.length > faultsSeen) {
        const fresh = card.faults.slice(faultsSeen).map((f) => f.message);
        faultsSeen = card.faults.length;
        t.fail(`${toHex(command)}: internal fault ${fresh.join('; ')}`);
      }
    }
    return t;
  },
};
