/**
 * Pairing a card ("Abbina la tua CIE", italia/cie-middleware-linux `cie-pkcs11/CSP/AbilitaCIE.cpp`):
 * with the whole 8-digit PIN, read EF.SN.ICC (the NIS), derive the card key (pairing/card-key.ts),
 * read and check EF 1001, 1004, 1005, EF.DH and EF.SOD (signature, Document Signer → CSCA, data
 * groups), open the secure channel, VERIFY the PIN, read the document number (1002) and the
 * certificate (1003) and check their SOD hashes, then store the certificate and the first 4
 * digits encrypted with the card key. A refusal at any step writes nothing.
 */
import { asciiBytes } from '../../../emulator/src/bytes/bytes.ts';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import type { Rng } from '../../../emulator/src/crypto/rng.ts';
import { TerminalError } from '../../terminals/common/step-report.ts';
import { runFlow, secureChannel, type FlowReport } from '../../terminals/ias/flows.ts';
import type { IasTerminal } from '../../terminals/ias/ias-terminal.ts';
import {
  parseRsaPublicKeyFile,
  trimDer,
  validateHolderCertificate,
  validateSod,
  verifyServiziSignature,
} from '../../terminals/ias/validation.ts';
import type { RelayChannel } from '../relay-channel.ts';
import { certificateParts } from '../daemon/objects.ts';
import { X509Certificate } from 'node:crypto';
import { cardKey } from './card-key.ts';
import { writePairing } from './store.ts';

export interface PairOptions {
  readonly pin: string;
  /** CSCA certificates (DER) the EF.SOD must chain to. */
  readonly cscas: readonly Uint8Array[];
  /** Holder CAs (DER) the certificate must chain to (none: not checked). */
  readonly holderCas?: readonly Uint8Array[];
  readonly pairingsDir: string;
  readonly rng?: Rng;
  readonly now?: Date;
  readonly showSecrets?: boolean;
}

export interface PairResult {
  readonly nis: string;
  readonly documentNumber: string;
  readonly holder: string;
  readonly notAfter: string;
  readonly file: string;
  readonly triesLeft?: number;
}

function holderName(cert: Uint8Array): string {
  const subject = new X509Certificate(cert).subject;
  const field = (k: string): string =>
    subject
      .split('\n')
      .find((l) => l.startsWith(`${k}=`))
      ?.slice(k.length + 1) ?? '';
  return `${field('GN')} ${field('SN')}`.trim() || field('CN');
}

async function pairOnCard(t: IasTerminal, o: PairOptions): Promise<PairResult> {
  await t.connect();
  if (!t.atrType)
    throw new TerminalError('CARD_NOT_RECOGNIZED', 'CIE not recognized: the ATR is not a CIE 3.0');
  await t.selectIas();
  const pan = await t.readEf(0xd003);
  const nis = toHex(pan.subarray(5, 11));
  await t.selectDfCie();
  const intKpub = await t.readEf(0x1004);
  const serviziSignature = await t.initEncKey(pan);
  const key = cardKey(serviziSignature);
  const nisFile = await t.readNis();
  if (nisFile !== nis)
    throw new TerminalError('NIS_MISMATCH', `EF 1001 holds ${nisFile}, EF.SN.ICC says ${nis}`);
  const serviziKpub = await t.readEf(0x1005);
  if (
    !verifyServiziSignature(parseRsaPublicKeyFile(serviziKpub), asciiBytes(nis), serviziSignature)
  )
    throw new TerminalError(
      'SIGNATURE_INVALID',
      'the servizi signature does not verify with EF 1005',
    );
  const sod = await t.readEf(0x1006);
  await t.selectIas();
  const efDh = await t.readEf(0xd004);
  await t.reset();
  await secureChannel(t);
  const v = await t.verify(0x81, o.pin);
  if (!v.ok)
    throw new TerminalError(
      v.blocked ? 'PIN_BLOCKED' : 'PIN_WRONG',
      v.blocked
        ? 'PIN bloccato: sbloccalo con il PUK'
        : `PIN errato: ${v.triesLeft ?? '?'} tentativi rimasti`,
      v.sw,
    );
  const serial = (await t.readEf(0x1002)).subarray(0, 9);
  const certificate = trimDer(await t.readEf(0x1003));
  const groups = new Map<number, Uint8Array>([
    [0xa1, asciiBytes(nis)],
    [0xa2, serial],
    [0xa3, certificate],
    [0xa4, trimDer(intKpub)],
    [0xa5, trimDer(serviziKpub)],
    [0x1b, trimDer(efDh)],
  ]);
  await t.recorder.step(
    'verify EF.SOD (A1 A2 A3 A4 A5 1B)',
    async () => validateSod(sod, groups, o.cscas, o.now),
    (c) => c.chain,
  );
  if (o.holderCas && o.holderCas.length > 0) {
    const cas = o.holderCas;
    await t.recorder.step('verify certificate chain', async () =>
      validateHolderCertificate(certificate, cas),
    );
  }
  const parts = certificateParts(certificate);
  const holder = holderName(certificate);
  const file = writePairing(
    o.pairingsDir,
    nis,
    key,
    { certificate, pinHalf: o.pin.slice(0, 4) },
    { holder, notAfter: parts.notAfter, now: o.now ?? new Date() },
  );
  return {
    nis,
    documentNumber: Buffer.from(serial).toString('latin1'),
    holder,
    notAfter: parts.notAfter.toISOString(),
    file,
  };
}

/** Pairs the card in `channel`'s reader, inside one PC/SC transaction. */
export function pairCard(channel: RelayChannel, o: PairOptions): Promise<FlowReport<PairResult>> {
  if (!/^\d{8}$/.test(o.pin)) throw new TerminalError('PIN_FORMAT', 'the CIE PIN is 8 digits');
  return channel.transaction(() =>
    runFlow(
      'pair (Abbina la tua CIE)',
      channel,
      {
        style: 'desktop',
        ...(o.rng ? { rng: o.rng } : {}),
        ...(o.showSecrets ? { showSecrets: true } : {}),
      },
      (t) => pairOnCard(t, o),
    ),
  );
}
