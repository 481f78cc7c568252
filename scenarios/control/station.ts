/**
 * The control server's state: the managed cards (from the card registry, each in its own
 * in-process reader slot), the reference-terminal sessions run against them, and one event fan-out
 * the WebSocket stream and the tests subscribe to.
 */
import { BenchError } from '../../emulator/src/host-error.ts';
import { resolveCardSpec } from '../../harness/cards/card-registry.ts';
import { loginFlow } from '../../harness/terminals/ias/flows.ts';
import type { TerminalStyle } from '../../harness/terminals/ias/styles.ts';
import type { CardRecipe } from '../../harness/cards/card-registry.ts';
import { ControlCard, type ApduStreamItem, type CardInfo, type MadeCard } from './control-card.ts';
import type { DemoInfo, PhoneEvent } from './demo.ts';
import type { JourneyStepEvent } from './journeys.ts';
import type { BenchReaderInfo, BenchReaderName, BenchReaders } from './bench-readers.ts';

/** A reference-terminal session on a managed card: running, then passed or failed. */
export type SessionStatus =
  | { readonly kind: 'running' }
  | { readonly kind: 'passed' }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string };

export interface SessionInfo {
  readonly id: string;
  readonly card: string;
  readonly flow: 'ias-login';
  readonly style: TerminalStyle;
  readonly status: SessionStatus;
}

/** Everything the live stream carries. */
export type ControlEvent =
  | { readonly type: 'apdu'; readonly data: ApduStreamItem }
  | { readonly type: 'card'; readonly data: CardInfo }
  | { readonly type: 'card-closed'; readonly data: { readonly id: string } }
  | { readonly type: 'session'; readonly data: SessionInfo }
  | { readonly type: 'journey'; readonly data: unknown }
  | { readonly type: 'journey-step'; readonly data: JourneyStepEvent }
  | { readonly type: 'phone'; readonly data: PhoneEvent };

export type ControlListener = (e: ControlEvent) => void;

export class NotFoundError extends BenchError {
  constructor(what: string) {
    super('CONTROL_NOT_FOUND', `${what} not found`, 'input');
  }
}

export interface StationOptions {
  /** PIN/PUK digits in the APDU stream (masked by default). */
  readonly showSecrets?: boolean;
  /** Where a card's test PKI keeps its CRL, by PKI seed (default: `$CIEBENCH_HOME/pki/<seed>`). */
  readonly pkiDir?: (pkiSeed: string) => string;
}

export class Station {
  private readonly cards = new Map<string, ControlCard>();
  private readonly sessions = new Map<string, SessionInfo>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly listeners = new Set<ControlListener>();
  private nextCard = 1;
  private nextSession = 1;
  private readonly showSecrets: boolean;
  private readonly pkiDir: ((pkiSeed: string) => string) | undefined;
  private demoInfo: (() => DemoInfo) | undefined;
  private benchReaders: BenchReaders | undefined;

  constructor(o: StationOptions = {}) {
    this.showSecrets = o.showSecrets ?? false;
    this.pkiDir = o.pkiDir;
  }

  /** Subscribes to every event; returns the function that unsubscribes. */
  subscribe(listener: ControlListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: ControlEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener's failure (a closed socket) must not stop the card or the other listeners.
      }
    }
  }

  /** A new card of the registry grammar, inserted in its own reader slot. */
  createCard(spec: string): CardInfo {
    return this.adoptCard(resolveCardSpec(spec));
  }

  /**
   * Manages a card of `recipe`: made here (`made` absent), or one already made elsewhere and
   * running on other readers too (the card of `ciebench start`, also on the virtual PC/SC reader
   * and the NFC endpoint) — one card, whose exchanges on every reader reach the APDU stream, since
   * the recorder sits at the card boundary.
   */
  adoptCard(recipe: CardRecipe, made?: MadeCard): CardInfo {
    const id = `c${this.nextCard++}`;
    const card = new ControlCard(
      id,
      recipe,
      {
        apdu: (data) => this.emit({ type: 'apdu', data }),
        state: (data) => this.emit({ type: 'card', data }),
      },
      this.showSecrets,
      made,
      this.pkiDir,
    );
    this.cards.set(id, card);
    this.emit({ type: 'card', data: card.info });
    return card.info;
  }

  card(id: string): ControlCard {
    const c = this.cards.get(id);
    if (!c) throw new NotFoundError(`card '${id}'`);
    return c;
  }

  listCards(): CardInfo[] {
    return [...this.cards.values()].map((c) => c.info);
  }

  async deleteCard(id: string): Promise<void> {
    const c = this.card(id);
    // Out of the bench's readers first: no transport may keep serving a forgotten card.
    await this.benchReaders?.place(c, []);
    c.close();
    this.cards.delete(id);
    this.emit({ type: 'card-closed', data: { id } });
  }

  /** The bench's readers outside the process (`ciebench start`), where cards can be placed. */
  attachReaders(readers: BenchReaders): void {
    this.benchReaders = readers;
  }

  /** The bench's readers and the card in each (none without `ciebench start`). */
  listReaders(): BenchReaderInfo[] {
    return this.benchReaders?.list() ?? [];
  }

  /** Puts the card in exactly these bench readers; the cards that held them leave them. */
  async placeCard(id: string, readers: readonly BenchReaderName[]): Promise<CardInfo> {
    const c = this.card(id);
    if (!this.benchReaders)
      throw new BenchError(
        'CONTROL_NO_READER',
        'this control server has no virtual PC/SC reader or NFC endpoint: they come with `ciebench start`',
        'input',
      );
    await this.benchReaders.place(c, readers);
    return c.info;
  }

  /**
   * Starts the reference IAS terminal's login (DH + device authentication + VERIFY + certificate
   * + signature) on the card in its slot; resolves when it has ended.
   */
  startIasLogin(
    cardId: string,
    o: { readonly pin?: string; readonly style: TerminalStyle },
  ): { readonly session: SessionInfo; readonly done: Promise<SessionInfo> } {
    const c = this.card(cardId);
    const pin = o.pin ?? c.currentPin();
    if (pin === undefined)
      throw new BenchError(
        'CONTROL_NO_PIN',
        `card ${cardId} (${c.recipe.spec}) has no IAS PIN: an IAS login needs a CIE`,
        'input',
      );
    const id = `s${this.nextSession++}`;
    const base = { id, card: cardId, flow: 'ias-login' as const, style: o.style };
    const session: SessionInfo = { ...base, status: { kind: 'running' } };
    this.record(session);
    const channel = c.slot.channel(`${c.recipe.description}`);
    const done = loginFlow(channel, {
      pin,
      style: o.style,
      ...(c.recipe.trust ? { trust: c.recipe.trust } : {}),
    })
      .then(
        (r): SessionInfo => ({
          ...base,
          status: r.error
            ? { kind: 'failed', code: r.error.code, message: r.error.message }
            : { kind: 'passed' },
        }),
        (e: unknown): SessionInfo => ({
          ...base,
          status: { kind: 'failed', code: 'INTERNAL', message: String(e) },
        }),
      )
      .then(async (s) => {
        await channel.close().catch(() => undefined);
        this.record(s);
        return s;
      });
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
    return { session, done };
  }

  /** Attaches the login demo (`ciebench start`); its phone events go on the stream. */
  attachDemo(info: () => DemoInfo): void {
    this.demoInfo = info;
  }

  /** The login demo, when this station runs one. */
  demo(): DemoInfo {
    if (!this.demoInfo) throw new NotFoundError('login demo (started by `ciebench start` only)');
    return this.demoInfo();
  }

  session(id: string): SessionInfo {
    const s = this.sessions.get(id);
    if (!s) throw new NotFoundError(`session '${id}'`);
    return s;
  }

  listSessions(): SessionInfo[] {
    return [...this.sessions.values()];
  }

  /** Ends every card (sessions still running fail with a removed card) and waits for them. */
  async close(): Promise<void> {
    await this.benchReaders?.close();
    for (const c of this.cards.values()) c.close();
    await Promise.allSettled([...this.running]);
    this.cards.clear();
    this.listeners.clear();
  }

  private record(s: SessionInfo): void {
    this.sessions.set(s.id, s);
    this.emit({ type: 'session', data: s });
  }
}
