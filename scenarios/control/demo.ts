/**
 * The bench's demo phone: the CieID app agent acting as the citizen's phone for the hybrid login
 * ("Prosegui con smartphone") of `ciebench start`. When the reference IdP shows a QR page, the
 * phone scans it (the payload the page encodes), holds the card to its NFC reader (the bench's
 * NFC endpoint, or the card in this process), types the last 4 digits of the TEST PIN (the first 4
 * were stored when the card was registered on the phone, at start), and shows the OTP the citizen
 * then types into the page. Every step is a {@link PhoneEvent} on the control stream, so the
 * dashboard shows what the phone's screen would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import type { CardImage } from '../../emulator/src/state/card-image.ts';
import { CieIdAgent } from '../app/agent.ts';
import type { CardReader } from '../app/card-reader.ts';
import { qrPayload } from '../idp/flows/hybrid.ts';
import type { RunningIdp } from '../idp/server.ts';
import type { Transaction } from '../idp/state/transaction.ts';

/** One thing the phone's screen shows, as the dashboard and the console print it. */
export interface PhoneEvent {
  readonly at: string;
  readonly kind: 'ready' | 'scanned' | 'otp' | 'failed';
  readonly text: string;
  /** The code to type into the page (kind `otp`). */
  readonly otp?: string;
}

export interface DemoPhoneOptions {
  readonly idp: RunningIdp;
  /** How the phone reaches the card: the NFC endpoint's reader, or the card in this process. */
  readonly reader: CardReader;
  /** The card's image: its serial and the trust anchors the app checks it with. */
  readonly image: CardImage;
  /** The TEST PIN the citizen knows now (the card's own value: a PIN changed since start counts). */
  readonly pin: () => string;
  readonly emit: (e: PhoneEvent) => void;
  /**
   * How long the citizen takes to point the phone at the screen, ms (default 0). Without it an
   * in-process phone can sign before the browser has rendered the QR page, which then goes
   * straight to the OTP page and the person never sees the QR.
   */
  readonly scanDelayMs?: number;
  /** The phone's clock (ISO stamps of the events). */
  readonly now?: () => Date;
}

/** What the dashboard shows about the demo besides the phone's events. */
export interface DemoInfo {
  /** The reference SP's page with the "Entra con CIE" button. */
  readonly spUrl: string;
  /** The card serial number the citizen types on the IdP's page. */
  readonly serial: string;
  readonly idpUrl: string;
  readonly nfcUrl?: string;
  readonly events: readonly PhoneEvent[];
}

export class DemoPhone {
  private readonly o: DemoPhoneOptions;
  private readonly agent: CieIdAgent;
  private readonly dir: string;
  private readonly off: () => void;
  /** One operation at a time, as on a phone; registration first. */
  private queue: Promise<unknown>;
  readonly events: PhoneEvent[] = [];

  constructor(o: DemoPhoneOptions) {
    this.o = o;
    this.dir = mkdtempSync(join(tmpdir(), 'ciebench-demo-phone-'));
    this.agent = new CieIdAgent({
      profileDir: this.dir,
      reader: o.reader,
      trust: {
        csca: [fromHex(o.image.ias.certificates.csca)],
        holderCa: [fromHex(o.image.ias.certificates.holderCa)],
      },
      idp: {
        origins: [new URL(o.idp.urls.base).origin],
        connection: { ca: o.idp.tlsCaPem },
      },
    });
    this.queue = this.register();
    this.off = o.idp.context.store.watchOps((tx) => this.scan(tx));
  }

  /** The card serial number (printed on the card's front). */
  get serial(): string {
    return this.o.image.citizen.document.number;
  }

  /** Resolves once the card is registered on the phone (or registration failed, as an event). */
  ready(): Promise<unknown> {
    return this.queue;
  }

  async close(): Promise<void> {
    this.off();
    await this.queue.catch(() => undefined);
    await this.agent.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private say(kind: PhoneEvent['kind'], text: string, otp?: string): void {
    const e: PhoneEvent = {
      at: (this.o.now?.() ?? new Date()).toISOString(),
      kind,
      text,
      ...(otp !== undefined ? { otp } : {}),
    };
    this.events.push(e);
    if (this.events.length > 200) this.events.splice(0, this.events.length - 200);
    this.o.emit(e);
  }

  /** "Registra la tua carta" with the full TEST PIN, once, at start. */
  private async register(): Promise<void> {
    const r = await this.agent.register({
      serial: this.serial,
      pin: this.o.pin(),
    });
    if (r.ok)
      this.say(
        'ready',
        `card ${this.serial} registered on the phone (${this.o.reader.description})`,
      );
    else this.say('failed', `registration of card ${this.serial} failed: ${r.event.message}`);
  }

  private scan(tx: Transaction): void {
    if (tx.state.step !== 'qr') return;
    const payload = qrPayload(this.o.idp.context, tx, tx.state.op);
    const sp = tx.requester.displayName;
    const serial = tx.state.op.serial;
    this.queue = this.queue.then(() => this.login(payload, sp, serial));
  }

  private async login(payload: string, sp: string, serial: string): Promise<void> {
    const delay = this.o.scanDelayMs ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    this.say('scanned', `QR scanned: login to "${sp}" for card ${serial}; card held to the phone`);
    try {
      const r = await this.agent.loginQr({
        qr: payload,
        lastFour: this.o.pin().slice(4),
      });
      if (r.ok)
        this.say(
          'otp',
          `OTP ${r.value.otp}: type it on the login page (${r.value.message})`,
          r.value.otp,
        );
      else this.say('failed', `the app shows: ${r.event.message}`);
    } catch (e) {
      this.say('failed', `the phone stopped: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
