/**
 * AES secure-messaging known answers from gmrtd and opencie-pkcs11 (emrtd/README.md §3.5), both codec sides.
 * Provenance: README.md in this folder.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { encodeCommandApdu, parseCommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { encodeResponseApdu, parseResponseApdu } from '../../../emulator/src/apdu/response-apdu.ts';
import {
  unwrapCommand,
  unwrapResponse,
  wrapCommand,
  wrapResponse,
} from '../../../emulator/src/sm/sm-codec.ts';
import { smSession } from '../../../emulator/src/sm/sm-session.ts';
import { aesSuite } from '../../../emulator/src/sm/suites/aes.ts';
import v from './vectors.json' with { type: 'json' };

describe('AES secure messaging (ICAO 9303-11 §9.8.6.2), third-party known answers', () => {
  for (const c of v.cases) {
    it(`${c.name}: terminal side`, () => {
      let s = smSession(aesSuite, fromHex(c.ksEnc), fromHex(c.ksMac), fromHex(c.sscBefore));
      for (const x of c.exchanges) {
        const w = wrapCommand(s, parseCommandApdu(fromHex(x.plainCommand)));
        expect(toHex(encodeCommandApdu(w.apdu))).toBe(x.protectedCommand);
        s = w.session;
        if ('protectedResponseBody' in x && x.protectedResponseBody && x.plainResponse) {
          const u = unwrapResponse(s, w.apdu.ins, fromHex(x.protectedResponseBody));
          expect(toHex(encodeResponseApdu(u.response))).toBe(x.plainResponse);
          s = u.session;
        }
      }
    });

    it(`${c.name}: card side`, () => {
      let s = smSession(aesSuite, fromHex(c.ksEnc), fromHex(c.ksMac), fromHex(c.sscBefore));
      for (const x of c.exchanges) {
        const u = unwrapCommand(s, parseCommandApdu(fromHex(x.protectedCommand)));
        expect(toHex(encodeCommandApdu(u.apdu))).toBe(x.plainCommand);
        s = u.session;
        if ('protectedResponseBody' in x && x.protectedResponseBody && x.plainResponse) {
          const w = wrapResponse(s, u.apdu.ins, parseResponseApdu(fromHex(x.plainResponse)));
          expect(toHex(w.body)).toBe(x.protectedResponseBody);
          s = w.session;
        }
      }
    });
  }
});
