/**
 * Shared pieces of the CIE IAS suite (`CIE_IAS_<GROUP>_<n>`): the ICS `ias` section, the
 * reference terminal (harness/terminals/ias) driven over the case's logging channel, and the
 * preconditions that walk the state machine of ias/README.md §10:
 *
 * ```
 * ias_selected ─► dfcie_selected ─► ias_keys_read ─► ias_sm_established (SMd) ─► dapp_done (SMa)
 *                                                                          ├─► pin_verified
 *                                                                          └─► puk_verified
 * ```
 * Each precondition runs the ones before it once per case; the terminal's SM session and the
 * case's (`ctx.sm`) are kept in step so steps continue where the terminal stopped.
 */
import { commandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { DF_CIE_AID, IAS_AID } from '../../../emulator/src/applications/ias/ias-constants.ts';
import { IasTerminal } from '../../../harness/terminals/ias/ias-terminal.ts';
import type { TerminalStyle } from '../../../harness/terminals/ias/styles.ts';
import { TerminalError } from '../../../harness/terminals/common/step-report.ts';
import { PreconditionError, type CaseContext, type Placeholder } from '../../lib/case-context.ts';
import type { IasIcs } from '../../lib/ics.ts';
import type { ConformanceCase, Reference } from '../../lib/model.ts';
import type { Precondition } from '../../lib/preconditions.ts';
import {
  SW_6983_AUTH_METHOD_BLOCKED,
  SW_9000_OK,
  retriesOf63C,
} from '../../../emulator/src/apdu/status-words.ts';

/** The `ias` section of the ICS (a case that needs it is inconclusive without it). */
export function iasIcs(ctx: CaseContext): IasIcs {
  if (!ctx.ics.ias) throw new PreconditionError('the ICS has no ias section');
  return ctx.ics.ias;
}

export function pin(ctx: CaseContext): string {
  const v = ctx.ics.secrets?.pin;
  if (!v)
    throw new PreconditionError(
      'the PIN of the card under test is not known (ICS secrets or --pin)',
    );
  return v;
}

export function puk(ctx: CaseContext): string {
  const v = ctx.ics.secrets?.puk;
  if (!v)
    throw new PreconditionError(
      'the PUK of the card under test is not known (ICS secrets or --puk)',
    );
  return v;
}

/** A PIN that differs from the real one in every digit (a wrong presentation). */
export function wrongSecret(value: string): string {
  return [...value].map((d) => String((Number(d) + 5) % 10)).join('');
}

const TERMINAL = 'ias.terminal';
const DONE = 'ias.done';
const MERGED = 'ias.merged';

/** The case's reference terminal (desktop style unless a case asks for another), created once. */
export function terminal(ctx: CaseContext, style: TerminalStyle = 'desktop'): IasTerminal {
  let t = ctx.vars.get(TERMINAL) as IasTerminal | undefined;
  if (!t) {
    t = new IasTerminal(ctx.channelView(), { style, rng: ctx.rng });
    ctx.vars.set(TERMINAL, t);
    ctx.vars.set(MERGED, 0);
  }
  return t;
}

/** Copies the terminal's recorded plain forms into the case log. */
function syncLog(ctx: CaseContext, t: IasTerminal): void {
  t.recorder.flushLoose();
  const all = t.reports.flatMap((r) => r.apdus);
  const merged = (ctx.vars.get(MERGED) as number | undefined) ?? 0;
  ctx.mergePlainForms(all.slice(merged));
  ctx.vars.set(MERGED, all.length);
}

/** Runs terminal work with the case's SM session, maps terminal errors to precondition failures. */
export async function withTerminal<T>(
  ctx: CaseContext,
  fn: (t: IasTerminal) => Promise<T>,
  style?: TerminalStyle,
): Promise<T> {
  const t = terminal(ctx, style);
  t.link.session = ctx.sm;
  try {
    return await fn(t);
  } catch (e) {
    if (e instanceof TerminalError)
      throw new PreconditionError(`IAS reference terminal: [${e.code}] ${e.message}`);
    throw e;
  } finally {
    ctx.sm = t.link.session;
    syncLog(ctx, t);
  }
}

type Stage =
  | 'ias_selected'
  | 'dfcie_selected'
  | 'ias_keys_read'
  | 'ias_sm_established'
  | 'dapp_done'
  | 'tries_known'
  | 'pin_verified'
  | 'puk_verified';

const STAGES: Readonly<
  Record<
    Stage,
    { after?: Stage; description: string; run: (ctx: CaseContext, t: IasTerminal) => Promise<void> }
  >
> = {
  ias_selected: {
    description: 'SELECT IAS as the detected client does (ias/README.md §1.3)',
    run: async (_c, t) => {
      await t.connect();
      await t.selectIas();
    },
  },
  dfcie_selected: {
    after: 'ias_selected',
    description: 'SELECT DF_CIE by AID (§2.1)',
    run: async (_c, t) => t.selectDfCie(),
  },
  ias_keys_read: {
    after: 'dfcie_selected',
    description: 'EF 1004, DH parameters (3 GET DATA) and the CA key read (§4.1 steps 1-2)',
    run: async (_c, t) => {
      await t.readIccAuthKey();
      await t.getDhParameters('separate');
      await t.getCaPublicKey();
    },
  },
  ias_sm_established: {
    after: 'ias_keys_read',
    description: 'DH key agreement: MSE SET KAT + GET DATA A6 91, SM active (state SMd, §4.1)',
    run: async (_c, t) => t.dhKeyExchange(),
  },
  dapp_done: {
    after: 'ias_sm_established',
    description: 'DAPP (§5.3): state SMa, SSC re-seeded',
    run: async (_c, t) => void (await t.dapp()),
  },
  tries_known: {
    after: 'dapp_done',
    description:
      'DAPP, then VERIFY without data for the PIN and the PUK: the tries budget learns both counters (ISO/IEC 7816-4 §7.5.6)',
    run: async (ctx, t) => {
      for (const ref of [0x81, 0x82]) {
        const r = await t.link.protected(commandApdu({ cla: 0, ins: 0x20, p1: 0, p2: ref }));
        const left = retriesOf63C(r.sw);
        if (left !== undefined) ctx.budget.learn(ref, left);
        else if (r.sw === SW_6983_AUTH_METHOD_BLOCKED) ctx.budget.learn(ref, 0);
      }
    },
  },
  pin_verified: {
    after: 'dapp_done',
    description: 'VERIFY PIN with the correct PIN (§5.4)',
    run: async (ctx, t) => {
      const v = await t.verify(0x81, pin(ctx));
      if (!v.ok) throw new PreconditionError(`VERIFY PIN refused: ${JSON.stringify(v)}`);
      ctx.budget.afterResponse(0x20, 0x81, SW_9000_OK);
    },
  },
  puk_verified: {
    after: 'dapp_done',
    description: 'VERIFY PUK with the correct PUK (§5.5)',
    run: async (ctx, t) => {
      const v = await t.verify(0x82, puk(ctx));
      if (!v.ok) throw new PreconditionError(`VERIFY PUK refused: ${JSON.stringify(v)}`);
      ctx.budget.afterResponse(0x20, 0x82, SW_9000_OK);
    },
  },
};

/** Brings the case to `stage` (running earlier stages not yet done in this case). */
export async function ensure(ctx: CaseContext, stage: Stage): Promise<void> {
  const done = (ctx.vars.get(DONE) as Set<Stage> | undefined) ?? new Set<Stage>();
  ctx.vars.set(DONE, done);
  if (done.has(stage)) return;
  const s = STAGES[stage];
  if (s.after) await ensure(ctx, s.after);
  await withTerminal(ctx, (t) => s.run(ctx, t));
  done.add(stage);
}

export const IAS_PRECONDITIONS: readonly Precondition[] = (Object.keys(STAGES) as Stage[]).map(
  (name) => ({
    name,
    description: STAGES[name].description,
    run: (ctx: CaseContext) => ensure(ctx, name),
  }),
);

const lv = (b: Uint8Array): Uint8Array => Uint8Array.of(b.length, ...b);

export const IAS_PLACEHOLDERS: ReadonlyMap<string, Placeholder> = new Map<string, Placeholder>([
  ['IAS_AID_LV', () => lv(IAS_AID)],
  ['DF_CIE_AID_LV', () => lv(DF_CIE_AID)],
  ['PIN', (ctx) => new TextEncoder().encode(pin(ctx))],
  ['PUK', (ctx) => new TextEncoder().encode(puk(ctx))],
  ['WRONG_PIN', (ctx) => new TextEncoder().encode(wrongSecret(pin(ctx)))],
  ['WRONG_PUK', (ctx) => new TextEncoder().encode(wrongSecret(puk(ctx)))],
]);

/** Case factory: `CIE_IAS_<GROUP>_<n>`, category `CIE_IAS_<GROUP>`, applicable to IAS cards. */
export function iasCase(
  group: string,
  n: number,
  title: string,
  refs: readonly Reference[],
  rest: Omit<ConformanceCase, 'id' | 'title' | 'suite' | 'category' | 'refs'>,
): ConformanceCase {
  return {
    id: `CIE_IAS_${group}_${n}`,
    title,
    suite: 'cie-ias',
    category: `CIE_IAS_${group}`,
    refs,
    ...rest,
    applies: ['IAS', ...(rest.applies ?? [])],
  };
}

export const hexOf = fromHex;
