/**
 * Judging one step: accepted status words, the form of a protected response, data checks
 * (ICAO Part 3 expected results: "a set of acceptable SWs, optionally response data empty,
 * optionally a required data prefix", emrtd/README.md §4.3, plus length, equality and code checks).
 */
import { equalBytes } from '../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import type { CaseContext } from './case-context.ts';
import type { DataCheck, Expectation, Protection, SmForm, StepResponse } from './model.ts';
import { swLabel, swMatchesAny } from './sw-match.ts';
import {
  SW_6282_END_OF_FILE,
  SW_6B00_WRONG_P1P2,
  SW_9000_OK,
} from '../../emulator/src/apdu/status-words.ts';

export interface Judgement {
  readonly passed: boolean;
  readonly expected: string;
  readonly observed: string;
  readonly message?: string;
}

/** The accepted patterns of an expectation, resolved against the context. */
export function acceptedSws(e: Expectation, ctx: CaseContext): readonly string[] {
  if (e.sw === 'success') return ['9000'];
  if (e.sw === 'error') return ['error'];
  if (typeof e.sw === 'function') return e.sw(ctx);
  return e.sw;
}

function describeCheck(c: DataCheck, ctx: CaseContext): string {
  if ('empty' in c) return 'no data';
  if ('prefix' in c) return `data starting ${c.prefix}`;
  if ('equals' in c)
    return `data = ${typeof c.equals === 'string' ? c.equals : shortHex(c.equals(ctx))}`;
  if ('length' in c) return `${typeof c.length === 'number' ? c.length : c.length(ctx)} data bytes`;
  if ('minLength' in c) return `≥ ${c.minLength} data bytes`;
  return c.what;
}

function shortHex(b: Uint8Array): string {
  const h = toHex(b);
  return h.length > 48 ? `${h.slice(0, 48)}… (${b.length} bytes)` : h;
}

/** Failure message of one data check, or undefined when it holds. */
function runCheck(c: DataCheck, data: Uint8Array, ctx: CaseContext): string | undefined {
  if ('empty' in c)
    return data.length === 0 ? undefined : `expected no data, got ${data.length} bytes`;
  if ('prefix' in c) {
    const p = fromHex(c.prefix);
    return data.length >= p.length && equalBytes(data.subarray(0, p.length), p)
      ? undefined
      : `data does not start with ${c.prefix}: ${shortHex(data)}`;
  }
  if ('equals' in c) {
    const want = typeof c.equals === 'string' ? fromHex(c.equals) : c.equals(ctx);
    return data.length === want.length && equalBytes(data, want)
      ? undefined
      : `data differs: expected ${shortHex(want)}, got ${shortHex(data)}`;
  }
  if ('length' in c) {
    const n = typeof c.length === 'number' ? c.length : c.length(ctx);
    return data.length === n ? undefined : `expected ${n} data bytes, got ${data.length}`;
  }
  if ('minLength' in c)
    return data.length >= c.minLength
      ? undefined
      : `expected at least ${c.minLength} data bytes, got ${data.length}`;
  try {
    return c.check(data, ctx);
  } catch (e) {
    return `${c.what}: ${(e as Error).message}`;
  }
}

function smMode(
  e: Expectation,
  accepted: readonly string[],
  protection: Protection,
  ctx: CaseContext,
): SmForm | undefined {
  if (protection === 'plain') return undefined;
  if (e.sm) return typeof e.sm === 'function' ? e.sm(ctx) : e.sm;
  return accepted.includes('9000') ? 'protected' : 'either';
}

/**
 * The outer status word a verified protected response must carry: `mirror` repeats DO 99
 * (ICAO 9303-11 §9.8); `ok` answers 9000 except for 6282 and 6B00 (ias/README.md §4.3 policy).
 */
export function expectedOuterSw(ctx: CaseContext, inner: number): number {
  if (ctx.ics.behaviour.smOuterSw === 'mirror') return inner;
  return inner === SW_6282_END_OF_FILE || inner === SW_6B00_WRONG_P1P2 ? inner : SW_9000_OK;
}

export function judge(
  e: Expectation,
  r: StepResponse,
  protection: Protection,
  ctx: CaseContext,
): Judgement {
  const accepted = acceptedSws(e, ctx);
  const checks: readonly DataCheck[] =
    e.data === undefined ? [] : Array.isArray(e.data) ? e.data : [e.data as DataCheck];
  const mode = smMode(e, accepted, protection, ctx);
  const form = mode === undefined ? '' : r.protected ? ' [SM]' : ' [plain]';
  const expected = `SW ${accepted.join('|')}${mode && mode !== 'either' ? ` (${mode} response)` : ''}${checks.length ? `; ${checks.map((c) => describeCheck(c, ctx)).join('; ')}` : ''}${e.why ? ` — ${e.why}` : ''}`;
  const observed = `${swLabel(r.sw)}${form}${r.data.length ? `, ${r.data.length} data bytes` : ''}${r.protected && r.outerSw !== r.sw ? `, outer SW ${swLabel(r.outerSw)}` : ''}`;
  const fail = (message: string): Judgement => ({ passed: false, expected, observed, message });
  if (r.smError) return fail(`response is not a valid SM response: ${r.smError}`);
  if (mode === 'protected' && !r.protected)
    return fail('expected a secure-messaging response, got a plain status word');
  if (mode === 'plain' && r.protected)
    return fail(
      'expected a plain status word (SM error ends the session), got a protected response',
    );
  if (!swMatchesAny(r.sw, accepted))
    return fail(`status ${swLabel(r.sw)} not in ${accepted.join(', ')}`);
  if (r.protected && r.outerSw !== expectedOuterSw(ctx, r.sw)) {
    return fail(
      `outer SW ${swLabel(r.outerSw)} does not follow the ICS policy smOuterSw=${ctx.ics.behaviour.smOuterSw} (expected ${swLabel(expectedOuterSw(ctx, r.sw))})`,
    );
  }
  for (const c of checks) {
    const m = runCheck(c, r.data, ctx);
    if (m !== undefined) return fail(m);
  }
  return { passed: true, expected, observed };
}
