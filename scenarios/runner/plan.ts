/**
 * What a journey will run with and whether it can: the variant of actors it runs with (its name in
 * reports), the reasons to skip it with those actors (loudly, with the reason), and how a failure
 * that matches a known defect of an actor is reported.
 */
import type { JourneyOptions } from './journey.ts';
import type { Scenario } from './load.ts';
import type { Variant } from './results.ts';
import type { Step } from './steps.ts';

export interface ExecutorOptions extends JourneyOptions {
  /** The report folder; the journey writes into `journeys/<slug>/`. */
  readonly reportDir: string;
  /** A physical card in this PC/SC reader. */
  readonly physicalReader?: string;
  /** Wrong PIN/PUK entries a physical card may still take in this run (shared, decremented). */
  readonly triesBudget?: { remaining: number };
  readonly virtualSlot?: number;
  /** A person watches (the browsers are started headed). */
  readonly headed?: boolean;
}

export function variantOf(s: Scenario, o: Pick<ExecutorOptions, 'physicalReader'>): Variant {
  const a = s.actors;
  return {
    sp: a.sp.kind + (a.sp.defects.length ? `(without ${a.sp.defects.join(',')})` : ''),
    idp:
      a.idp.kind +
      (a.idp.mode === 'preprod' ? ':preprod' : '') +
      (a.idp.defects.length ? `(${a.idp.defects.join(',')})` : ''),
    app:
      a.app.kind === 'agent'
        ? `agent:${a.app.channel}${a.app.isoDep === 'aosp' ? ':aosp' : ''}`
        : 'external',
    card: o.physicalReader ? `physical:${o.physicalReader}` : a.card.spec,
    browser: a.browser.device,
  };
}

export function journeyName(id: string, v: Variant): string {
  return `${id} [sp=${v.sp} app=${v.app} card=${v.card}]`;
}

/** Wrong PIN/PUK entries a journey makes (a physical card's tries budget must cover them). */
export function wrongEntries(steps: readonly Step[]): number {
  return steps.filter((s) =>
    Object.entries(s).some(
      ([k, v]) => ['pin', 'lastFour', 'puk', 'old'].includes(k) && v === 'wrong',
    ),
  ).length;
}

/** Why a journey cannot run with these actors (it is skipped, loudly), or undefined. */
export function skipReason(s: Scenario, o: ExecutorOptions): string | undefined {
  if (s.pending) return `pending: ${s.pending}`;
  const usesNfc = s.steps.some(
    (x) =>
      x.do === 'card.away' ||
      x.do === 'card.back' ||
      ('faults' in x && (x.faults?.length ?? 0) > 0),
  );
  if (usesNfc && s.actors.app.channel !== 'nfc')
    return `needs the NFC channel (tag faults, card away), not ${s.actors.app.channel}`;
  if (
    s.actors.app.kind === 'external' &&
    s.steps.some((x) => x.do.startsWith('app.') && x.do !== 'app.scan-qr')
  )
    return 'an external app is driven by its own UI tests: only QR journeys wait for it';
  if (s.steps.some((x) => x.do === 'idp.reader-login')) {
    if (o.physicalReader)
      return 'the desktop reader journey serves an emulated card to the PKCS#11 module; a physical card is paired and served by `ciebench middleware` itself';
    if (s.actors.app.channel === 'pcsc')
      return "the desktop's reader holds the journey's card in this process, not in the virtual PC/SC reader (agent:pcsc)";
  }
  if (o.physicalReader) {
    const st = s.actors.card.state;
    if (
      s.actors.card.fixed ||
      st.pinTries !== undefined ||
      st.pukTries !== undefined ||
      st.certificate !== 'valid'
    )
      return 'needs an emulated card in a given state (a physical card is used as it is)';
    if (usesNfc) return 'needs an emulated card on the NFC endpoint';
    const wrong = wrongEntries(s.steps);
    const budget = o.triesBudget?.remaining ?? 0;
    if (wrong > budget)
      return `makes ${wrong} wrong PIN/PUK entries; the physical card's tries budget left is ${budget} (--tries-budget)`;
  }
  return undefined;
}

/**
 * A failure that matches a known defect of the journey is reported as that defect (skipped, with
 * both reasons); a journey with known defects that passes fails, so the entry goes once fixed.
 */
export function knownDefectVerdict(
  s: Pick<Scenario, 'knownDefects'>,
  reason: string | undefined,
): { verdict: 'passed' | 'failed' | 'skipped'; reason?: string } {
  if (reason === undefined)
    return s.knownDefects.length > 0
      ? {
          verdict: 'failed',
          reason: `passed although a known defect is listed (${s.knownDefects.map((k) => k.reason).join('; ')}): remove the entry`,
        }
      : { verdict: 'passed' };
  const known = s.knownDefects.find((k) => new RegExp(k.match).test(reason));
  return known
    ? { verdict: 'skipped', reason: `known defect: ${known.reason} — ${reason}` }
    : { verdict: 'failed', reason };
}

export function slug(name: string): string {
  return name
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/_+$/, '')
    .slice(0, 120);
}
