import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeCommandApdu, parseCommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { statusWordOf } from '../../../emulator/src/apdu/status-words.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { deriveSessionKeys, iasSmSession } from '../../../emulator/src/applications/ias/dh.ts';
import {
  unwrapCommand,
  unwrapResponse,
  wrapCommand,
  wrapResponse,
} from '../../../emulator/src/sm/sm-codec.ts';
import { withSsc } from '../../../emulator/src/sm/sm-session.ts';

interface Vectors {
  kdf: { ref: string; kEnc: string; kMac: string };
  commands: { name: string; ref: string; sscBefore: string; plain: string; protected: string }[];
  responses: {
    name: string;
    ref: string;
    ins: string;
    sscBefore: string;
    plainData: string;
    sw: string;
    body: string;
  }[];
}

const vectors = JSON.parse(
  readFileSync(new URL('./sm-worked-examples.json', import.meta.url), 'utf8'),
) as Vectors;
const keys = deriveSessionKeys(new Uint8Array(256).fill(0x11));
const session = iasSmSession(keys);

describe('CIE IAS secure messaging — worked examples of ias/README.md §4.1–4.3', () => {
  it(`${vectors.kdf.ref}: K = 256 × 11 → K_ENC, K_MAC (SHA-256 KDF)`, () => {
    expect(toHex(keys.kEnc)).toBe(vectors.kdf.kEnc);
    expect(toHex(keys.kMac)).toBe(vectors.kdf.kMac);
    expect(session.ssc).toBe(1n);
  });

  for (const v of vectors.commands) {
    it(`${v.ref}: ${v.name} — terminal wrap gives the exact bytes`, () => {
      const s = withSsc(session, fromHex(v.sscBefore));
      const wrapped = wrapCommand(s, parseCommandApdu(fromHex(v.plain)));
      expect(toHex(encodeCommandApdu(wrapped.apdu))).toBe(v.protected);
      expect(wrapped.session.ssc).toBe(2n);
    });

    it(`${v.ref}: ${v.name} — card unwrap gives the plain command back`, () => {
      const s = withSsc(session, fromHex(v.sscBefore));
      const u = unwrapCommand(s, parseCommandApdu(fromHex(v.protected)));
      expect(toHex(encodeCommandApdu(u.apdu))).toBe(toHex(fromHex(v.plain)));
    });

    it(`${v.ref}: ${v.name} — a flipped MAC bit is refused`, () => {
      const bad = fromHex(v.protected);
      bad[bad.length - 2] = (bad[bad.length - 2] as number) ^ 1;
      const s = withSsc(session, fromHex(v.sscBefore));
      expect(() => unwrapCommand(s, parseCommandApdu(bad))).toThrow(/MAC/);
    });
  }

  for (const v of vectors.responses) {
    it(`${v.ref}: ${v.name} — card wrap gives the exact body`, () => {
      const s = withSsc(session, fromHex(v.sscBefore));
      const w = wrapResponse(s, parseInt(v.ins, 16), {
        data: fromHex(v.plainData),
        sw: statusWordOf(parseInt(v.sw, 16)),
      });
      expect(toHex(w.body)).toBe(v.body);
      expect(w.session.ssc).toBe(3n);
    });

    it(`${v.ref}: ${v.name} — terminal unwrap recovers data and the DO 99 status`, () => {
      const s = withSsc(session, fromHex(v.sscBefore));
      const u = unwrapResponse(s, parseInt(v.ins, 16), fromHex(v.body));
      expect(toHex(u.response.data)).toBe(v.plainData);
      expect(u.response.sw.toString(16).toUpperCase()).toBe(v.sw);
    });
  }
});
