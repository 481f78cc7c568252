/**
 * The card operating system: the fixed pipeline every command goes through (DESIGN.md §2).
 *
 * ```
 * bytes ─► power check ─► parse ─► CLA/INS checks ─► pending GET RESPONSE? ──────────────┐
 *          ─► SM unwrap (or end the session on a plain command) ─► chaining               │
 *          ─► dispatch by INS (current application) ─► access check ─► handler            │
 *          ─► Ne (6Cxx / 61xx / truncate) ─► data only with 61/62/63/9x ─► SM wrap        │
 *          ─► split for transport (61xx) ─► encode ◄───────────────────────────────────────┘
 * ```
 * Handlers throw {@link CardError}; the single `try` in {@link CardOs.transmit} converts it. Any
 * other exception becomes `6F00` and is recorded as a fault; in strict mode (tests) it is rethrown
 * so that bugs never hide behind `6F00` (DESIGN.md rule 4).
 *
 * Secure-messaging session rule (ICAO 9303-11 §9.8.4-9.8.5; BSI TR-03110-3 Appendix F): the
 * session ends on an SM error and on a plain command. The pipeline applies it to every command the
 * card does not take as part of the session, including those refused before SM processing: a
 * malformed APDU, an unsupported class, a logical channel, proprietary SM, an invalid INS or an
 * extended length the personality lacks — all answered in plain, so the terminal's counter is out
 * of step anyway, and keeping the keys (with the verified PIN) alive would only let an attacker
 * continue the session. GET RESPONSE fetching the rest of a protected answer is part of it. The
 * end or replacement of a session is one {@link SmSessionEvent} sent to every application.
 */
import { HostError } from '../host-error.ts';
import { decodeCla, type ClaInfo } from '../apdu/cla.ts';
import { equalBytes } from '../bytes/bytes.ts';
import {
  ApduFormatError,
  commandApdu,
  encodeCommandApdu,
  parseCommandApdu,
  type CommandApdu,
} from '../apdu/command-apdu.ts';
import { INS_C0_GET_RESPONSE, isInvalidIns } from '../apdu/ins.ts';
import { encodeResponseApdu, type ResponseApdu } from '../apdu/response-apdu.ts';
import {
  SW_6700_WRONG_LENGTH,
  SW_6881_LOGICAL_CHANNEL_NOT_SUPPORTED,
  SW_6882_SM_NOT_SUPPORTED,
  SW_6883_LAST_COMMAND_OF_CHAIN_EXPECTED,
  SW_6884_CHAINING_NOT_SUPPORTED,
  SW_6982_SECURITY_STATUS_NOT_SATISFIED,
  SW_6988_SM_DATA_OBJECTS_INCORRECT,
  SW_6A86_INCORRECT_P1P2,
  SW_6B00_WRONG_P1P2,
  SW_6282_END_OF_FILE,
  SW_6D00_INS_NOT_SUPPORTED,
  SW_6E00_CLA_NOT_SUPPORTED,
  SW_6F00_NO_PRECISE_DIAGNOSIS,
  SW_9000_OK,
  swAllowsData,
  describeSw,
  type StatusWord,
} from '../apdu/status-words.ts';
import { systemClock, type Clock } from '../crypto/clock.ts';
import { systemRng, type Rng } from '../crypto/rng.ts';
import { satisfies } from '../iso7816/access.ts';
import type { FileSystem } from '../iso7816/fs/file-system.ts';
import { isDf, type DfNode, type EfNode, type FsNode } from '../iso7816/fs/nodes.ts';
import { isoApplication } from '../iso7816/iso-application.ts';
import { SecurityEnvironment } from '../security/security-environment.ts';
import { SecurityStatus } from '../security/security-status.ts';
import { SmError, unwrapCommand, wrapResponse } from '../sm/sm-codec.ts';
import type { SmSession } from '../sm/sm-session.ts';
import type {
  Application,
  CommandHandler,
  HandlerEntry,
  SmReplaceOptions,
  SmSessionEvent,
} from './application.ts';
import { Context } from './card-context.ts';
import type { CardObserver, EmulatedCard, ObservableCard, PowerEvent } from './card.ts';
import { CardError } from './card-error.ts';
import { cardOptions, type CardOptions } from './card-options.ts';
import { chainKey, joinChain, type ChainBuffer } from './chaining.ts';
import {
  applyNe,
  splitForTransport,
  takePending,
  type PendingResponse,
} from './response-length.ts';

export interface CardOsConfig {
  readonly atr: Uint8Array;
  readonly fileSystem: FileSystem;
  /** Applications by id; DFs name them in `application`. The MF's defaults to a plain ISO application. */
  readonly applications?: readonly Application[];
  readonly options?: Partial<CardOptions>;
  readonly rng?: Rng;
  readonly clock?: Clock;
  /** Rethrow unexpected exceptions instead of answering `6F00` (tests). */
  readonly strict?: boolean;
}

export class CardConfigError extends HostError {
  readonly code = 'CARD_CONFIG';
}

/** Everything that a power cycle forgets (DESIGN.md §4: one record, one reset path). */
interface VolatileState {
  df: DfNode;
  ef: EfNode | undefined;
  app: Application;
  sm: SmSession | undefined;
  chain: ChainBuffer | undefined;
  pending: PendingResponse | undefined;
  challenge: Uint8Array | undefined;
  readonly security: SecurityStatus;
  readonly se: SecurityEnvironment;
}

const EMPTY = new Uint8Array(0);
const MF_APP_ID = 'iso';

interface PendingSmChange {
  readonly session: SmSession | undefined;
}

function plain(sw: StatusWord): ResponseApdu {
  return { data: EMPTY, sw };
}

export class CardOs implements EmulatedCard {
  readonly atr: Uint8Array;
  readonly fs: FileSystem;
  readonly options: CardOptions;
  readonly rng: Rng;
  readonly clock: Clock;
  readonly strict: boolean;
  /** Unexpected exceptions answered with `6F00` (non-strict mode). */
  readonly faults: Error[] = [];
  private readonly apps = new Map<string, Application>();
  private readonly observers: CardObserver[] = [];
  private isPowered = false;
  private s: VolatileState;
  private readonly ctx: Context;
  // Per-command scratch, read by the context.
  notes: string[] | undefined;
  nextSm: PendingSmChange | undefined;
  smProtected = false;
  chained = false;
  /** Commands dispatched to an application since power-on (see CommandContext.commandNumber). */
  commandNumber = 0;

  constructor(config: CardOsConfig) {
    this.atr = config.atr;
    this.fs = config.fileSystem;
    this.options = cardOptions(config.options);
    this.rng = config.rng ?? systemRng;
    this.clock = config.clock ?? systemClock;
    this.strict = config.strict ?? false;
    this.apps.set(MF_APP_ID, isoApplication(MF_APP_ID));
    for (const app of config.applications ?? []) this.apps.set(app.id, app);
    for (const node of this.fs.all()) {
      if (isDf(node) && node.application && !this.apps.has(node.application)) {
        throw new CardConfigError(
          `DF ${node.name ?? node.fid} names unknown application '${node.application}'`,
        );
      }
    }
    this.s = this.freshState();
    this.ctx = new Context(this);
  }

  get powered(): boolean {
    return this.isPowered;
  }

  /** Current volatile state, read-only, for tests and the control API. */
  get state(): Readonly<VolatileState> {
    return this.s;
  }

  observe(observer: CardObserver): () => void {
    this.observers.push(observer);
    return () => {
      const i = this.observers.indexOf(observer);
      if (i >= 0) this.observers.splice(i, 1);
    };
  }

  application(id: string): Application | undefined {
    return this.apps.get(id);
  }

  powerOn(): Uint8Array {
    this.forget();
    this.isPowered = true;
    this.emitPower({ kind: 'power-on', t: this.clock.nowMicros(), atr: this.atr });
    return this.atr;
  }

  powerOff(): void {
    this.forget();
    this.isPowered = false;
    this.emitPower({ kind: 'power-off', t: this.clock.nowMicros() });
  }

  reset(): Uint8Array {
    this.forget();
    this.isPowered = true;
    this.emitPower({ kind: 'reset', t: this.clock.nowMicros(), atr: this.atr });
    return this.atr;
  }

  transmit(command: Uint8Array): Uint8Array {
    const observed = this.observers.length > 0;
    const tStart = observed ? this.clock.nowMicros() : 0;
    this.notes = undefined;
    this.nextSm = undefined;
    this.smProtected = false;
    this.chained = false;
    let trace: { plainCommand?: Uint8Array; plainResponse?: Uint8Array } | undefined = observed
      ? {}
      : undefined;
    let out: Uint8Array;
    try {
      out = this.process(command, trace);
    } catch (e) {
      if (this.strict) throw e;
      const err = e instanceof Error ? e : new Error(String(e));
      this.faults.push(err);
      this.note(`internal fault: ${err.message}`);
      trace = observed ? {} : undefined;
      out = encodeResponseApdu(plain(SW_6F00_NO_PRECISE_DIAGNOSIS));
    }
    if (observed) {
      const event = {
        command: command.slice(),
        response: out,
        ...trace,
        tStart,
        tEnd: this.clock.nowMicros(),
        notes: this.notes ?? [],
      };
      for (const o of this.observers) o.exchange?.(event);
    }
    return out;
  }

  note(text: string): void {
    (this.notes ??= []).push(text);
  }

  // -------------------------------------------------------------------------------------------

  private freshState(): VolatileState {
    const mf = this.fs.mf;
    return {
      df: mf,
      ef: undefined,
      app: this.appFor(mf),
      sm: undefined,
      chain: undefined,
      pending: undefined,
      challenge: undefined,
      security: new SecurityStatus(),
      se: new SecurityEnvironment(),
    };
  }

  private forget(): void {
    this.s = this.freshState();
    this.commandNumber = 0;
    for (const app of this.apps.values()) app.powerReset?.();
  }

  private emitPower(ev: PowerEvent): void {
    for (const o of this.observers) o.power?.(ev);
  }

  private appFor(df: DfNode): Application {
    for (let d: DfNode | undefined = df; d; d = d.parent) {
      if (d.application) return this.apps.get(d.application) as Application;
    }
    return this.apps.get(MF_APP_ID) as Application;
  }

  /** Selection, with the application switch that comes with it. */
  select(node: FsNode): void {
    const df = isDf(node) ? node : node.parent;
    this.s.df = df;
    this.s.ef = isDf(node) ? undefined : node;
    const app = this.appFor(df);
    if (app !== this.s.app) {
      this.s.security.endScope('application');
      this.s.app = app;
      app.activated?.(this.ctx);
    }
  }

  get volatile(): VolatileState {
    return this.s;
  }

  /**
   * A handler asks for a new session (or none) after its response: the old session's rights end
   * now (see {@link CommandContext.setSmSessionAfterResponse}); the keys switch after the response.
   */
  requestSmChange(next: SmSession | undefined, options: SmReplaceOptions = {}): void {
    const current = this.s.sm;
    this.nextSm = { session: next };
    if (current === undefined) return;
    if (next === undefined)
      return this.sessionChanged({ kind: 'ended', reason: 'ended by the application' });
    const sameKeys = equalBytes(current.kEnc, next.kEnc) && equalBytes(current.kMac, next.kMac);
    if (sameKeys) return; // a counter re-seed: the same session
    const rights = options.keepFlags ? 'kept' : 'revoked';
    this.sessionChanged({ kind: 'replaced', rights });
  }

  /** The pipeline ends the session now (plain command, SM error, refused command, plain error). */
  private endSm(reason: string): void {
    if (!this.s.sm) return;
    this.s.sm = undefined;
    this.nextSm = undefined;
    this.sessionChanged({ kind: 'ended', reason });
  }

  /** The one place a session change takes effect: flags, then every application, then the trace. */
  private sessionChanged(event: SmSessionEvent): void {
    if (!(event.kind === 'replaced' && event.rights === 'kept'))
      this.s.security.endScope('sm-session');
    for (const app of this.apps.values()) app.smSessionChanged?.(event, this.ctx);
    this.note(
      event.kind === 'ended'
        ? `SM session ended: ${event.reason}`
        : `SM session replaced (rights ${event.rights})`,
    );
  }

  private process(
    raw: Uint8Array,
    trace: { plainCommand?: Uint8Array; plainResponse?: Uint8Array } | undefined,
  ): Uint8Array {
    if (!this.isPowered) {
      this.note('command received while the card is not powered');
      return encodeResponseApdu(plain(SW_6F00_NO_PRECISE_DIAGNOSIS));
    }
    let apdu: CommandApdu;
    try {
      apdu = parseCommandApdu(raw);
    } catch (e) {
      if (!(e instanceof ApduFormatError)) throw e;
      this.note(e.message);
      return this.refuse(e.sw, 'malformed command');
    }
    const cla = decodeCla(apdu.cla);
    const early = this.checkHeader(apdu, cla);
    if (early !== undefined) return this.refuse(early, 'command refused before SM processing');

    if (apdu.ins === INS_C0_GET_RESPONSE && this.s.pending) return this.serveGetResponse(apdu);
    this.s.pending = undefined;

    let command = apdu;
    if (cla.sm !== 'none') {
      if (!this.s.sm) {
        this.note('protected command without an SM session');
        return encodeResponseApdu(plain(SW_6988_SM_DATA_OBJECTS_INCORRECT));
      }
      try {
        const u = unwrapCommand(this.s.sm, apdu);
        this.s.sm = u.session;
        command = u.apdu;
        this.smProtected = true;
      } catch (e) {
        if (!(e instanceof SmError)) throw e;
        this.endSm(e.message);
        this.s.chain = undefined;
        return encodeResponseApdu(plain(e.sw));
      }
      if (trace) trace.plainCommand = encodeCommandApdu(command);
    } else if (this.s.sm) {
      this.endSm('plain command');
    }

    let response = this.execute(command);
    if (!swAllowsData(response.sw) && response.data.length > 0) response = plain(response.sw);
    let wire = response;
    if (this.smProtected && this.s.sm) {
      if (trace) trace.plainResponse = encodeResponseApdu(response);
      wire = this.protect(command.ins, response);
    }
    if (this.nextSm) this.s.sm = this.nextSm.session;
    const shaped = splitForTransport(wire, apdu, this.options);
    if (shaped.pending) this.s.pending = shaped.pending;
    return encodeResponseApdu(shaped.response);
  }

  /** A plain error for a command the card does not take; an SM session ends with it. */
  private refuse(sw: StatusWord, why: string): Uint8Array {
    this.endSm(`${why} (${describeSw(sw).name})`);
    return encodeResponseApdu(plain(sw));
  }

  /** CLA and INS checks that need no application state beyond the proprietary-CLA switch. */
  private checkHeader(apdu: CommandApdu, cla: ClaInfo): StatusWord | undefined {
    if (apdu.form === 'extended' && !this.options.extendedLength) return SW_6700_WRONG_LENGTH;
    if (cla.kind === 'invalid') return SW_6E00_CLA_NOT_SUPPORTED;
    if (cla.kind === 'proprietary' && !this.s.app.proprietaryCla) return SW_6E00_CLA_NOT_SUPPORTED;
    if (cla.channel !== 0) return SW_6881_LOGICAL_CHANNEL_NOT_SUPPORTED;
    if (cla.sm === 'proprietary') return SW_6882_SM_NOT_SUPPORTED;
    if (isInvalidIns(apdu.ins)) return SW_6D00_INS_NOT_SUPPORTED;
    return undefined;
  }

  private serveGetResponse(apdu: CommandApdu): Uint8Array {
    const pending = this.s.pending as PendingResponse;
    if (apdu.p1 !== 0 || apdu.p2 !== 0)
      return this.refuse(SW_6A86_INCORRECT_P1P2, 'bad GET RESPONSE');
    if (apdu.data.length > 0) return this.refuse(SW_6700_WRONG_LENGTH, 'bad GET RESPONSE');
    const shaped = takePending(pending, apdu.ne, this.options);
    this.s.pending = shaped.pending;
    return encodeResponseApdu(shaped.response);
  }

  /** SM wrap with the personality's outer-status policy (ias/README.md §4.3; ICAO 9303-11 §9.8). */
  private protect(ins: number, response: ResponseApdu): ResponseApdu {
    const session = this.s.sm as SmSession;
    const isError = !swAllowsData(response.sw);
    if (isError && !this.options.smWrapErrors) {
      this.endSm(`error ${describeSw(response.sw).name} answered in plain`);
      return response;
    }
    const w = wrapResponse(session, ins, response);
    this.s.sm = w.session;
    let outer = response.sw;
    if (
      this.options.smOuterSw === 'ok' &&
      response.sw !== SW_6282_END_OF_FILE &&
      response.sw !== SW_6B00_WRONG_P1P2
    )
      outer = SW_9000_OK;
    return { data: w.body, sw: outer };
  }

  /** Chaining, dispatch, access check, handler and Ne; CardError becomes a bare status word. */
  private execute(command: CommandApdu): ResponseApdu {
    this.commandNumber++;
    try {
      const entry = this.s.app.handlers.get(command.ins);
      if (!entry)
        throw new CardError(
          SW_6D00_INS_NOT_SUPPORTED,
          `INS ${command.ins.toString(16)} not in application '${this.s.app.id}'`,
        );
      const full = this.chain(command, entry);
      if (full === undefined) return plain(SW_9000_OK);
      if (full.data.length > this.options.maxCommandData)
        throw new CardError(SW_6700_WRONG_LENGTH, `Nc ${full.data.length} above the maximum`);
      if (entry.requires && !satisfies(entry.requires, this.s.security))
        throw new CardError(SW_6982_SECURITY_STATUS_NOT_SATISFIED);
      const r = entry.handle(this.ctx, full);
      const shaped = applyNe(r, full, this.options, this.smProtected);
      if (shaped.pending) this.s.pending = shaped.pending;
      return shaped.response;
    } catch (e) {
      if (!(e instanceof CardError)) throw e;
      this.note(`${describeSw(e.sw).name}: ${e.message}`);
      return plain(e.sw);
    }
  }

  /** Returns the complete command to execute, or undefined when a segment was only stored. */
  private chain(command: CommandApdu, entry: HandlerEntry): CommandApdu | undefined {
    const more = (command.cla & 0x10) !== 0;
    const key = chainKey(command.cla, command.ins, command.p1, command.p2);
    const pending = this.s.chain;
    if (pending && (pending.key !== key || pending.protectedChain !== this.smProtected)) {
      this.s.chain = undefined;
      throw new CardError(
        SW_6883_LAST_COMMAND_OF_CHAIN_EXPECTED,
        'command outside the pending chain',
      );
    }
    const mode = entry.chaining ?? 'refuse';
    if (!more) {
      if (!pending) return command;
      this.s.chain = undefined;
      const data = joinChain(pending, command.data);
      return commandApdu({
        cla: command.cla,
        ins: command.ins,
        p1: command.p1,
        p2: command.p2,
        data,
        ne: command.ne,
      });
    }
    if (mode === 'refuse') throw new CardError(SW_6884_CHAINING_NOT_SUPPORTED);
    if (mode === 'per-segment') {
      this.chained = true;
      return command;
    }
    const buffer = pending ?? { key, protectedChain: this.smProtected, parts: [], length: 0 };
    buffer.length += command.data.length;
    if (buffer.length > this.options.maxChainedData) {
      this.s.chain = undefined;
      throw new CardError(SW_6700_WRONG_LENGTH, 'chained data above the maximum');
    }
    buffer.parts.push(command.data.slice());
    this.s.chain = buffer;
    return undefined;
  }
}

/**
 * Hooks into an emulated card for the conformance suite's mutation check, and nothing else: the
 * check proves the suite can fail by breaking one rule at a time, which means reaching inside a
 * card. A card changed through these hooks is no longer the emulated CIE. Cards are handed out as
 * the {@link EmulatedCard} contract; this is the one documented way past it.
 */
export interface MutationHooks {
  /** Wraps the handler of INS `ins` in application `appId` (the table-override pattern). */
  overrideHandler(appId: string, ins: number, wrap: (h: CommandHandler) => CommandHandler): void;
  /** The secure-messaging session open now, if any. */
  smSession(): SmSession | undefined;
  /** Installs `session` as the open session (a mutant that keeps a session the card must end). */
  setSmSession(session: SmSession | undefined): void;
}

/** The {@link MutationHooks} of a card made by this emulator (throws for any other card). */
export function mutationHooks(card: EmulatedCard): MutationHooks {
  if (!(card instanceof CardOs)) throw new TypeError('mutation hooks exist only on emulated cards');
  return {
    overrideHandler(appId, ins, wrap) {
      const app = card.application(appId);
      const entry = app?.handlers.get(ins);
      if (!app || !entry)
        throw new TypeError(`no handler for INS ${ins.toString(16)} in '${appId}'`);
      (app.handlers as Map<number, HandlerEntry>).set(ins, {
        ...entry,
        handle: wrap(entry.handle),
      });
    },
    smSession: () => card.volatile.sm,
    setSmSession(session) {
      card.volatile.sm = session;
    },
  };
}

/**
 * The volatile state of an emulated card (selection, security status, secure-messaging session,
 * chaining buffer), read-only, for white-box tests and diagnostics; throws for any other card.
 */
export function cardState(card: EmulatedCard): Readonly<VolatileState> {
  if (!(card instanceof CardOs)) throw new TypeError('only emulated cards expose their state');
  return card.state;
}
