/**
 * What the daemon asks of a CIE, with the reference IAS terminal in the desktop command style
 * (harness/terminals/ias/, the order of italia/cie-middleware-linux `CIEP11Template.cpp`):
 *
 * - identify: SELECT IAS, EF.SN.ICC (D003) → NIS; SELECT DF_CIE and the servizi signature of the
 *   NIS digits → the card key (the CIE answers a plain VERIFY without data with 6982, so the tries
 *   left are learnt from the first VERIFY, not before);
 * - verify: warm reset, DH + device authentication (secure messaging), VERIFY of the 8 digits;
 * - sign: warm reset, DH + device authentication, VERIFY, MSE SET key 81 + INTERNAL AUTHENTICATE
 *   over the data (CKM_RSA_PKCS: the card adds the PKCS#1 v1.5 type-1 padding).
 *
 * Each runs inside one PC/SC transaction (relay-channel.ts). The official module also redoes DH,
 * DAPP and VERIFY for every signature (`CIEtemplateSign`): a secure channel is never kept open
 * between two PKCS#11 calls.
 */
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import type { Rng } from '../../../emulator/src/crypto/rng.ts';
import { ChannelError } from '../../channel/apdu-channel.ts';
import type { StepReport } from '../../terminals/common/step-report.ts';
import { secureChannel } from '../../terminals/ias/flows.ts';
import { IasTerminal, type VerifyResult } from '../../terminals/ias/ias-terminal.ts';
import type { MiddlewareType } from '../../terminals/ias/personality.ts';
import { cardKey, type CardKey } from '../pairing/card-key.ts';
import { CKR } from '../p11-constants.ts';
import type { RelayChannel } from '../relay-channel.ts';

export interface CardIdentity {
  readonly atrType: MiddlewareType;
  readonly pan: Uint8Array;
  readonly nis: string;
  readonly key: CardKey;
}

/** A card operation that failed, with the PKCS#11 value it maps to and the terminal's steps. */
export class CardOpError extends Error {
  readonly rv: number;
  readonly steps: readonly StepReport[];
  constructor(rv: number, message: string, steps: readonly StepReport[] = []) {
    super(message);
    this.rv = rv;
    this.steps = steps;
  }
}

/** A removed card is CKR_DEVICE_REMOVED; anything else the card or reader did is CKR_DEVICE_ERROR. */
export function rvOfFailure(e: unknown): number {
  if (e instanceof CardOpError) return e.rv;
  if (e instanceof ChannelError && (e.code === 'CARD_REMOVED' || e.code === 'READER_NOT_FOUND'))
    return CKR.DEVICE_REMOVED;
  return CKR.DEVICE_ERROR;
}

async function run<T>(
  ch: RelayChannel,
  rng: Rng,
  body: (t: IasTerminal) => Promise<T>,
): Promise<T> {
  return ch.transaction(async () => {
    const t = new IasTerminal(ch, { style: 'desktop', rng });
    try {
      return await body(t);
    } catch (e) {
      t.recorder.flushLoose();
      throw new CardOpError(rvOfFailure(e), (e as Error).message, t.reports);
    }
  });
}

export function identifyCard(ch: RelayChannel, rng: Rng): Promise<CardIdentity> {
  return run(ch, rng, async (t) => {
    await t.connect();
    if (!t.atrType)
      throw new CardOpError(CKR.TOKEN_NOT_RECOGNIZED, 'the ATR is not one of a CIE 3.0');
    await t.selectIas();
    const pan = await t.readEf(0xd003);
    const nis = toHex(pan.subarray(5, 11));
    if (!/^\d{12}$/.test(nis))
      throw new CardOpError(CKR.TOKEN_NOT_RECOGNIZED, `EF.SN.ICC does not hold a NIS (${nis})`);
    await t.selectDfCie();
    const key = cardKey(await t.initEncKey(pan));
    return { atrType: t.atrType, pan, nis, key };
  });
}

/** Opens the authenticated channel on a freshly reset card (desktop order). */
async function authenticate(t: IasTerminal): Promise<void> {
  await t.reset();
  if (!t.atrType) throw new CardOpError(CKR.TOKEN_NOT_RECOGNIZED, 'the card changed: not a CIE');
  await secureChannel(t);
}

export function verifyPin(ch: RelayChannel, rng: Rng, pin: string): Promise<VerifyResult> {
  return run(ch, rng, async (t) => {
    await authenticate(t);
    return t.verify(0x81, pin);
  });
}

export type SignOutcome =
  | { readonly ok: true; readonly signature: Uint8Array }
  | { readonly ok: false; readonly pin: VerifyResult };

export function signWithCard(
  ch: RelayChannel,
  rng: Rng,
  pin: string,
  data: Uint8Array,
): Promise<SignOutcome> {
  return run(ch, rng, async (t) => {
    await authenticate(t);
    const v = await t.verify(0x81, pin);
    if (!v.ok) return { ok: false, pin: v };
    return { ok: true, signature: await t.sign(data) };
  });
}

/** The 8-digit PIN from the stored half and the typed half. */
export function fullPin(first4: string, last4: string): string {
  return `${first4}${last4}`;
}
