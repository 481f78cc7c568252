/**
 * What a case (its preconditions and steps) sees while it runs: the channel behind a logging
 * wrapper, the ICS and tokens, the terminal-side SM session, variables captured by earlier steps,
 * and the tries budget. Every byte that goes to the card passes through {@link CaseContext.transmit}
 * and lands in the case's APDU log, so a verdict always carries the full exchange.
 */
import { HostError } from '../../emulator/src/host-error.ts';
import {
  encodeCommandApdu,
  parseCommandApdu,
  type CommandApdu,
} from '../../emulator/src/apdu/command-apdu.ts';
import { parseResponseApdu } from '../../emulator/src/apdu/response-apdu.ts';
import { concatBytes } from '../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import type { Rng } from '../../emulator/src/crypto/rng.ts';
import { SmError, unwrapResponse } from '../../emulator/src/sm/sm-codec.ts';
import type { SmSession } from '../../emulator/src/sm/sm-session.ts';
import type { ApduChannel } from '../../harness/channel/apdu-channel.ts';
import type { TriesBudget } from './budget.ts';
import type { Ics } from './ics.ts';
import type { ApduSource, LogEntry, Protection, StepResponse } from './model.ts';
import { protect } from './sm-faults.ts';
import { maskBytes, secretRanges } from '../../emulator/src/apdu/secret-masking.ts';

/** A placeholder value computed from the ICS or the context (`<LONG_FID>`, `<EMRTD_AID>`). */
export type Placeholder = (ctx: CaseContext) => Uint8Array;

export class PreconditionError extends HostError {
  readonly code = 'PRECONDITION_FAILED';
}

export class TemplateError extends HostError {
  readonly code = 'TEMPLATE';
}

export interface CaseContextInit {
  readonly channel: ApduChannel;
  readonly ics: Ics;
  readonly tokens: ReadonlySet<string>;
  readonly budget: TriesBudget;
  readonly rng: Rng;
  readonly placeholders: ReadonlyMap<string, Placeholder>;
  /** Host-side helpers suites attach (reference terminals, parsed card data). */
  readonly services: ReadonlyMap<string, unknown>;
  /** Keep PIN/PUK bytes in the log (default: masked with `2A`, traces/format/masking.ts). */
  readonly revealSecrets?: boolean;
}

const GET_RESPONSE_INS = 0xc0;

export class CaseContext {
  readonly ics: Ics;
  readonly tokens: ReadonlySet<string>;
  readonly budget: TriesBudget;
  readonly rng: Rng;
  readonly log: LogEntry[] = [];
  readonly vars = new Map<string, unknown>();
  /** Terminal-side secure-messaging session (set by preconditions, advanced by protected steps). */
  sm: SmSession | undefined;
  /** Label of the current phase in the log (`reset`, `precondition mf_selected`, `step 2`). */
  phase = 'reset';
  private readonly channel: ApduChannel;
  private readonly placeholders: ReadonlyMap<string, Placeholder>;
  private readonly services: ReadonlyMap<string, unknown>;
  private readonly t0 = performance.now();
  private readonly reveal: boolean;
  private seq = 0;

  constructor(init: CaseContextInit) {
    this.channel = init.channel;
    this.ics = init.ics;
    this.tokens = init.tokens;
    this.budget = init.budget;
    this.rng = init.rng;
    this.placeholders = init.placeholders;
    this.services = init.services;
    this.reveal = init.revealSecrets ?? false;
  }

  private masked(command: Uint8Array): string {
    return toHex(this.reveal ? command : maskBytes(command, secretRanges(command)));
  }

  /** A host-side service registered by a suite module (throws when absent). */
  service<T>(name: string): T {
    const s = this.services.get(name);
    if (s === undefined) throw new PreconditionError(`service ${name} is not available`);
    return s as T;
  }

  /** A value captured earlier in the case (throws when absent: the case is mis-written). */
  get<T>(name: string): T {
    if (!this.vars.has(name)) throw new TemplateError(`variable ${name} was not captured`);
    return this.vars.get(name) as T;
  }

  /** ATR of the last reset. */
  atr: Uint8Array = new Uint8Array(0);

  /** Warm reset; `keepSession` keeps the terminal's SM session (to show the card lost it). */
  async reset(keepSession = false): Promise<Uint8Array> {
    if (!keepSession) this.sm = undefined;
    const atr = await this.channel.reset();
    this.atr = atr;
    this.record(new Uint8Array(0), atr, { note: 'warm reset (ATR in response column)' });
    return atr;
  }

  /** Raw bytes to the card and back, logged. */
  async transmit(
    command: Uint8Array,
    extra: { plainCommand?: Uint8Array; plainResponse?: Uint8Array; note?: string } = {},
  ): Promise<Uint8Array> {
    const response = await this.channel.transmit(command);
    this.record(command, response, extra);
    return response;
  }

  private record(
    command: Uint8Array,
    response: Uint8Array,
    extra: { plainCommand?: Uint8Array; plainResponse?: Uint8Array; note?: string },
  ): void {
    this.log.push({
      seq: ++this.seq,
      phase: this.phase,
      command: this.masked(command),
      response: toHex(response),
      ...(extra.plainCommand ? { plainCommand: this.masked(extra.plainCommand) } : {}),
      ...(extra.plainResponse ? { plainResponse: toHex(extra.plainResponse) } : {}),
      t: Math.round((performance.now() - this.t0) * 100) / 100,
      ...(extra.note ? { note: extra.note } : {}),
    });
  }

  /** Adds the plain response to the last log entry (known only after unwrapping). */
  private annotateLast(plainResponse: Uint8Array): void {
    const last = this.log[this.log.length - 1];
    if (last) this.log[this.log.length - 1] = { ...last, plainResponse: toHex(plainResponse) };
  }

  /**
   * The case's channel as an {@link ApduChannel} for reference terminals: every exchange lands in
   * the log; `connect` answers the ATR of the case's reset without touching the card; `reset`
   * is a logged warm reset (the terminal-side session is dropped).
   */
  channelView(): ApduChannel {
    return {
      kind: 'conformance-case',
      description: 'conformance case',
      connect: async () => this.atr,
      transmit: async (c) => this.transmit(c),
      reset: async () => this.reset(),
      close: async () => undefined,
    };
  }

  /**
   * Copies plain forms recorded by a reference terminal onto the log entries of the same
   * commands (matched in order, from entry `from`), so reports show what was inside the SM.
   */
  mergePlainForms(
    records: readonly { command: string; plainCommand?: string; plainResponse?: string }[],
    from = 0,
  ): void {
    let i = from;
    for (const rec of records) {
      while (i < this.log.length && (this.log[i] as LogEntry).command !== rec.command) i++;
      const e = this.log[i];
      if (!e) return;
      if (rec.plainCommand || rec.plainResponse) {
        this.log[i] = {
          ...e,
          ...(rec.plainCommand && !e.plainCommand ? { plainCommand: rec.plainCommand } : {}),
          ...(rec.plainResponse && !e.plainResponse ? { plainResponse: rec.plainResponse } : {}),
        };
      }
      i++;
    }
  }

  /** Resolves a step's APDU source: hex template with `<NAME>` placeholders, or code. */
  resolve(source: Exclude<ApduSource, { raw: string } | { reset: true }>): CommandApdu {
    if (typeof source !== 'string') {
      const v = source(this);
      if (typeof v === 'string') return this.resolve(v);
      return v instanceof Uint8Array ? parseCommandApdu(v) : v;
    }
    const text = source.replace(/<([A-Z0-9_]+)>/g, (_m, name: string) =>
      toHex(this.placeholder(name)),
    );
    try {
      return parseCommandApdu(fromHex(text));
    } catch (e) {
      throw new TemplateError(`template ${source}: ${(e as Error).message}`);
    }
  }

  /** Raw bytes of a template, for steps that deliberately send malformed frames. */
  resolveRaw(source: string): Uint8Array {
    return fromHex(
      source.replace(/<([A-Z0-9_]+)>/g, (_m, name: string) => toHex(this.placeholder(name))),
    );
  }

  placeholder(name: string): Uint8Array {
    const v = this.vars.get(name);
    if (v instanceof Uint8Array) return v;
    const p = this.placeholders.get(name);
    if (!p) throw new TemplateError(`unknown placeholder <${name}>`);
    return p(this);
  }

  /**
   * Sends one command in plain or protected (with an optional deliberate fault) and returns the
   * observation: for protected commands the status and data come from a verified SM response
   * when the card sent one (`61xx` on the wire is collected with GET RESPONSE first).
   */
  async send(
    plain: CommandApdu,
    protection: Protection = 'plain',
    note?: string,
  ): Promise<StepResponse> {
    this.budget.beforeSend(plain.ins, plain.p2, plain.data);
    if (protection === 'plain') {
      const raw = await this.transmit(encodeCommandApdu(plain), note ? { note } : {});
      const r = parseResponseApdu(raw);
      this.budget.afterResponse(plain.ins, plain.p2, r.sw);
      return { sw: r.sw, data: r.data, protected: false, outerSw: r.sw, raw };
    }
    if (!this.sm) throw new PreconditionError('protected step without a secure-messaging session');
    const p = protect(this.sm, plain, protection);
    this.sm = p.session;
    const plainBytes = encodeCommandApdu(plain);
    const raw = await this.collect(
      await this.transmit(encodeCommandApdu(p.apdu), {
        plainCommand: plainBytes,
        note:
          note ??
          (protection === 'sm'
            ? ''
            : protection === 'sm-le-00'
              ? 'DO 97 00 without Le (desktop middleware form)'
              : `deliberate fault: ${protection}`),
      }),
    );
    const outer = parseResponseApdu(raw);
    if (outer.data.length === 0) {
      // A bare status word: the card answered in plain (SM errors end the session, ISO/IEC 7816-4 §6).
      this.budget.afterResponse(plain.ins, plain.p2, outer.sw);
      return { sw: outer.sw, data: outer.data, protected: false, outerSw: outer.sw, raw };
    }
    try {
      const u = unwrapResponse(this.sm, plain.ins, outer.data);
      this.sm = u.session;
      this.annotateLast(
        concatBytes(u.response.data, Uint8Array.of(u.response.sw >> 8, u.response.sw & 0xff)),
      );
      this.budget.afterResponse(plain.ins, plain.p2, u.response.sw);
      return { sw: u.response.sw, data: u.response.data, protected: true, outerSw: outer.sw, raw };
    } catch (e) {
      if (!(e instanceof SmError)) throw e;
      return {
        sw: outer.sw,
        data: outer.data,
        protected: false,
        outerSw: outer.sw,
        raw,
        smError: e.message,
      };
    }
  }

  /** Follows `61xx` with plain GET RESPONSE until the final status (ISO/IEC 7816-4:2020 §7.6.1). */
  private async collect(first: Uint8Array): Promise<Uint8Array> {
    let raw = first;
    const parts: Uint8Array[] = [];
    for (let guard = 0; guard < 64; guard++) {
      const r = parseResponseApdu(raw);
      if (r.sw >> 8 !== 0x61) break;
      parts.push(r.data);
      const le = r.sw & 0xff;
      raw = await this.transmit(Uint8Array.of(0x00, GET_RESPONSE_INS, 0x00, 0x00, le));
    }
    if (parts.length === 0) return raw;
    return concatBytes(...parts, raw);
  }
}
