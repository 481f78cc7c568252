/**
 * Login and signature (PKCS#11 v2.40 §5.6, §5.11), as the official CIE module does them
 * (italia/cie-middleware-linux `CIEP11Template.cpp` `CIEtemplateLogin`, `CIEtemplateSign`): the
 * application gives the last 4 PIN digits (or, on the protected authentication path, the
 * PIN-entry channel does), the daemon prepends the first 4 kept at pairing and VERIFYs the 8 on
 * the card under secure messaging; every signature runs DH + device authentication + VERIFY
 * again before MSE SET + INTERNAL AUTHENTICATE. Status words map as the official module maps
 * them: 63Cx → CKR_PIN_INCORRECT (x tries left, announced), 6983 → CKR_PIN_LOCKED.
 */
import type { VerifyResult } from '../../terminals/ias/ias-terminal.ts';
import { CKM, CKR, CKU } from '../p11-constants.ts';
import type { Backend, BackendOptions } from './backend.ts';
import type { WireWriter } from '../wire.ts';
import type { BridgeAnswer, BridgeRequest } from './bridge-protocol.ts';
import { CardOpError, fullPin, signWithCard, verifyPin } from './card-ops.ts';
import { logout, type Session } from './sessions.ts';
import type { Slot, Token } from './slots.ts';

const fail = (rv: number): BridgeAnswer => ({ rv });

type AuthRequest = Extract<
  BridgeRequest,
  { op: 'login' | 'logout' | 'signInit' | 'sign' | 'signUpdate' | 'signFinal' | 'signAbort' }
>;

export class BackendAuth {
  private readonly b: Backend;
  private readonly o: BackendOptions;

  constructor(b: Backend, o: BackendOptions) {
    this.b = b;
    this.o = o;
  }

  handle(s: Session, req: AuthRequest): Promise<BridgeAnswer> {
    switch (req.op) {
      case 'login':
        return this.login(s, req.userType, req.pin);
      case 'logout':
        return Promise.resolve(
          logout(s.client, s.slot) ? { rv: CKR.OK } : fail(CKR.USER_NOT_LOGGED_IN),
        );
      case 'signInit':
        return Promise.resolve(this.signInit(s, req.mechanism, req.parameter, req.key));
      case 'sign':
        return this.sign(s, req.data, req.bufferLength, 'single');
      case 'signUpdate':
        return Promise.resolve(this.signUpdate(s, req.part));
      case 'signFinal':
        return this.sign(s, new Uint8Array(), req.bufferLength, 'final');
      case 'signAbort':
        if (!s.sign) return Promise.resolve(fail(CKR.OPERATION_NOT_INITIALIZED));
        s.sign = undefined;
        return Promise.resolve({ rv: CKR.OK });
    }
  }

  private live(s: Session): { slot: Slot; token: Token } | undefined {
    const slot = this.b.slotOf(s);
    return slot?.token ? { slot, token: slot.token } : undefined;
  }

  private async login(
    s: Session,
    userType: bigint,
    pin: Extract<AuthRequest, { op: 'login' }>['pin'],
  ): Promise<BridgeAnswer> {
    if (userType === BigInt(CKU.CONTEXT_SPECIFIC)) return fail(CKR.OPERATION_NOT_INITIALIZED);
    // The PUK (security officer) is the official unblock dialog's business, not a login here.
    if (userType !== BigInt(CKU.USER)) return fail(CKR.USER_TYPE_INVALID);
    if (s.client.logins.get(s.slot)?.last4) return fail(CKR.USER_ALREADY_LOGGED_IN);
    const live = this.live(s);
    if (!live) return fail(CKR.DEVICE_REMOVED);
    const { slot, token } = live;
    if (!token.pairing) {
      this.o.events({
        type: 'not-paired',
        reader: slot.reader,
        nis: token.nis,
        message: 'La CIE non è abilitata: abbinala con `ciebench middleware pair`',
      });
      return fail(CKR.USER_PIN_NOT_INITIALIZED);
    }
    if (token.tries === 0) return fail(CKR.PIN_LOCKED);
    let digits: string;
    if (pin.kind === 'given') digits = Buffer.from(pin.digits).toString('latin1');
    else if (pin.kind === 'too-long') return fail(CKR.PIN_INCORRECT);
    else if (this.o.pinMode === 'application') return fail(CKR.ARGUMENTS_BAD);
    else {
      const a = await this.askPin(slot, token);
      if (a === undefined) return fail(CKR.FUNCTION_CANCELED);
      digits = a;
    }
    // Only 4 digits can be the second half: anything else is refused before the card sees it.
    if (!/^\d{4}$/.test(digits)) return fail(CKR.PIN_INCORRECT);
    const pairing = token.pairing;
    const result = await this.b.slots
      .exclusive(slot, () =>
        verifyPin(this.b.slots.channelOf(slot), this.o.rng, fullPin(pairing.first4, digits)),
      )
      .catch((e: unknown) => this.cardFailure(slot, 'login', e));
    if ('rv' in result) return result;
    const rv = this.pinOutcome(token, result);
    if (rv !== CKR.OK) return fail(rv);
    s.client.logins.set(s.slot, {
      insertion: s.insertion,
      last4: new Uint8Array(Buffer.from(digits, 'latin1')),
    });
    this.o.events({ type: 'login', nis: token.nis, reader: slot.reader });
    return { rv: CKR.OK };
  }

  /** The last 4 digits from the PIN-entry channel; undefined when cancelled or timed out. */
  private async askPin(slot: Slot, token: Token): Promise<string | undefined> {
    const a = await this.o.pinEntry.request({
      slot: slot.id,
      reader: slot.reader,
      nis: token.nis,
      holder: token.pairing?.holder ?? '',
      triesLeft: token.tries,
    });
    return a.kind === 'digits' ? a.digits : undefined;
  }

  /** The CK_RV of a VERIFY answer; records the counter and announces a wrong or blocked PIN. */
  private pinOutcome(token: Token, v: VerifyResult): number {
    if (v.ok) {
      token.tries = 3;
      return CKR.OK;
    }
    if (v.blocked || v.triesLeft === 0) {
      token.tries = 0;
      this.o.events({
        type: 'pin-locked',
        nis: token.nis,
        message: 'PIN bloccato: sbloccalo con il PUK',
      });
      return CKR.PIN_LOCKED;
    }
    if (v.triesLeft !== undefined) token.tries = v.triesLeft;
    this.o.events({
      type: 'pin-wrong',
      nis: token.nis,
      triesLeft: v.triesLeft ?? -1,
      message: `PIN errato: ${v.triesLeft ?? '?'} tentativi rimasti`,
    });
    return CKR.PIN_INCORRECT;
  }

  /** A card operation that threw: the CK_RV, and the slot forgotten when the card left. */
  private cardFailure(slot: Slot, operation: string, e: unknown): BridgeAnswer {
    const rv = e instanceof CardOpError ? e.rv : CKR.DEVICE_ERROR;
    this.o.events({
      type: 'card-error',
      reader: slot.reader,
      operation,
      message: (e as Error).message,
    });
    if (rv === CKR.DEVICE_REMOVED) this.b.slots.remove(slot);
    return fail(rv === CKR.DEVICE_REMOVED ? CKR.DEVICE_REMOVED : CKR.DEVICE_ERROR);
  }

  private signInit(
    s: Session,
    mechanism: bigint,
    parameter: Uint8Array | undefined,
    key: number,
  ): BridgeAnswer {
    if (s.sign) return fail(CKR.OPERATION_ACTIVE);
    if (mechanism !== BigInt(CKM.RSA_PKCS)) return fail(CKR.MECHANISM_INVALID);
    if (parameter && parameter.length > 0) return fail(CKR.MECHANISM_PARAM_INVALID);
    const pairing = this.live(s)?.token.pairing;
    if (!pairing) return fail(CKR.KEY_HANDLE_INVALID);
    if (key === pairing.certificate.handle) return fail(CKR.KEY_TYPE_INCONSISTENT);
    if (key !== pairing.privateKey.handle) return fail(CKR.KEY_HANDLE_INVALID);
    if (!s.client.logins.has(s.slot)) return fail(CKR.USER_NOT_LOGGED_IN);
    s.sign = { key, parts: [], multipart: false };
    return { rv: CKR.OK };
  }

  private maxData(s: Session): number {
    return (this.live(s)?.token.pairing?.modulusBytes ?? 256) - 11;
  }

  private signUpdate(s: Session, part: Uint8Array): BridgeAnswer {
    const op = s.sign;
    if (!op) return fail(CKR.OPERATION_NOT_INITIALIZED);
    op.parts.push(part);
    op.multipart = true;
    if (op.parts.reduce((n, p) => n + p.length, 0) > this.maxData(s)) {
      s.sign = undefined;
      return fail(CKR.DATA_LEN_RANGE);
    }
    return { rv: CKR.OK };
  }

  /**
   * C_Sign / C_SignFinal. A length query or a too-small buffer leaves the operation active;
   * everything else ends it (§5.11).
   */
  private async sign(
    s: Session,
    data: Uint8Array,
    bufferLength: bigint | undefined,
    kind: 'single' | 'final',
  ): Promise<BridgeAnswer> {
    const op = s.sign;
    if (!op) return fail(CKR.OPERATION_NOT_INITIALIZED);
    if (kind === 'single' && op.multipart) {
      s.sign = undefined;
      return fail(CKR.OPERATION_ACTIVE);
    }
    const live = this.live(s);
    const login = s.client.logins.get(s.slot);
    if (!live?.token.pairing || !login) {
      s.sign = undefined;
      return fail(live ? CKR.USER_NOT_LOGGED_IN : CKR.DEVICE_REMOVED);
    }
    const input = kind === 'single' ? data : Buffer.concat(op.parts);
    const k = live.token.pairing.modulusBytes;
    if (input.length === 0 || input.length > k - 11) {
      s.sign = undefined;
      return fail(CKR.DATA_LEN_RANGE);
    }
    const length = (w: WireWriter, sig?: Uint8Array): void => {
      w.u64(k).bytes(sig ?? new Uint8Array());
    };
    if (bufferLength === undefined) return { rv: CKR.OK, body: (w) => length(w) };
    if (bufferLength < BigInt(k)) return { rv: CKR.BUFFER_TOO_SMALL, body: (w) => length(w) };
    s.sign = undefined;
    const { slot, token } = live;
    const pairing = live.token.pairing;
    // A self-login asks the PIN-entry channel here, and asks again after a wrong PIN while the
    // card has tries left (the request shows how many): the user is the one who stops.
    for (;;) {
      const asked = login.last4 === undefined;
      const digits = login.last4
        ? Buffer.from(login.last4).toString('latin1')
        : await this.askPin(slot, token);
      if (digits === undefined) return fail(CKR.FUNCTION_CANCELED);
      if (!/^\d{4}$/.test(digits)) continue;
      const started = performance.now();
      const outcome = await this.b.slots
        .exclusive(slot, () =>
          signWithCard(
            this.b.slots.channelOf(slot),
            this.o.rng,
            fullPin(pairing.first4, digits),
            input,
          ),
        )
        .catch((e: unknown) => this.cardFailure(slot, 'sign', e));
      if ('rv' in outcome) return outcome;
      if (outcome.ok) {
        if (asked) {
          login.last4 = new Uint8Array(Buffer.from(digits, 'latin1'));
          this.o.events({ type: 'login', nis: token.nis, reader: slot.reader });
        }
        this.o.events({
          type: 'signature',
          nis: token.nis,
          ms: Math.round(performance.now() - started),
        });
        return { rv: CKR.OK, body: (w) => length(w, outcome.signature) };
      }
      const rv = this.pinOutcome(token, outcome.pin);
      if (rv === CKR.PIN_LOCKED) {
        logout(s.client, s.slot);
        return fail(CKR.FUNCTION_FAILED);
      }
      // Digits kept from C_Login that the card now refuses: the PIN changed since.
      if (!asked) {
        logout(s.client, s.slot);
        return fail(CKR.USER_NOT_LOGGED_IN);
      }
    }
  }
}
