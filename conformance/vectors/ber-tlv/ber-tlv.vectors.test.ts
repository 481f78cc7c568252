/** BER-TLV known answers (ISO/IEC 7816-4:2020 §5.2, ITU-T X.690 §8.1); sources in README.md. */
import { describe, expect, it } from 'vitest';
import {
  encodeLength,
  parseTlvTree,
  tagToHex,
  tlv,
  type Tlv,
  TlvFormatError,
} from '../../../emulator/src/bytes/ber-tlv.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import cases from './cases.json' with { type: 'json' };

interface Node {
  readonly tag: string;
  readonly value?: string;
  readonly children?: readonly Node[];
}

function shape(list: readonly Tlv[]): Node[] {
  return list.map((t) =>
    t.children
      ? { tag: tagToHex(t.tag), children: shape(t.children) }
      : { tag: tagToHex(t.tag), value: toHex(t.value) },
  );
}

function encode(list: readonly Node[]): Uint8Array {
  const parts = list.map((n) =>
    tlv(parseInt(n.tag, 16), n.children ? encode(n.children) : fromHex(n.value ?? '')),
  );
  return parts.length === 0
    ? new Uint8Array(0)
    : parts.reduce((a, b) => Uint8Array.from([...a, ...b]));
}

describe('BER-TLV (ISO/IEC 7816-4:2020 §5.2)', () => {
  for (const c of cases.valid) {
    it(`parses ${c.name}`, () => {
      expect(shape(parseTlvTree(fromHex(c.hex)))).toEqual(c.tree);
    });
    it(`re-encodes ${c.name} byte for byte`, () => {
      expect(toHex(encode(c.tree))).toBe(toHex(fromHex(c.hex)));
    });
  }
  for (const c of cases.lengths) {
    it(`X.690 §8.1.3: length ${c.name}`, () => {
      expect(toHex(encodeLength(c.length))).toBe(c.encoding);
      const obj = tlv(0x04, new Uint8Array(c.length));
      const [parsed] = parseTlvTree(obj);
      expect(parsed?.value.length).toBe(c.length);
    });
  }
  for (const c of cases.invalid) {
    it(`rejects: ${c.name}`, () => {
      expect(() => parseTlvTree(fromHex(c.hex))).toThrow(TlvFormatError);
    });
  }
});
