/**
 * The PIN-entry channel of the protected authentication path. When an application logs in
 * without a PIN (PKCS#11 v2.40 §5.6, C_Login with pPin NULL on a token flagged
 * CKF_PROTECTED_AUTHENTICATION_PATH), the daemon opens a request here and waits for the last 4
 * digits from whoever fills the channel: a scenario step (`answer`, or `preset` before the
 * browser asks), a person (`ciebench middleware pin`, over the control socket), or nobody (the
 * request times out and the login is cancelled). Requests carry what the official middleware's
 * prompt shows: which card, and the tries left after a wrong PIN ("Inserisci le ultime 4 cifre
 * del PIN"). Digits never appear in events or logs.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';

export interface PinRequest {
  readonly id: string;
  readonly slot: number;
  readonly reader: string;
  readonly nis: string;
  readonly holder: string;
  /** Tries left on the card when the request opened (after a wrong PIN: fewer than 3). */
  readonly triesLeft: number | undefined;
  readonly createdAt: Date;
  /** The prompt of the official middleware. */
  readonly prompt: string;
}

export type PinAnswer =
  | { readonly kind: 'digits'; readonly digits: string }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'timeout' };

interface Open {
  readonly request: PinRequest;
  settle(a: PinAnswer): void;
}

export interface PinEntryOptions {
  /** How long a request waits (default 120 s). */
  readonly timeoutMs?: number;
}

/** Emits `request` (PinRequest) when a login waits, `settled` ({ id, kind }) when it ends. */
export class PinEntry extends EventEmitter {
  private readonly open = new Map<string, Open>();
  private readonly presets: string[] = [];
  private readonly timeoutMs: number;

  constructor(o: PinEntryOptions = {}) {
    super();
    this.timeoutMs = o.timeoutMs ?? 120_000;
  }

  /** Digits for the next request, answered as soon as it opens (scenario steps). */
  preset(digits: string): void {
    this.presets.push(digits);
  }

  pending(): PinRequest[] {
    return [...this.open.values()].map((o) => o.request);
  }

  /** Answers an open request (the first one when `id` is undefined); false if there is none. */
  answer(id: string | undefined, digits: string): boolean {
    const o = id === undefined ? this.open.values().next().value : this.open.get(id);
    if (!o) return false;
    o.settle({ kind: 'digits', digits });
    return true;
  }

  cancel(id: string | undefined): boolean {
    const o = id === undefined ? this.open.values().next().value : this.open.get(id);
    if (!o) return false;
    o.settle({ kind: 'cancelled' });
    return true;
  }

  /** Waits for the digits of one login. */
  request(info: Omit<PinRequest, 'id' | 'createdAt' | 'prompt'>): Promise<PinAnswer> {
    const request: PinRequest = {
      ...info,
      id: randomBytes(8).toString('hex'),
      createdAt: new Date(),
      prompt:
        info.triesLeft !== undefined && info.triesLeft < 3
          ? `PIN errato: ${info.triesLeft} tentativi rimasti. Inserisci le ultime 4 cifre del PIN`
          : 'Inserisci le ultime 4 cifre del PIN',
    };
    return new Promise<PinAnswer>((resolve) => {
      const timer = setTimeout(() => settle({ kind: 'timeout' }), this.timeoutMs);
      const settle = (a: PinAnswer): void => {
        if (!this.open.delete(request.id)) return;
        clearTimeout(timer);
        this.emit('settled', { id: request.id, kind: a.kind });
        resolve(a);
      };
      this.open.set(request.id, { request, settle });
      this.emit('request', request);
      const preset = this.presets.shift();
      if (preset !== undefined) settle({ kind: 'digits', digits: preset });
    });
  }

  /** Cancels every open request (daemon shutdown). */
  cancelAll(): void {
    for (const o of [...this.open.values()]) o.settle({ kind: 'cancelled' });
  }
}
