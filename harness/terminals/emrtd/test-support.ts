/**
 * Test doubles for the eMRTD terminal and card tests (the JMRTD `ScriptedCardService` pattern,
 * DESIGN.md §5): a channel that replays published responses and checks every command, and an
 * RNG that hands out scripted values first.
 */
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import type { Clock } from '../../../emulator/src/crypto/clock.ts';
import { seededRng, type Rng } from '../../../emulator/src/crypto/rng.ts';
import type { ApduChannel } from '../../channel/apdu-channel.ts';

import {
  createEmrtdCard,
  personaliseEmrtdForSeed,
  type EmrtdCard,
} from '../../../emulator/src/applications/emrtd/emrtd-card.ts';
import type { EmrtdModuleOptions } from '../../../emulator/src/applications/emrtd/emrtd-module.ts';
import { generateCitizen, type Citizen } from '../../../emulator/src/personalise/citizen.ts';
import { generateCvPki } from '../../../emulator/src/personalise/emrtd/cv-pki.ts';
import type { EmrtdPersonaliseOptions } from '../../../emulator/src/personalise/emrtd/personalise-emrtd.ts';
import {
  DEFAULT_PKI_SEED,
  generateTestPki,
} from '../../../emulator/src/personalise/pki/test-pki.ts';
import { mrzInformationFromTd1 } from '../../../emulator/src/protocols/bac/bac-keys.ts';
import { InProcessChannel } from '../../channel/in-process-channel.ts';
import { encodeCommandApdu, parseCommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import type { PaceInfo } from '../../../emulator/src/protocols/security-infos.ts';
import { wrapCommand } from '../../../emulator/src/sm/sm-codec.ts';
import type { SmSession } from '../../../emulator/src/sm/sm-session.ts';
import { pace, readCardAccess, selectApplication } from './access-control.ts';
import { newSession } from './inspection-system.ts';
import type { InspectionSession } from './inspection-session.ts';
import { credentialsOf, type TerminalCredentials } from './eac.ts';

export interface ScriptStep {
  readonly name?: string;
  readonly command: string;
  readonly response: string;
}

/** Replays `steps`; a command that differs from the script fails loudly with both hex forms. */
export class ScriptedChannel implements ApduChannel {
  readonly kind = 'scripted';
  readonly description = 'scripted card (published responses)';
  private readonly steps: readonly ScriptStep[];
  next = 0;
  readonly mismatches: string[] = [];

  constructor(steps: readonly ScriptStep[]) {
    this.steps = steps;
  }

  async connect(): Promise<Uint8Array> {
    return fromHex('3B8080010101');
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    const step = this.steps[this.next++];
    if (!step) {
      this.mismatches.push(`unexpected extra command ${toHex(command)}`);
      return fromHex('6F00');
    }
    if (toHex(command) !== step.command.toUpperCase())
      this.mismatches.push(
        `${step.name ?? `#${this.next}`}: sent ${toHex(command)}, published ${step.command}`,
      );
    return fromHex(step.response);
  }

  async reset(): Promise<Uint8Array> {
    return this.connect();
  }

  async close(): Promise<void> {}
}

/** An RNG that first returns the scripted chunks (each exactly as long as asked), then seeded bytes. */
export function scriptedRng(
  chunks: readonly (string | Uint8Array)[],
  seed = 'scripted-rng',
): Rng & { readonly used: () => number } {
  const queue = chunks.map((c) => (typeof c === 'string' ? fromHex(c) : c));
  const rest = seededRng(seed);
  let used = 0;
  return {
    bytes(n: number): Uint8Array {
      const next = queue.shift();
      if (!next) return rest.bytes(n);
      used++;
      if (next.length !== n)
        throw new Error(`scripted RNG: chunk of ${next.length} bytes, ${n} asked`);
      return concatBytes(next);
    },
    used: () => used,
  };
}

/** The bytes `randomBelow(rng, order − 1) + 1` turns into `key` (for scripting private keys). */
export function privateKeyChunk(key: bigint, orderBytes: number): Uint8Array {
  const v = key - 1n;
  return fromHex(v.toString(16).padStart(orderBytes * 2, '0'));
}

// ---------------------------------------------------------------------------------------------
// A default emulated card and the matching terminal credentials (same seed: same citizen, PKI).

export const TEST_SEED = 'emrtd-test';

export interface TestCard extends EmrtdCard {
  readonly channel: InProcessChannel;
  readonly citizen: Citizen;
  readonly mrzInformation: string;
  readonly cscas: readonly Uint8Array[];
}

export function testCard(
  options: {
    perso?: EmrtdPersonaliseOptions;
    module?: EmrtdModuleOptions;
    seed?: string;
    rngSeed?: string;
    clock?: Clock;
  } = {},
): TestCard {
  const seed = options.seed ?? TEST_SEED;
  const personalisation = personaliseEmrtdForSeed(seed, options.perso ?? {});
  const made = createEmrtdCard({
    personalisation,
    strict: true,
    rng: seededRng(options.rngSeed ?? `${seed}|card`),
    ...(options.module ? { module: options.module } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const citizen = generateCitizen(seed);
  return {
    ...made,
    channel: new InProcessChannel(made.card, 'eMRTD test card'),
    citizen,
    mrzInformation: mrzInformationFromTd1(citizen.mrz),
    cscas: [generateTestPki(DEFAULT_PKI_SEED).csca.certificate],
  };
}

export { credentialsOf };

/** IS credentials with DG3/DG4 rights (and, with `rights: false`, without). */
export function testCredentials(seed = TEST_SEED, rights = true): TerminalCredentials {
  const pki = generateCvPki(seed);
  return credentialsOf(rights ? pki.is : pki.isWithoutRights, pki.dv);
}

/** Runs PACE-CAN (first PACEInfo) and selects the application; returns the inspection session. */
export async function pacedSession(t: TestCard, can = t.citizen.can): Promise<InspectionSession> {
  const s = newSession(t.channel, { rng: seededRng('test-terminal') });
  if (!t.card.powered) await t.channel.connect();
  const access = await readCardAccess(s);
  await pace(s, access.paceInfos[0] as PaceInfo, { kind: 'can', can });
  await selectApplication(s);
  return s;
}

/** Wraps a plain command under the session without sending it (for corrupting it first). */
export function wrapOnly(s: InspectionSession, plain: Uint8Array): Uint8Array {
  const w = wrapCommand(s.link.session as SmSession, parseCommandApdu(plain));
  s.link.session = w.session;
  return encodeCommandApdu(w.apdu);
}
