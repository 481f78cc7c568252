/**
 * Named setup steps (ICAO Part 3 preconditions: "LDS application selected", "basic access
 * granted", …; emrtd/README.md §4.3), each implemented once. Suites register the ones that need their
 * reference terminals (`pace_done`, `ias_sm_established`, …); the generic ones live here.
 * A precondition that fails makes the case inconclusive: the card was not judged.
 */
import { commandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import { smSession } from '../../emulator/src/sm/sm-session.ts';
import { aesSuite } from '../../emulator/src/sm/suites/aes.ts';
import { des3Suite } from '../../emulator/src/sm/suites/des3.ts';
import { PreconditionError, type CaseContext } from './case-context.ts';
import type { Protection, StepResponse } from './model.ts';
import { swLabel, swMatchesAny } from './sw-match.ts';

export interface Precondition {
  readonly name: string;
  readonly description: string;
  run(ctx: CaseContext): Promise<void>;
}

export class PreconditionRegistry {
  private readonly entries = new Map<string, Precondition>();

  register(...list: readonly Precondition[]): this {
    for (const p of list) {
      if (this.entries.has(p.name)) throw new Error(`precondition ${p.name} registered twice`);
      this.entries.set(p.name, p);
    }
    return this;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  get(name: string): Precondition | undefined {
    return this.entries.get(name);
  }

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** Runs a precondition by name, logging under its name. */
  async run(name: string, ctx: CaseContext): Promise<void> {
    const p = this.entries.get(name);
    if (!p)
      throw new PreconditionError(
        `precondition ${name} is not available (its reference terminal is not installed)`,
      );
    const outer = ctx.phase;
    ctx.phase = `precondition ${name}`;
    try {
      await p.run(ctx);
    } finally {
      ctx.phase = outer;
    }
  }
}

/** Sends a setup command and insists on one of the accepted status words. */
export async function expectSetup(
  ctx: CaseContext,
  hex: string | Uint8Array,
  accepted: readonly string[] = ['9000'],
  protection: Protection = 'plain',
): Promise<StepResponse> {
  const apdu = ctx.resolve(typeof hex === 'string' ? hex : toHex(hex));
  const r = await ctx.send(apdu, protection);
  if (r.smError)
    throw new PreconditionError(
      `setup command ${toHex(ctx.resolveRaw(typeof hex === 'string' ? hex : toHex(hex)))}: ${r.smError}`,
    );
  if (!swMatchesAny(r.sw, accepted))
    throw new PreconditionError(
      `setup command answered ${swLabel(r.sw)}, expected ${accepted.join('|')}`,
    );
  return r;
}

/** Generic preconditions every suite may use. */
export const GENERIC_PRECONDITIONS: readonly Precondition[] = [
  {
    name: 'mf_selected',
    description:
      'SELECT MF by FID 3F00, no response data (00 A4 00 0C 02 3F 00; emrtd/README.md §1.3)',
    run: async (ctx) => void (await expectSetup(ctx, '00A4000C023F00')),
  },
  {
    name: 'app_selected',
    description: 'SELECT the ICS application DF by name, no response data',
    run: async (ctx) => {
      const aid = fromHex(ctx.ics.iso.application.aid);
      await expectSetup(ctx, toHex(Uint8Array.of(0x00, 0xa4, 0x04, 0x0c, aid.length, ...aid)));
    },
  },
  {
    name: 'sm_established',
    description:
      'a secure-messaging session, established the way the ICS declares (test hook, IAS DH, PACE or BAC)',
    run: async (ctx) => {
      const sm = ctx.ics.sm;
      if (!sm) throw new PreconditionError('ICS declares no secure-messaging establishment');
      if (sm.establish !== 'test-hook') {
        const registry = ctx.service<PreconditionRegistry>('preconditions');
        await registry.run(ESTABLISHERS[sm.establish], ctx);
        return;
      }
      const hook = sm.hook;
      if (!hook) throw new PreconditionError('ICS test-hook without hook data');
      await expectSetup(ctx, hook.command);
      ctx.sm = smSession(
        hook.suite === 'aes' ? aesSuite : des3Suite,
        fromHex(hook.kEnc),
        fromHex(hook.kMac),
        fromHex(hook.ssc),
      );
    },
  },
  {
    name: 'sm_ef_selected',
    description:
      'the ICS secure-messaging EF selected under secure messaging (after sm_established)',
    run: async (ctx) => {
      const ef = ctx.ics.sm?.ef;
      if (!ef) throw new PreconditionError('ICS declares no secure-messaging EF');
      if (ef.in === 'app') {
        const aid = fromHex(ctx.ics.iso.application.aid);
        await expectSetup(
          ctx,
          toHex(Uint8Array.of(0x00, 0xa4, 0x04, 0x0c, aid.length, ...aid)),
          ['9000'],
          'sm',
        );
      } else {
        await expectSetup(ctx, '00A4000C023F00', ['9000'], 'sm');
      }
      await expectSetup(
        ctx,
        toHex(Uint8Array.of(0x00, 0xa4, 0x02, 0x0c, 0x02, ...fromHex(ef.fid))),
        ['9000'],
        'sm',
      );
    },
  },
];

/** Which registered precondition establishes SM for each ICS choice. */
const ESTABLISHERS = {
  'ias-dh': 'ias_sm_established',
  pace: 'pace_done',
  bac: 'bac_done',
} as const;

/** A SELECT EF by FID under the current DF, as a command (used by several suites). */
export function selectEf(fid: Uint8Array, p2 = 0x0c): ReturnType<typeof commandApdu> {
  return commandApdu({ cla: 0x00, ins: 0xa4, p1: 0x02, p2, data: fid });
}
