/**
 * ICAO Doc 9303-11 Appendix D.4 (3DES secure messaging), run on both sides of the codec and through
 * an emulated card. Provenance: README.md in this folder.
 */
import { cardState } from '../../../emulator/src/card/card-os.ts';
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
import { encodeSsc, smSession, type SmSession } from '../../../emulator/src/sm/sm-session.ts';
import { des3Suite } from '../../../emulator/src/sm/suites/des3.ts';
import { createSmTestCard, START_SM_APDU } from '../../../emulator/src/profiles/sm-test-card.ts';
import v from './appendix-d4.json' with { type: 'json' };

const start = (): SmSession =>
  smSession(des3Suite, fromHex(v.ksEnc), fromHex(v.ksMac), fromHex(v.sscStart));

describe('ICAO 9303-11 Appendix D.4: 3DES secure messaging', () => {
  it('D.4: the terminal side produces the published protected commands and accepts the published responses', () => {
    let s = start();
    for (const step of v.steps) {
      const w = wrapCommand(s, parseCommandApdu(fromHex(step.plainCommand)));
      expect(toHex(encodeCommandApdu(w.apdu)), step.name).toBe(step.protectedCommand);
      const u = unwrapResponse(w.session, w.apdu.ins, fromHex(step.protectedResponseBody));
      expect(toHex(encodeResponseApdu(u.response)), step.name).toBe(step.plainResponse);
      s = u.session;
    }
    expect(toHex(encodeSsc(s))).toBe(v.sscEnd);
  });

  it('D.4: the card-side codec unwraps the published commands and wraps the published responses', () => {
    let s = start();
    for (const step of v.steps) {
      const u = unwrapCommand(s, parseCommandApdu(fromHex(step.protectedCommand)));
      expect(toHex(encodeCommandApdu(u.apdu)), step.name).toBe(step.plainCommand);
      const w = wrapResponse(u.session, u.apdu.ins, parseResponseApdu(fromHex(step.plainResponse)));
      expect(toHex(w.body), step.name).toBe(step.protectedResponseBody);
      s = w.session;
    }
    expect(toHex(encodeSsc(s))).toBe(v.sscEnd);
  });

  it('D.4: an emulated card holding EF.COM answers the published commands byte for byte', () => {
    const card = createSmTestCard({
      mfChildren: [
        { kind: 'EF', fid: parseInt(v.efCom.fid, 16), name: 'EF.COM', content: v.efCom.content },
      ],
      session: start,
    });
    card.powerOn();
    expect(toHex(card.transmit(START_SM_APDU))).toBe('9000');
    for (const step of v.steps) {
      // The published bodies are followed by the outer status word, which mirrors DO 99 (9000).
      expect(toHex(card.transmit(fromHex(step.protectedCommand))), step.name).toBe(
        `${step.protectedResponseBody}9000`,
      );
    }
    const sm = cardState(card).sm;
    expect(sm && toHex(encodeSsc(sm))).toBe(v.sscEnd);
  });
});
