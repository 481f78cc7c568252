/**
 * The client flows of ias/README.md as functions over an {@link IasTerminal}, each returning an
 * immutable report (steps with APDUs and timings, verdict, precise error) and its result:
 *
 * - {@link desktopEnrolmentPrePin}: §5.1 A, the desktop enrolment before the PIN (SOD checked);
 * - {@link nisFlow}: §5.1 B, the mobile NIS flow (servizi signature checked against EF 1005);
 * - {@link loginFlow}: DH + DAPP + VERIFY + read certificate + sign, in the desktop (§5.1 A,
 *   §5.2–5.4, §7) or mobile (§8.1) command sequence; signature checked with the certificate;
 * - {@link changePinFlow}, {@link unblockPinFlow}: §5.5.
 */
import { asciiBytes, concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { sha256 } from '../../../emulator/src/crypto/hash.ts';
import { systemRng, type Rng } from '../../../emulator/src/crypto/rng.ts';
import type { ApduChannel } from '../../channel/apdu-channel.ts';
import { type StepError, type StepReport, TerminalError } from '../common/step-report.ts';
import { IasTerminal, type VerifyResult } from './ias-terminal.ts';
import { desktopBehaviour } from './personality.ts';
import type { TerminalStyle } from './styles.ts';
import {
  parseRsaPublicKeyFile,
  trimDer,
  validateHolderCertificate,
  validateSod,
  verifyHolderSignature,
  verifyServiziSignature,
} from './validation.ts';

export interface TrustAnchors {
  readonly csca: readonly Uint8Array[];
  readonly holderCa: readonly Uint8Array[];
}

export interface FlowOptions {
  readonly style?: TerminalStyle;
  readonly rng?: Rng;
  readonly showSecrets?: boolean;
  readonly trust?: TrustAnchors;
  /** Date for certificate validity checks (none: validity not checked). */
  readonly at?: Date;
  /**
   * Ask the card for the tries left before every VERIFY (a physical card behind the last-try
   * guard: the guard must know the count before it lets a protected VERIFY through).
   */
  readonly probeTries?: boolean;
}

export interface FlowReport<T> {
  readonly flow: string;
  readonly style: TerminalStyle;
  readonly verdict: 'pass' | 'fail';
  readonly durationMs: number;
  readonly atr?: string;
  readonly atrType?: string;
  readonly steps: readonly StepReport[];
  readonly result?: T;
  readonly error?: StepError;
}

/** DigestInfo(SHA-256(message)) (§7: what the 2023 IPZS flow signs). */
export function sha256DigestInfo(message: Uint8Array): Uint8Array {
  return concatBytes(
    fromHex('30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20'),
    sha256(message),
  );
}

/** Runs `body` on a fresh terminal and turns its outcome into a report. */
export async function runFlow<T>(
  flow: string,
  channel: ApduChannel,
  o: FlowOptions,
  body: (t: IasTerminal) => Promise<T>,
): Promise<FlowReport<T>> {
  const t = new IasTerminal(channel, {
    ...(o.style ? { style: o.style } : {}),
    ...(o.rng ? { rng: o.rng } : {}),
    ...(o.showSecrets ? { showSecrets: true } : {}),
  });
  const start = performance.now();
  let result: T | undefined;
  let error: StepError | undefined;
  try {
    result = await body(t);
  } catch (e) {
    const err = e as Error & { code?: string; sw?: number };
    error = {
      code: err.code ?? 'INTERNAL',
      message: err.message,
      ...(err.sw !== undefined ? { sw: err.sw.toString(16).toUpperCase().padStart(4, '0') } : {}),
    };
  }
  t.recorder.flushLoose();
  return Object.freeze({
    flow,
    style: t.style,
    verdict: error ? 'fail' : 'pass',
    durationMs: performance.now() - start,
    ...(t.atr ? { atr: toHex(t.atr, ' ') } : {}),
    ...(t.atrType ? { atrType: t.atrType } : {}),
    steps: t.reports,
    ...(result !== undefined ? { result } : {}),
    ...(error ? { error } : {}),
  });
}

async function startSession(t: IasTerminal, reset: boolean): Promise<void> {
  if (reset) await t.reset();
  else await t.connect();
  if (t.style === 'desktop' && t.atrType === undefined)
    throw new TerminalError(
      'CARD_NOT_RECOGNIZED',
      'CIE not recognized: the ATR matches no signature of the desktop table (§1.2)',
    );
}

function dhForm(t: IasTerminal): 'template' | 'separate' {
  return t.style === 'desktop' && t.atrType ? desktopBehaviour(t.atrType).getData : 'separate';
}

/**
 * Everything before VERIFY in the authenticated flows: desktop (§5.5 list: reset → IAS → D003 →
 * DF_CIE → InitEncKey → 1004 → DH parameters → CA key → DH → DAPP) or mobile (§8.1 steps 1–7).
 */
export async function secureChannel(t: IasTerminal): Promise<void> {
  if (t.style === 'desktop') {
    await t.selectIas();
    const snIcc = await t.readEf(0xd003);
    await t.selectDfCie();
    await t.initEncKey(snIcc);
    await t.readIccAuthKey();
    await t.getDhParameters(dhForm(t));
  } else {
    await t.selectIas();
    await t.selectDfCie(0x04);
    await t.readNis('select-0c');
    await t.selectIas();
    await t.selectDfCie();
    await t.getDhParameters('separate');
    await t.readIccAuthKey();
  }
  await t.getCaPublicKey();
  await t.dhKeyExchange();
  await t.dapp();
}

export interface EnrolmentResult {
  readonly nis: string;
  readonly snIcc: string;
  readonly serviziSignature: string;
  readonly sodChain: string;
}

/** §5.1 A steps 1–10 plus the SOD checks the desktop can make before the PIN. */
export function desktopEnrolmentPrePin(
  channel: ApduChannel,
  o: FlowOptions = {},
): Promise<FlowReport<EnrolmentResult>> {
  return runFlow(
    'desktop enrolment (before PIN)',
    channel,
    { ...o, style: 'desktop' },
    async (t) => {
      await startSession(t, false);
      await t.selectIas();
      const snIcc = await t.readEf(0xd003);
      await t.selectDfCie();
      const intKpub = await t.readEf(0x1004);
      const challenge = asciiBytes(toHex(snIcc.subarray(5, 11)));
      const serviziSig = await t.initEncKey(snIcc);
      const nis = await t.readNis();
      if (nis !== toHex(snIcc.subarray(5, 11)))
        throw new TerminalError(
          'NIS_MISMATCH',
          `NIS ${nis} differs from EF.SN.ICC digits ${toHex(snIcc.subarray(5, 11))} (§2.2)`,
        );
      const sod = await t.readEf(0x1006);
      const serviziKpub = await t.readEf(0x1005);
      if (!verifyServiziSignature(parseRsaPublicKeyFile(serviziKpub), challenge, serviziSig))
        throw new TerminalError(
          'SIGNATURE_INVALID',
          'servizi signature does not verify with EF 1005',
        );
      await t.selectIas();
      const efDh = await t.readEf(0xd004);
      const groups = new Map([
        [0xa1, asciiBytes(nis)],
        [0xa4, trimDer(intKpub)],
        [0xa5, trimDer(serviziKpub)],
        [0x1b, trimDer(efDh)],
      ]);
      const check = await t.recorder.step(
        'verify EF.SOD',
        async () => validateSod(sod, groups, o.trust?.csca ?? [], o.at),
        (c) => c.chain,
      );
      return {
        nis,
        snIcc: toHex(snIcc),
        serviziSignature: toHex(serviziSig),
        sodChain: check.chain,
      };
    },
  );
}

export interface NisResult {
  readonly nis: string;
  readonly serviziKpub: string;
  readonly sod: string;
  readonly challenge: string;
  readonly signature: string;
}

/** §5.1 B: NIS, EF 1005, EF.SOD and a servizi signature over a fresh challenge, all verified. */
export function nisFlow(channel: ApduChannel, o: FlowOptions = {}): Promise<FlowReport<NisResult>> {
  return runFlow(
    'NIS (internal authentication)',
    channel,
    { ...o, style: o.style === 'desktop' || !o.style ? 'android' : o.style },
    async (t) => {
      await startSession(t, false);
      await t.selectIas();
      await t.selectDfCie();
      const nis = await t.readNis('sfi');
      const serviziKpub = await t.readEf(0x1005);
      const sod = await t.readEf(0x1006);
      const challenge = (o.rng ?? systemRng).bytes(16);
      const signature = await t.serviziSign(challenge);
      if (!verifyServiziSignature(parseRsaPublicKeyFile(serviziKpub), challenge, signature))
        throw new TerminalError(
          'SIGNATURE_INVALID',
          'servizi signature does not verify with EF 1005',
        );
      const groups = new Map([
        [0xa1, asciiBytes(nis)],
        [0xa5, trimDer(serviziKpub)],
      ]);
      await t.recorder.step(
        'verify EF.SOD',
        async () => validateSod(sod, groups, o.trust?.csca ?? [], o.at),
        (c) => c.chain,
      );
      return {
        nis,
        serviziKpub: toHex(serviziKpub),
        sod: toHex(sod),
        challenge: toHex(challenge),
        signature: toHex(signature),
      };
    },
  );
}

export interface LoginOptions extends FlowOptions {
  readonly pin: string;
  /** Bytes whose SHA-256 DigestInfo is signed (default: a fixed test challenge). */
  readonly challenge?: Uint8Array;
  /** Warm reset first instead of connecting (keeps the channel open between flows). */
  readonly reset?: boolean;
}

export interface LoginResult {
  readonly pin: VerifyResult;
  readonly serial?: string;
  readonly certificate: string;
  readonly certificateChain: string;
  readonly signature: string;
}

const DEFAULT_CHALLENGE = asciiBytes('CIE Bench test challenge');

/** DH + DAPP + VERIFY + read certificate (+ serial on desktop) + sign, checked end to end. */
export function loginFlow(channel: ApduChannel, o: LoginOptions): Promise<FlowReport<LoginResult>> {
  return runFlow('login (DH + DAPP + VERIFY + certificate + sign)', channel, o, async (t) => {
    await startSession(t, o.reset ?? false);
    await secureChannel(t);
    if (o.probeTries) await t.retriesLeft(0x81);
    const pin = await t.verify(0x81, o.pin);
    await t.recorder.step('PIN accepted', async () => {
      if (!pin.ok)
        throw new TerminalError(
          pin.blocked ? 'PIN_BLOCKED' : 'PIN_WRONG',
          pin.blocked ? 'PIN blocked (6983)' : `wrong PIN, ${pin.triesLeft ?? '?'} tries left`,
          pin.sw,
        );
    });
    const serial =
      t.style === 'desktop'
        ? String.fromCharCode(...(await t.readEf(0x1002)).subarray(0, 9))
        : undefined;
    const certificate = trimDer(await t.readEf(0x1003));
    const chain = await t.recorder.step(
      'verify certificate chain',
      async () => validateHolderCertificate(certificate, o.trust?.holderCa ?? [], o.at),
      (c) => c,
    );
    const message = o.challenge ?? DEFAULT_CHALLENGE;
    const signature = await t.sign(sha256DigestInfo(message));
    await t.recorder.step('verify signature with the certificate', async () => {
      if (!verifyHolderSignature(certificate, message, signature))
        throw new TerminalError(
          'SIGNATURE_INVALID',
          'signature does not verify with the EF 1003 certificate',
        );
    });
    return {
      pin,
      ...(serial ? { serial } : {}),
      certificate: toHex(certificate),
      certificateChain: chain,
      signature: toHex(signature),
    };
  });
}

/** §5.5 "Cambio PIN": … DAPP → VERIFY old → CHANGE REFERENCE DATA. */
export function changePinFlow(
  channel: ApduChannel,
  o: FlowOptions & { oldPin: string; newPin: string; reset?: boolean },
): Promise<FlowReport<VerifyResult>> {
  return runFlow('change PIN', channel, o, async (t) => {
    await startSession(t, o.reset ?? false);
    await secureChannel(t);
    if (o.probeTries) await t.retriesLeft(0x81);
    const v = await t.verify(0x81, o.oldPin);
    if (!v.ok) return v;
    return t.changePin(o.oldPin, o.newPin);
  });
}

/** §5.5 "Sblocco PIN": … DAPP → VERIFY PUK → RESET RETRY COUNTER 02 (or 03 then 02, C_InitPIN path). */
export function unblockPinFlow(
  channel: ApduChannel,
  o: FlowOptions & { puk: string; newPin: string; initPinPath?: boolean; reset?: boolean },
): Promise<FlowReport<VerifyResult>> {
  return runFlow('unblock PIN with PUK', channel, o, async (t) => {
    await startSession(t, o.reset ?? false);
    await secureChannel(t);
    if (o.probeTries) await t.retriesLeft(0x82);
    const v = await t.verify(0x82, o.puk);
    if (!v.ok) return v;
    if (o.initPinPath) await t.resetRetryCounter();
    await t.resetRetryCounter(o.newPin);
    return v;
  });
}
