/**
 * ICAO Doc 9303-11 Appendix D.3–D.4 through the emulated eMRTD application and from the reference
 * inspection system (provenance: README.md in this folder). The card is personalised with the
 * appendix's MRZ and EF.COM, and its RNG is scripted with the published RND.IC and K.IC: the
 * published MUTUAL AUTHENTICATE answer and the three D.4 protected exchanges must come back byte
 * for byte, which shows that BAC on the card establishes exactly the published session.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import {
  createEmrtdCard,
  personaliseEmrtdForSeed,
} from '../../../emulator/src/applications/emrtd/emrtd-card.ts';
import type { EmrtdPersonalisation } from '../../../emulator/src/personalise/emrtd/personalise-emrtd.ts';
import { bac } from '../../../harness/terminals/emrtd/access-control.ts';
import { readLdsFile } from '../../../harness/terminals/emrtd/file-reader.ts';
import { newSession } from '../../../harness/terminals/emrtd/inspection-system.ts';
import { EF_COM } from '../../../harness/terminals/emrtd/lds.ts';
import { ScriptedChannel, scriptedRng } from '../../../harness/terminals/emrtd/test-support.ts';
import d from './appendix-d.json' with { type: 'json' };

const SELECT_AID = { command: '00A4040C07A0000002471001', response: '9000' };

function appendixCard(): ReturnType<typeof createEmrtdCard> {
  const base = personaliseEmrtdForSeed('icao-appendix-d');
  const personalisation: EmrtdPersonalisation = {
    ...base,
    files: { ...base.files, com: d.d4.efCom },
    chip: { ...base.chip, mrzInformation: d.mrzInformation },
  };
  return createEmrtdCard({ personalisation, strict: true, rng: scriptedRng([d.rndIc, d.kIc]) });
}

describe('ICAO 9303-11 Appendix D.3–D.4 through the emulated card', () => {
  it('D.3: GET CHALLENGE and MUTUAL AUTHENTICATE answer the published bytes; D.4: the three protected exchanges match', () => {
    const { card } = appendixCard();
    card.powerOn();
    expect(toHex(card.transmit(fromHex(SELECT_AID.command)))).toBe(SELECT_AID.response);
    expect(toHex(card.transmit(fromHex(d.getChallenge.command)))).toBe(d.getChallenge.response);
    expect(toHex(card.transmit(fromHex(d.mutualAuthenticate.command)))).toBe(
      d.mutualAuthenticate.response,
    );
    for (const [i, step] of d.d4.steps.entries())
      expect(toHex(card.transmit(fromHex(step.command))), `D.4 step ${i + 1}`).toBe(step.response);
  });

  it('D.3: a second MUTUAL AUTHENTICATE reusing the consumed challenge is refused (6985)', () => {
    const { card } = appendixCard();
    card.powerOn();
    card.transmit(fromHex(SELECT_AID.command));
    card.transmit(fromHex(d.getChallenge.command));
    card.transmit(fromHex(d.mutualAuthenticate.command));
    card.transmit(fromHex(SELECT_AID.command)); // plain: ends the session
    expect(toHex(card.transmit(fromHex(d.mutualAuthenticate.command)))).toBe('6985');
  });
});

describe('ICAO 9303-11 Appendix D.3–D.4 from the reference inspection system', () => {
  it('D.3–D.4: BAC and the EF.COM read (SELECT + two READ BINARY) produce the published commands', async () => {
    const channel = new ScriptedChannel([
      SELECT_AID,
      d.getChallenge,
      d.mutualAuthenticate,
      ...d.d4.steps,
    ]);
    const s = newSession(channel, { rng: scriptedRng([d.rndIfd, d.kIfd]), read: { bySfi: false } });
    await bac(s, d.mrzInformation);
    const com = await readLdsFile(s, EF_COM);
    expect(channel.mismatches).toEqual([]);
    expect(toHex(com)).toBe(d.d4.efCom);
    expect(s.link.session?.ssc).toBe(BigInt(`0x${d.ssc}`) + 6n);
  });
});
