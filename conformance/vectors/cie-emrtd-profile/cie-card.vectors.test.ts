/**
 * emrtd/README.md §3.6 CIE-profile regression vectors (GENERATED EXAMPLE, NOT OFFICIAL; see README.md)
 * through the emulated card with the real CIE EF.CardAccess and the reference inspection system:
 * PACE-CAN DH-GM-3DES on parameter 2 with an 8-byte nonce, the vector's private keys injected on
 * both sides; the first protected command must be the vector's, and the card must accept it.
 */
import { describe, expect, it } from 'vitest';
import { asciiBytes, bytesToBigInt } from '../../../emulator/src/bytes/bytes.ts';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import { sha256 } from '../../../emulator/src/crypto/hash.ts';
import {
  createEmrtdCard,
  personaliseEmrtdForSeed,
} from '../../../emulator/src/applications/emrtd/emrtd-card.ts';
import { DH_GROUP_2 } from '../../../emulator/src/protocols/domain/dh-groups.ts';
import { paceProtocol } from '../../../emulator/src/protocols/oids.ts';
import { InProcessChannel } from '../../../harness/channel/in-process-channel.ts';
import {
  pace,
  readCardAccess,
  selectApplication,
} from '../../../harness/terminals/emrtd/access-control.ts';
import { newSession } from '../../../harness/terminals/emrtd/inspection-system.ts';
import { privateKeyChunk, scriptedRng } from '../../../harness/terminals/emrtd/test-support.ts';
import v from './cie-profile.json' with { type: 'json' };

const key = (purpose: string): bigint =>
  (bytesToBigInt(sha256(asciiBytes(`cie-emu-vector-1|${purpose}`))) % (DH_GROUP_2.q - 1n)) + 1n;

describe('emrtd/README.md §3.6 CIE-profile vectors through the emulated card (generated example, not official)', () => {
  it('§3.6: default card: EF.CardAccess is the real CIE bytes; PACE-CAN gives the vector session and first SM command', async () => {
    const base = personaliseEmrtdForSeed('cie-profile-vector');
    const { card } = createEmrtdCard({
      personalisation: { ...base, chip: { ...base.chip, can: v.can } },
      strict: true,
      module: {
        paceEntropy: () => ({
          nonce: () => sha256(asciiBytes('cie-emu-vector-1|nonce')).slice(0, 8),
          privateKey: (_d, p) => key(p === 'mapping' ? 'map-ic' : 'eph-ic'),
        }),
      },
    });
    const channel = new InProcessChannel(card);
    await channel.connect();
    const s = newSession(channel, {
      rng: scriptedRng([privateKeyChunk(key('map-pcd'), 32), privateKeyChunk(key('eph-pcd'), 32)]),
    });
    const access = await readCardAccess(s);
    expect(toHex(access.bytes)).toBe(v.efCardAccess);
    expect(access.paceInfos.map((i) => i.protocol)).toEqual([paceProtocol(v.oidDotted)]);
    await pace(s, access.paceInfos[0] as NonNullable<(typeof access.paceInfos)[0]>, {
      kind: 'can',
      can: v.can,
    });
    const gaSteps = s.recorder.reports.find((r) => r.name.startsWith('PACE'))?.apdus ?? [];
    expect(gaSteps[1]?.response).toBe(`7C0A8008${v.encryptedNonce}9000`);
    expect(gaSteps[4]?.response).toBe(`7C0A8608${v.tIc}9000`);
    expect(gaSteps[4]?.command).toBe(`008600000C7C0A8508${v.tPcd}00`);
    expect(toHex(s.link.session?.kEnc ?? new Uint8Array(0))).toBe(v.ksEnc);
    await selectApplication(s);
    const select = s.recorder.reports.at(-1)?.apdus[0];
    expect(select?.command).toBe(v.firstSmCommand.protected);
    expect(select?.plainResponse).toBe('9000');
  });
});
