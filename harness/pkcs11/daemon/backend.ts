/**
 * The PKCS#11 semantics behind the bridge: slots, tokens, sessions and object search (PKCS#11
 * v2.40 §5.4–5.7). Login and signature are in backend-auth.ts. Each operation answers exactly one
 * CK_RV; the table of which value for which case is in README.md ("PKCS#11 behaviour").
 */
import type { Rng } from '../../../emulator/src/crypto/rng.ts';
import { CKF, CKM, CKR, CKS, CK_UNAVAILABLE_INFORMATION } from '../p11-constants.ts';
import type { PcscAccess } from '../pcsc-relay.ts';
import { BackendAuth } from './backend-auth.ts';
import { fieldText, type BridgeAnswer, type BridgeRequest } from './bridge-protocol.ts';
import { CardOpError } from './card-ops.ts';
import type { EventSink } from './events.ts';
import { encodeAttribute, matches, type TokenObject } from './objects.ts';
import type { PinEntry } from './pin-entry.ts';
import { SessionTable, type Client, type Session } from './sessions.ts';
import { SlotRegistry, type Slot, type Token } from './slots.ts';

export interface BackendOptions {
  readonly relay: () => PcscAccess;
  readonly pairingsDir: string;
  readonly rng: Rng;
  readonly pinEntry: PinEntry;
  /** Who provides the last 4 PIN digits (README.md, "PIN entry"). */
  readonly pinMode: PinMode;
  readonly events: EventSink;
  readonly now?: () => Date;
}

/**
 * - `application`: the application gives the 4 digits to C_Login (a desktop PIN dialog);
 * - `protected-path`: the token is flagged CKF_PROTECTED_AUTHENTICATION_PATH and C_Login without
 *   PIN asks the PIN-entry channel (what pkcs11-tool, p11tool and Firefox do with such a token);
 * - `self-login`: as `protected-path`, and every application is logged in from its first session:
 *   the PIN-entry channel is asked at the first signature. Headless Chromium needs this: on a
 *   protected-path token NSS still calls the browser's password callback, which waits for a
 *   dialog that a headless browser never shows; a session already logged in needs no callback.
 */
export type PinMode = 'application' | 'protected-path' | 'self-login';

const MANUFACTURER: Record<string, string> = {
  CIE_NXP: 'NXP',
  CIE_Gemalto: 'Gemalto',
  CIE_Gemalto2: 'Gemalto',
  CIE_STM: 'STM',
  CIE_STM2: 'STM',
  CIE_STM3: 'STM',
  CIE_ACTALIS: 'Actalis',
  CIE_ACTALIS2: 'Actalis',
  Actalis_B946: 'Actalis',
  CIE_BIT4ID: 'Bit4id',
  CIE_BIT4ID2: 'Bit4id',
  CIE_BIT4ID3: 'Bit4id',
};

const ok = (body?: BridgeAnswer['body']): BridgeAnswer =>
  body ? { rv: CKR.OK, body } : { rv: CKR.OK };
const fail = (rv: number): BridgeAnswer => ({ rv });

export class Backend {
  readonly slots: SlotRegistry;
  readonly sessions = new SessionTable();
  private readonly auth: BackendAuth;
  private readonly o: BackendOptions;
  private nextClient = 1;

  constructor(o: BackendOptions) {
    this.o = o;
    this.slots = new SlotRegistry({
      relay: o.relay,
      pairingsDir: o.pairingsDir,
      rng: o.rng,
      onRemoved: (slot, insertion) => {
        this.sessions.closeInsertion(slot.id, insertion);
        o.events({ type: 'card-removed', reader: slot.reader });
      },
    });
    this.auth = new BackendAuth(this, o);
  }

  newClient(): Client {
    return {
      id: this.nextClient++,
      layout: { ulongSize: 8, littleEndian: true },
      pid: 0,
      sessions: new Map(),
      logins: new Map(),
    };
  }

  dropClient(c: Client): void {
    this.sessions.drop(c);
  }

  /** One request of `client`. Never throws: an unexpected failure is CKR_GENERAL_ERROR. */
  async handle(client: Client, req: BridgeRequest): Promise<BridgeAnswer> {
    try {
      return await this.dispatch(client, req);
    } catch (e) {
      if (e instanceof CardOpError) return fail(e.rv);
      this.o.events({
        type: 'card-error',
        reader: '-',
        operation: req.op,
        message: (e as Error).message,
      });
      return fail(CKR.GENERAL_ERROR);
    }
  }

  private async dispatch(c: Client, req: BridgeRequest): Promise<BridgeAnswer> {
    switch (req.op) {
      case 'hello':
        return fail(CKR.FUNCTION_FAILED);
      case 'slotList':
        return this.slotList(req.tokenPresent);
      case 'slotInfo':
        return this.slotInfo(req.slot);
      case 'tokenInfo':
        return this.tokenInfo(req.slot);
      case 'mechList':
        return this.mechList(req.slot);
      case 'mechInfo':
        return this.mechInfo(req.slot, req.mechanism);
      case 'openSession':
        return this.openSession(c, req.slot, req.flags);
      case 'closeSession':
        return this.withSession(c, req.session, async (s) => {
          this.sessions.close(s);
          return ok();
        });
      case 'closeAll':
        return this.closeAll(c, req.slot);
      case 'sessionInfo':
        return this.withSession(c, req.session, async (s) => this.sessionInfo(s));
      case 'findInit':
        return this.withSession(c, req.session, async (s) => this.findInit(s, req.template));
      case 'find':
        return this.withSession(c, req.session, async (s) => this.find(s, req.max));
      case 'findFinal':
        return this.withSession(c, req.session, async (s) => {
          if (!s.find) return fail(CKR.OPERATION_NOT_INITIALIZED);
          s.find = undefined;
          return ok();
        });
      case 'getAttributes':
        return this.withSession(c, req.session, async (s) =>
          this.getAttributes(s, req.object, req.types),
        );
      case 'login':
      case 'logout':
      case 'signInit':
      case 'sign':
      case 'signUpdate':
      case 'signFinal':
      case 'signAbort':
        return this.withSession(c, req.session, (s) => this.auth.handle(s, req));
    }
  }

  /**
   * Runs `fn` on a live session of the client. A session whose card went away is closed first
   * (§2.6) and the handle is then invalid.
   */
  private async withSession(
    c: Client,
    handle: number,
    fn: (s: Session) => Promise<BridgeAnswer>,
  ): Promise<BridgeAnswer> {
    const s = this.sessions.get(c, handle);
    if (!s) return fail(CKR.SESSION_HANDLE_INVALID);
    await this.slots.refresh();
    const slot = this.slots.byId(s.slot);
    if (!slot || !slot.present || slot.insertion !== s.insertion) {
      this.sessions.closeInsertion(s.slot, s.insertion);
      return fail(CKR.SESSION_HANDLE_INVALID);
    }
    this.selfLogin(c, slot);
    return fn(s);
  }

  /** In self-login mode, an application is logged in on a paired token from its first session. */
  private selfLogin(c: Client, slot: Slot): void {
    if (this.o.pinMode !== 'self-login' || !slot.token?.pairing || c.logins.has(slot.id)) return;
    c.logins.set(slot.id, { insertion: slot.insertion, last4: undefined });
  }

  /** The slot and token of a live session (for the auth operations). */
  slotOf(s: Session): Slot | undefined {
    const slot = this.slots.byId(s.slot);
    return slot && slot.present && slot.insertion === s.insertion ? slot : undefined;
  }

  // C_GetSlotList, C_GetSlotInfo and C_GetTokenInfo are how applications notice a card coming or
  // going: they always look at the readers; session calls reuse a listing up to 150 ms old.
  private async slotList(tokenPresent: boolean): Promise<BridgeAnswer> {
    await this.slots.refresh(true);
    const ids = this.slots
      .all()
      .filter((s) => !tokenPresent || s.present)
      .map((s) => s.id);
    return ok((w) => {
      w.u32(ids.length);
      for (const id of ids) w.u64(id);
    });
  }

  private async slotInfo(id: number): Promise<BridgeAnswer> {
    await this.slots.refresh(true);
    const slot = this.slots.byId(id);
    if (!slot) return fail(CKR.SLOT_ID_INVALID);
    const flags = CKF.REMOVABLE_DEVICE | CKF.HW_SLOT | (slot.present ? CKF.TOKEN_PRESENT : 0);
    return ok((w) => {
      fieldText(w, slot.reader, 64);
      fieldText(w, 'CIE Bench (PC/SC)', 32);
      w.u64(flags).u8(0).u8(0).u8(0).u8(0);
    });
  }

  /** Identifies the token of a slot id, or the CK_RV that says why there is none. */
  private async tokenOf(id: number): Promise<{ slot: Slot; token: Token } | BridgeAnswer> {
    await this.slots.refresh(true);
    const slot = this.slots.byId(id);
    if (!slot) return fail(CKR.SLOT_ID_INVALID);
    if (!slot.present) return fail(CKR.TOKEN_NOT_PRESENT);
    try {
      const known = slot.token !== undefined;
      const token = await this.slots.token(slot);
      if (!known) this.announce(slot, token);
      return { slot, token };
    } catch (e) {
      if (!(e instanceof CardOpError)) throw e;
      this.o.events({
        type: 'card-error',
        reader: slot.reader,
        operation: 'identify',
        message: e.message,
      });
      return fail(
        e.rv === CKR.DEVICE_REMOVED
          ? CKR.TOKEN_NOT_PRESENT
          : e.rv === CKR.DEVICE_ERROR
            ? CKR.TOKEN_NOT_RECOGNIZED
            : e.rv,
      );
    }
  }

  private announce(slot: Slot, t: Token): void {
    this.o.events({ type: 'card-inserted', reader: slot.reader, nis: t.nis });
    if (t.pairingProblem)
      this.o.events({ type: 'pairing-problem', nis: t.nis, message: t.pairingProblem });
    else if (!t.pairing)
      this.o.events({
        type: 'not-paired',
        reader: slot.reader,
        nis: t.nis,
        message: 'La CIE non è abilitata: abbinala con `ciebench middleware pair`',
      });
    else if (t.pairing.notAfter.getTime() < (this.o.now?.() ?? new Date()).getTime())
      this.o.events({
        type: 'certificate-expired',
        nis: t.nis,
        notAfter: t.pairing.notAfter.toISOString(),
        message: 'Documento scaduto',
      });
  }

  /** Token flags: the pairing gives USER_PIN_INITIALIZED, the card's counter the PIN flags. */
  tokenFlags(t: Token): number {
    let f = CKF.LOGIN_REQUIRED | CKF.TOKEN_INITIALIZED | CKF.WRITE_PROTECTED;
    if (t.pairing) f |= CKF.USER_PIN_INITIALIZED;
    if (this.o.pinMode !== 'application') f |= CKF.PROTECTED_AUTHENTICATION_PATH;
    if (t.tries === 0) f |= CKF.USER_PIN_LOCKED;
    else if (t.tries === 1) f |= CKF.USER_PIN_FINAL_TRY | CKF.USER_PIN_COUNT_LOW;
    else if (t.tries !== undefined && t.tries < 3) f |= CKF.USER_PIN_COUNT_LOW;
    return f;
  }

  private async tokenInfo(id: number): Promise<BridgeAnswer> {
    const r = await this.tokenOf(id);
    if ('rv' in r) return r;
    const { slot, token } = r;
    const counts = this.sessions.count(slot.id);
    return ok((w) => {
      fieldText(w, `CIE ${token.nis}`, 32);
      fieldText(w, MANUFACTURER[token.atrType] ?? 'CIE', 32);
      fieldText(w, 'CIE 3.0', 16);
      fieldText(w, token.nis, 16);
      w.u64(this.tokenFlags(token));
      // ulMaxSessionCount = CK_EFFECTIVELY_INFINITE (0); session counts; PIN length: the 4 digits C_Login takes.
      w.u64(0).u64(counts.sessions).u64(0).u64(counts.rw).u64(4).u64(4);
      for (let i = 0; i < 4; i++) w.u64(CK_UNAVAILABLE_INFORMATION);
      w.u8(0).u8(0).u8(0).u8(0);
      fieldText(w, '', 16);
    });
  }

  private async mechList(id: number): Promise<BridgeAnswer> {
    const r = await this.tokenOf(id);
    if ('rv' in r) return r;
    return ok((w) => w.u32(1).u64(CKM.RSA_PKCS));
  }

  private async mechInfo(id: number, mechanism: bigint): Promise<BridgeAnswer> {
    const r = await this.tokenOf(id);
    if ('rv' in r) return r;
    if (mechanism !== BigInt(CKM.RSA_PKCS)) return fail(CKR.MECHANISM_INVALID);
    const bits = (r.token.pairing?.modulusBytes ?? 256) * 8;
    return ok((w) =>
      w
        .u64(bits)
        .u64(bits)
        .u64(CKF.HW | CKF.SIGN),
    );
  }

  private async openSession(c: Client, id: number, flags: bigint): Promise<BridgeAnswer> {
    const r = await this.tokenOf(id);
    if ('rv' in r) return r;
    if ((flags & BigInt(CKF.RW_SESSION)) !== 0n) return fail(CKR.TOKEN_WRITE_PROTECTED);
    const s = this.sessions.open(c, r.slot.id, r.slot.insertion, false);
    if (!s) return fail(CKR.SESSION_COUNT);
    this.selfLogin(c, r.slot);
    return ok((w) => w.u64(s.handle));
  }

  private async closeAll(c: Client, id: number): Promise<BridgeAnswer> {
    await this.slots.refresh();
    if (!this.slots.byId(id)) return fail(CKR.SLOT_ID_INVALID);
    for (const s of [...c.sessions.values()]) if (s.slot === id) this.sessions.close(s);
    return ok();
  }

  private sessionInfo(s: Session): BridgeAnswer {
    const loggedIn = s.client.logins.has(s.slot);
    const state = loggedIn ? CKS.RO_USER_FUNCTIONS : CKS.RO_PUBLIC_SESSION;
    return ok((w) => w.u64(s.slot).u64(state).u64(CKF.SERIAL_SESSION).u64(0));
  }

  /** The objects the session may see: the certificate always, the key once logged in. */
  visibleObjects(s: Session): TokenObject[] {
    const slot = this.slotOf(s);
    const p = slot?.token?.pairing;
    if (!p) return [];
    return s.client.logins.has(s.slot) ? [p.certificate, p.privateKey] : [p.certificate];
  }

  private findInit(
    s: Session,
    template: readonly { type: bigint; value: Uint8Array }[],
  ): BridgeAnswer {
    if (s.find) return fail(CKR.OPERATION_ACTIVE);
    const handles = this.visibleObjects(s)
      .filter((o) => template.every((a) => matches(o, a.type, a.value, s.client.layout)))
      .map((o) => o.handle);
    s.find = { handles, pos: 0 };
    return ok();
  }

  private find(s: Session, max: number): BridgeAnswer {
    const f = s.find;
    if (!f) return fail(CKR.OPERATION_NOT_INITIALIZED);
    const out = f.handles.slice(f.pos, f.pos + max);
    f.pos += out.length;
    return ok((w) => {
      w.u32(out.length);
      for (const h of out) w.u64(h);
    });
  }

  private getAttributes(s: Session, handle: number, types: readonly bigint[]): BridgeAnswer {
    const obj = this.visibleObjects(s).find((o) => o.handle === handle);
    if (!obj) return fail(CKR.OBJECT_HANDLE_INVALID);
    return ok((w) => {
      w.u32(types.length);
      for (const t of types) {
        const a = t <= 0xffffffffn ? obj.attributes.get(Number(t)) : undefined;
        const v = a ? encodeAttribute(a, s.client.layout) : undefined;
        if (v === undefined) w.u8(2).bytes(new Uint8Array());
        else if (v === 'sensitive') w.u8(1).bytes(new Uint8Array());
        else w.u8(0).bytes(v);
      }
    });
  }
}
