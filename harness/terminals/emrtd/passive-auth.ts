/**
 * Passive Authentication (ICAO Doc 9303-11 §5.1): EF.SOD signature with the embedded Document
 * Signer certificate, DS → CSCA chain, and the hash of every data group read. Uses the shared
 * SOD parser and chain checks of `emulator/src/personalise/pki`.
 */
import { parseSod, type ParsedSod } from '../../../emulator/src/personalise/pki/sod.ts';
import { verifyDocumentSigner } from '../../../emulator/src/personalise/pki/chain.ts';
import { TerminalError } from '../common/step-report.ts';
import type { InspectionSession } from './inspection-session.ts';

export interface PassiveAuthResult {
  readonly signature: boolean;
  readonly chain: { readonly ok: boolean; readonly detail: string };
  /** DG number → hash matches (false also when the SOD has no hash for it). */
  readonly dataGroups: Readonly<Record<number, boolean>>;
  /** Data groups the SOD lists that were not read (e.g. DG3 without TA). */
  readonly notRead: readonly number[];
  readonly hashAlgorithm: string;
  readonly ok: boolean;
}

export function verifyPassive(
  sodBytes: Uint8Array,
  dataGroups: ReadonlyMap<number, Uint8Array>,
  cscas: readonly Uint8Array[],
  at?: Date,
): PassiveAuthResult {
  let sod: ParsedSod;
  try {
    sod = parseSod(sodBytes);
  } catch (e) {
    throw new TerminalError('SOD_FORMAT', `EF.SOD: ${(e as Error).message}`);
  }
  const signature = sod.verifySignature();
  const checks = cscas.map((c) => verifyDocumentSigner(sod.signerCertificate, c, at));
  const good = checks.find((c) => c.ok);
  const chain = good ?? {
    ok: false,
    detail: checks.length === 0 ? 'no trusted CSCA given' : (checks[0]?.detail ?? ''),
  };
  const results: Record<number, boolean> = {};
  for (const [n, content] of dataGroups)
    results[n] = sod.dataGroupHashes.has(n) && sod.verifyDataGroup(n, content);
  const notRead = sod.dataGroupOrder.filter((n) => !dataGroups.has(n));
  const ok = signature && chain.ok && Object.values(results).every(Boolean);
  return {
    signature,
    chain: { ok: chain.ok, detail: chain.detail },
    dataGroups: results,
    notRead,
    hashAlgorithm: sod.hashAlgorithm,
    ok,
  };
}

/** The step form: fails (TerminalError) when any check fails, with the detail in the message. */
export async function passiveAuthentication(
  s: InspectionSession,
  sodBytes: Uint8Array,
  dataGroups: ReadonlyMap<number, Uint8Array>,
  cscas: readonly Uint8Array[],
): Promise<PassiveAuthResult> {
  return s.recorder.step(
    'Passive Authentication',
    async () => {
      const r = verifyPassive(sodBytes, dataGroups, cscas);
      if (!r.signature)
        throw new TerminalError(
          'PA_SIGNATURE',
          'EF.SOD signature does not verify with the embedded DS certificate',
        );
      if (!r.chain.ok)
        throw new TerminalError(
          'PA_CHAIN',
          `DS certificate not issued by a trusted CSCA: ${r.chain.detail}`,
        );
      const bad = Object.entries(r.dataGroups)
        .filter(([, v]) => !v)
        .map(([k]) => `DG${k}`);
      if (bad.length > 0) throw new TerminalError('PA_HASH', `hash mismatch for ${bad.join(', ')}`);
      return r;
    },
    (r) =>
      `SOD ${r.hashAlgorithm}; signature ok; chain ok; ${Object.keys(r.dataGroups).length} DG hash(es) ok${r.notRead.length > 0 ? `; not read: ${r.notRead.map((n) => `DG${n}`).join(', ')}` : ''}`,
  );
}
