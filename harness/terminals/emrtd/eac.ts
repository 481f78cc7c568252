/**
 * Extended Access Control building blocks of the reference inspection system: Chip Authentication
 * v1 from DG14 (ICAO 9303-11 §6.2) and Terminal Authentication v1 with a CV certificate chain
 * (§7.1; emrtd/README.md §2.6–2.7, the CIE flow of the IPZS .NET SDK).
 */
import { parseTlvs, tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { derOid } from '../../../emulator/src/protocols/asn1/der.ts';
import {
  caEphemeralKeys,
  caTerminalSession,
} from '../../../emulator/src/protocols/chip-auth/ca-terminal.ts';
import { gaTemplate } from '../../../emulator/src/protocols/pace/pace-crypto.ts';
import {
  parseSecurityInfos,
  type ChipAuthInfo,
  type ChipAuthPublicKeyInfo,
} from '../../../emulator/src/protocols/security-infos.ts';
import { parseCvCertificate } from '../../../emulator/src/protocols/terminal-auth/cv-certificate.ts';
import { taSign } from '../../../emulator/src/protocols/terminal-auth/cv-signature.ts';
import { taMessage } from '../../../emulator/src/protocols/terminal-auth/ta-card.ts';
import type { CurveName } from '../../../emulator/src/protocols/domain/ec-domain.ts';
import type { CvHolder } from '../../../emulator/src/personalise/emrtd/cv-pki.ts';
import { TerminalError } from '../common/step-report.ts';
import type { InspectionSession } from './inspection-session.ts';

function tlvBody(dg14: Uint8Array): Uint8Array {
  const [top] = parseTlvs(dg14);
  if (!top || top.tag !== 0x6e)
    throw new TerminalError('LDS_FORMAT', 'DG14 does not start with tag 6E');
  return top.value;
}

export interface ChipAuthChoice {
  readonly info: ChipAuthInfo;
  readonly key: ChipAuthPublicKeyInfo;
}

/** The Chip Authentication protocol and key announced in DG14. */
export function chipAuthChoice(dg14: Uint8Array): ChipAuthChoice {
  const infos = parseSecurityInfos(tlvBody(dg14));
  const info = infos.find((i): i is ChipAuthInfo => i.type === 'ca');
  const keys = infos.filter((i): i is ChipAuthPublicKeyInfo => i.type === 'ca-public-key');
  const key = info?.keyId === undefined ? keys[0] : keys.find((k) => k.keyId === info.keyId);
  if (!info || !key)
    throw new TerminalError(
      'CA_UNSUPPORTED',
      'DG14 has no ChipAuthenticationInfo with a matching public key',
    );
  return { info, key };
}

/**
 * Chip Authentication: 3DES via MSE:Set KAT (the CIE's), AES via MSE:Set AT + GENERAL
 * AUTHENTICATE. The new session is confirmed by the next protected command succeeding.
 */
export async function chipAuthentication(s: InspectionSession, dg14: Uint8Array): Promise<void> {
  await s.recorder.step(
    'Chip Authentication',
    async () => {
      const { info, key } = chipAuthChoice(dg14);
      const domain = key.key.domain;
      const eph = caEphemeralKeys(domain, s.rng);
      const keyId = info.keyId === undefined ? [] : [tlv(0x84, Uint8Array.of(info.keyId))];
      if (info.protocol.cipher === '3DES') {
        await s.link.expect(
          { ins: 0x22, p1: 0x41, p2: 0xa6, data: concatBytes(tlv(0x91, eph.publicKey), ...keyId) },
          'CA_FAILED',
          'MSE:Set KAT',
        );
      } else {
        await s.link.expect(
          {
            ins: 0x22,
            p1: 0x41,
            p2: 0xa4,
            data: concatBytes(tlv(0x80, derOid(info.protocol.oid).subarray(2)), ...keyId),
          },
          'CA_FAILED',
          'MSE:Set AT (CA)',
        );
        await s.link.expect(
          { ins: 0x86, p1: 0, p2: 0, data: gaTemplate(tlv(0x80, eph.publicKey)), ne: 256 },
          'CA_FAILED',
          'GENERAL AUTHENTICATE (CA)',
        );
      }
      s.link.session = caTerminalSession(domain, eph, key.key.publicKey, info.protocol.cipher);
      s.caCompPkPcd = eph.compressed;
      // Implicit authentication: a chip without the DG14 private key cannot answer this one.
      await s.link.expect(
        {
          ins: 0xa4,
          p1: 0x04,
          p2: 0x0c,
          data: Uint8Array.of(0xa0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01),
        },
        'CA_FAILED',
        'first command under the new keys',
      );
      return info.protocol.oid;
    },
    (oid) => `${oid}; session re-keyed, SSC 0, confirmed by a protected SELECT`,
  );
}

export interface TerminalCredentials {
  /** DV (and any CVCA link) certificates, then the IS certificate, as 7F21 DER. */
  readonly chain: readonly Uint8Array[];
  /** Private key of the IS certificate. */
  readonly privateKey: bigint;
  readonly curve: CurveName;
  readonly algorithmOid: string;
}

/** Credentials of an IS certificate issued by `dv` (chain DV, IS). */
export function credentialsOf(holder: CvHolder, dv: CvHolder): TerminalCredentials {
  return {
    chain: [dv.certificate, holder.certificate],
    privateKey: holder.privateKey,
    curve: holder.curve,
    algorithmOid: holder.algorithmOid,
  };
}

/** Terminal Authentication v1: MSE:Set DST + PSO:VERIFY CERTIFICATE per certificate, MSE:Set AT, challenge, signature. */
export async function terminalAuthentication(
  s: InspectionSession,
  creds: TerminalCredentials,
): Promise<void> {
  await s.recorder.step('Terminal Authentication', async () => {
    if (!s.access || !s.caCompPkPcd)
      throw new TerminalError(
        'TA_SEQUENCE',
        'Terminal Authentication needs BAC/PACE and Chip Authentication first',
      );
    let isChr = '';
    for (const der of creds.chain) {
      const cert = parseCvCertificate(der);
      await s.link.expect(
        { ins: 0x22, p1: 0x81, p2: 0xb6, data: tlv(0x83, new TextEncoder().encode(cert.car)) },
        'TA_FAILED',
        `MSE:Set DST ${cert.car}`,
      );
      await s.link.expect(
        {
          ins: 0x2a,
          p1: 0x00,
          p2: 0xbe,
          data: concatBytes(cert.body, tlv(0x5f37, cert.signature)),
        },
        'TA_CERTIFICATE_REJECTED',
        `PSO:VERIFY CERTIFICATE ${cert.chr}`,
      );
      isChr = cert.chr;
    }
    await s.link.expect(
      { ins: 0x22, p1: 0x81, p2: 0xa4, data: tlv(0x83, new TextEncoder().encode(isChr)) },
      'TA_FAILED',
      `MSE:Set AT ${isChr}`,
    );
    const challenge = (
      await s.link.expect({ ins: 0x84, p1: 0, p2: 0, ne: 8 }, 'TA_FAILED', 'GET CHALLENGE')
    ).data;
    const signature = taSign(
      creds.curve,
      creds.algorithmOid,
      creds.privateKey,
      taMessage({ idPicc: s.access.idPicc, compPkPcd: s.caCompPkPcd }, challenge),
    );
    await s.link.expect(
      { ins: 0x82, p1: 0, p2: 0, data: signature },
      'TA_FAILED',
      'EXTERNAL AUTHENTICATE',
    );
  });
}
