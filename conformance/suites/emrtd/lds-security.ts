/**
 * eMRTD suite, ICAO Part 3 LDS_D (EF.SOD), LDS_E (DG14, and DG3's format identifiers) and LDS_I
 * (EF.CardAccess): ICAO Doc 9303-10 §4.6.2, §4.7.14; 9303-11 §9.2; RFC 5652. Each case the
 * matrix's purpose (conformance/icao-part3/matrix-v3.2.cases.tsv); LDS_E_6 (Active Authentication)
 * and LDS_E_7, LDS_I_4 (PACE-CAM) test what the CIE lacks (conformance/icao-part3/exclusions.ts).
 */
import { findTlv, parseSingleTlv, type Tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { equalBytes } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { parseSod } from '../../../emulator/src/personalise/pki/sod.ts';
import { verifyIssuedBy } from '../../../emulator/src/personalise/pki/chain.ts';
import { chipAuthentication } from '../../../harness/terminals/emrtd/eac.ts';
import { EF_SOD } from '../../../harness/terminals/emrtd/lds.ts';
import type { ConformanceCase } from '../../lib/model.ts';
import { fail } from '../../lib/procedures.ts';
import { emrtd, icao10, icao11 } from '../refs.ts';
import { readDg, readFile, withSession } from './common.ts';
import {
  cardAccess,
  cardAccessBytes,
  dg14,
  lds,
  lengthEncoding,
  sod,
  top,
  trust,
} from './lds-common.ts';

const rfc5652 = (clause: string) => ({ doc: 'RFC 5652', clause });
const HASHES = ['sha1', 'sha224', 'sha256', 'sha384', 'sha512'];
const ID_TA = '0.4.0.127.0.7.2.2.2';

/** SignedData (ContentInfo [0]) as a TLV tree: 77 { 30 { 06 id-signedData, A0 { 30 … } } }. */
async function signedData(ctx: Parameters<typeof readFile>[0]): Promise<Tlv> {
  const t = top(await readFile(ctx, EF_SOD), 0x77, 'EF.SOD');
  const ci = parseSingleTlv(t.value);
  const explicit = findTlv(ci.children, 0xa0) ?? fail('ContentInfo without [0] content');
  return parseSingleTlv(explicit.value);
}

const D: ConformanceCase[] = [
  lds(
    'LDS_D_1',
    'EF.SOD starts with the template tag 77',
    [icao10('§4.6.2'), emrtd('§2.9')],
    'tag 77',
    async (ctx) => void top(await readFile(ctx, EF_SOD), 0x77, 'EF.SOD'),
  ),
  lds(
    'LDS_D_2',
    'The length of EF.SOD is encoded in the shortest form and covers the file',
    [icao10('§4.4')],
    'shortest length form, exact',
    async (ctx) => lengthEncoding(await readFile(ctx, EF_SOD), 0x77),
  ),
  lds(
    'LDS_D_3',
    'EF.SOD holds a ContentInfo id-signedData whose SignedData is DER (SEQUENCE of version, digestAlgorithms, encapContentInfo, certificates, signerInfos)',
    [rfc5652('§5.1'), icao10('§4.6.2')],
    'parses as CMS SignedData',
    async (ctx) => {
      await sod(ctx);
      const sd = await signedData(ctx);
      return sd.tag === 0x30 && (sd.children ?? []).length >= 4
        ? undefined
        : 'SignedData is not a SEQUENCE of ≥ 4 elements';
    },
  ),
  lds(
    'LDS_D_4',
    'SignedData values: version 3, one ICAO-allowed digest algorithm, eContentType id-icao-mrtd-security-ldsSecurityObject',
    [rfc5652('§5.1'), icao10('§4.6.2.1'), icao11('§5.1 (hash algorithms)')],
    'version 3; SHA-1/SHA-2; 2.23.136.1.1.1',
    async (ctx) => {
      const s = await sod(ctx);
      const sd = await signedData(ctx);
      const version = sd.children?.[0]?.value[0];
      if (version !== 3) return `SignedData version ${version}`;
      if (!HASHES.includes(s.digestAlgorithm)) return `digest algorithm ${s.digestAlgorithm}`;
      const econtent = sd.children?.[2];
      const type = findTlv(econtent?.children, 0x06)?.value;
      return type && toHex(type) === '678108010101'
        ? undefined
        : `eContentType ${type ? toHex(type) : 'missing'}`;
    },
  ),
  lds(
    'LDS_D_5',
    'The SignerInfo: messageDigest equals the hash of the LDSSecurityObject and the signature verifies with the Document Signer certificate',
    [rfc5652('§5.3, §11.2'), icao11('§5.1')],
    'messageDigest matches; signature verifies',
    async (ctx) => {
      const s = await sod(ctx);
      if (!s.messageDigestMatches()) return 'messageDigest mismatch';
      return s.verifySignature() ? undefined : 'signature does not verify';
    },
  ),
  lds(
    'LDS_D_6',
    'The LDSSecurityObject: version 0 or 1 (with LDSVersionInfo), an allowed hash algorithm, and the hashes of the readable data groups match',
    [icao10('§4.6.2.2, Appendix D'), icao11('§5.1 step 4')],
    'LDS security object v0/v1; every readable DG hashes to its entry',
    async (ctx) => {
      const s = await sod(ctx);
      if (s.version === 1 && !s.ldsVersionInfo) return 'version 1 without LDSVersionInfo';
      if (s.version !== 0 && s.version !== 1) return `version ${s.version}`;
      if (!HASHES.includes(s.hashAlgorithm)) return `hash algorithm ${s.hashAlgorithm}`;
      for (const n of [1, 2, 11, 12, 14].filter((d) => ctx.tokens.has(`DG${d}`)))
        if (!s.verifyDataGroup(n, await readDg(ctx, n))) return `DG${n} hash differs`;
      return undefined;
    },
  ),
  lds(
    'LDS_D_7',
    'The Document Signer certificate in EF.SOD chains to a trusted CSCA',
    [icao11('§5.1 step 2 (DS → CSCA)')],
    'issued by a trusted CSCA',
    async (ctx) => {
      const ds = parseSod(await readFile(ctx, EF_SOD)).signerCertificate;
      const all = trust(ctx).csca.map((c) => verifyIssuedBy(ds, c));
      return all.some((c) => c.ok)
        ? undefined
        : `not issued by a trusted CSCA: ${all.map((c) => c.detail).join('; ')}`;
    },
    ['TEST_PKI'],
  ),
  lds(
    'CIE_EMRTD_SOD_1',
    'After Terminal Authentication, the hash of DG3 matches too',
    [icao11('§5.1'), emrtd('§1.6 (DG3)')],
    'DG3 hash',
    async (ctx) =>
      parseSod(await readFile(ctx, EF_SOD)).verifyDataGroup(3, await readDg(ctx, 3))
        ? undefined
        : 'DG3 hash differs',
    ['DG3', 'TA', 'TEST_PKI'],
    'ta_done',
    'LDS_D',
  ),
];

const E: ConformanceCase[] = [
  lds(
    'LDS_E_1',
    'DG14 starts with the template tag 6E and holds a SET OF SecurityInfo',
    [icao10('§4.7.14'), icao11('§9.2')],
    'tag 6E, parses',
    async (ctx) => void (await dg14(ctx)),
    ['DG14'],
  ),
  lds(
    'LDS_E_2',
    'DG14 holds the SecurityInfos for Chip Authentication: a ChipAuthenticationInfo and a ChipAuthenticationPublicKeyInfo',
    [icao11('§9.2.5, §9.2.6')],
    'both present',
    async (ctx) => {
      const infos = await dg14(ctx);
      if (!infos.some((i) => i.type === 'ca')) return 'no ChipAuthenticationInfo';
      return infos.some((i) => i.type === 'ca-public-key')
        ? undefined
        : 'no ChipAuthenticationPublicKeyInfo';
    },
    ['DG14', 'CA'],
  ),
  lds(
    'LDS_E_3',
    'The ChipAuthenticationPublicKeyInfo: id-PK-DH/ECDH, a public key of the ChipAuthenticationInfo agreement, keyId as referenced',
    [icao11('§9.2.6')],
    'a matching public key',
    async (ctx) => {
      const infos = await dg14(ctx);
      const ca = infos.find((i) => i.type === 'ca');
      const keys = infos.filter((i) => i.type === 'ca-public-key');
      if (!ca || ca.type !== 'ca') return 'no ChipAuthenticationInfo';
      const key = keys.find(
        (k) => k.type === 'ca-public-key' && (ca.keyId === undefined || k.keyId === ca.keyId),
      );
      if (!key || key.type !== 'ca-public-key') return 'no public key with the keyId';
      return key.key.domain.kind === ca.protocol.agreement
        ? undefined
        : `key is ${key.key.domain.kind}, protocol ${ca.protocol.agreement}`;
    },
    ['DG14', 'CA'],
  ),
  lds(
    'LDS_E_4',
    'The ChipAuthenticationInfo: a known id-CA protocol, version 1',
    [icao11('§9.2.5')],
    'id-CA-… version 1',
    async (ctx) => {
      const ca = (await dg14(ctx)).filter((i) => i.type === 'ca');
      return ca.length >= 1 && ca.every((i) => i.type === 'ca' && i.version === 1)
        ? undefined
        : 'no ChipAuthenticationInfo v1';
    },
    ['DG14', 'CA'],
  ),
  lds(
    'LDS_E_5',
    'DG14 and EF.CardAccess agree: the PACEInfos in DG14 are those of EF.CardAccess',
    [icao11('§9.2 (coherence)')],
    'same PACE protocols and parameter ids',
    async (ctx) => {
      const key = (i: { protocol: { oid: string }; parameterId?: number }) =>
        `${i.protocol.oid}/${i.parameterId}`;
      const a = (await dg14(ctx)).flatMap((i) => (i.type === 'pace' ? [key(i)] : [])).sort();
      const b = (await cardAccess(ctx)).flatMap((i) => (i.type === 'pace' ? [key(i)] : [])).sort();
      return a.length === 0 || a.join() === b.join()
        ? undefined
        : `DG14 ${a.join(' ')} vs EF.CardAccess ${b.join(' ')}`;
    },
    ['DG14'],
  ),
  lds(
    'LDS_E_8',
    'DG14 holds a TerminalAuthenticationInfo of version 1 (EAC)',
    [icao11('§9.2.7'), emrtd('§2.9')],
    'id-TA version 1',
    async (ctx) =>
      (await dg14(ctx)).some((i) => i.type === 'ta' && i.version === 1)
        ? undefined
        : 'no TerminalAuthenticationInfo v1',
    ['DG14', 'TA'],
  ),
  lds(
    'LDS_E_9',
    'The TerminalAuthenticationInfo is DER: SEQUENCE { OID id-TA, INTEGER 1 [, efCVCA FileID] }',
    [
      icao11('§9.2.7'),
      { doc: 'BSI TR-03110 v1.11', clause: '§A.1.1.3 (TerminalAuthenticationInfo)' },
    ],
    'one id-TA SecurityInfo, version 1, optional FileID 011C',
    async (ctx) => {
      const t = top(await readDg(ctx, 14), 0x6e, 'DG14');
      const set = parseSingleTlv(t.value);
      const ta = (set.children ?? []).filter(
        (c) =>
          toHex(findTlv(c.children, 0x06)?.value ?? new Uint8Array()) === '04007F00070202' + '02',
      );
      if (ta.length !== 1) return `${ta.length} TerminalAuthenticationInfos (${ID_TA})`;
      const [, version, file] = ta[0]?.children ?? [];
      if (version?.tag !== 0x02 || toHex(version.value) !== '01') return 'version is not INTEGER 1';
      if (!file) return undefined;
      const fid = findTlv(file.children, 0x04)?.value;
      return fid && toHex(fid) === '011C' ? undefined : `efCVCA ${toHex(file.raw)}`;
    },
    ['DG14', 'TA'],
  ),
  lds(
    'LDS_E_10',
    'DG3: the CBEFF format type of each template agrees with the data block format identifier (0007 ↔ "FIR\\0")',
    [
      icao10('§4.7.3 (DG3)'),
      { doc: 'ISO/IEC 19794-4:2005', clause: '§8.2 (general header)' },
      emrtd('§1.6 (DG3 after TA)'),
    ],
    '88 00 07 with 5F2E "FIR\\0 010\\0" (or the 39794-4 pair)',
    async (ctx) => {
      const g = findTlv(top(await readDg(ctx, 3), 0x63, 'DG3').children, 0x7f61);
      const bits = (g?.children ?? []).filter((x) => x.tag === 0x7f60);
      if (bits.length === 0) return 'no 7F60 template';
      for (const bit of bits) {
        const type = toHex(
          findTlv(findTlv(bit.children, 0xa1)?.children, 0x88)?.value ?? new Uint8Array(),
        );
        const bdb = findTlv(bit.children, 0x5f2e)?.value;
        if (type === '0007') {
          if (!bdb || toHex(bdb.subarray(0, 8)) !== '4649520030313000')
            return `format type 0007 with data ${bdb ? toHex(bdb.subarray(0, 8)) : 'not under 5F2E'}`;
        } else if (!findTlv(bit.children, 0x7f2e)) return `format type ${type} without 7F2E`;
      }
      return undefined;
    },
    ['DG3', 'TA', 'TEST_PKI'],
    'ta_done',
  ),
  lds(
    'CIE_EMRTD_CA_2',
    'The chip-authentication public key of DG14 is usable: Chip Authentication with it succeeds',
    [icao11('§6.2')],
    'CA completes (implicit authentication: a protected SELECT under the new keys)',
    async (ctx) => {
      const dg = await readDg(ctx, 14);
      try {
        await withSession(ctx, (s) => chipAuthentication(s, dg), false);
      } catch (e) {
        return `Chip Authentication failed: ${(e as Error).message}`;
      }
      return undefined;
    },
    ['DG14', 'CA'],
    'pace_done',
    'LDS_E',
  ),
];

const fromCardAccess = (
  id: string,
  title: string,
  refs: ConformanceCase['refs'],
  expected: string,
  check: Parameters<typeof lds>[4],
  applies: string[] = [],
): ConformanceCase =>
  lds(
    id,
    title,
    refs,
    expected,
    check,
    applies,
    'card_access_read',
    id.startsWith('CIE_') ? 'LDS_I' : undefined,
  );

const I: ConformanceCase[] = [
  fromCardAccess(
    'LDS_I_1',
    'EF.CardAccess is a DER SET OF SecurityInfo',
    [icao11('§9.2.1'), emrtd('§1.3')],
    'parses',
    async (ctx) => void (await cardAccess(ctx)),
  ),
  fromCardAccess(
    'LDS_I_2',
    'Every PACEInfo is version 2 with a standardized parameter id',
    [icao11('§9.2.1 (PACEInfo)'), emrtd('§2.5 (domain parameters)')],
    'version 2, parameterId 0..18',
    async (ctx) => {
      const pace = (await cardAccess(ctx)).filter((i) => i.type === 'pace');
      if (pace.length === 0) return 'no PACEInfo';
      return pace.every(
        (i) =>
          i.type === 'pace' &&
          i.version === 2 &&
          i.parameterId !== undefined &&
          i.parameterId <= 18,
      )
        ? undefined
        : 'a PACEInfo is not v2 with a standardized parameter id';
    },
  ),
  fromCardAccess(
    'LDS_I_3',
    'PACEDomainParameterInfo: none is needed with standardized parameters; any present is id-PACE-DH/ECDH-… with a parameter id',
    [icao11('§9.2.1 (PACEDomainParameterInfo)')],
    'no proprietary domain without a PACEDomainParameterInfo',
    async (ctx) => {
      const infos = await cardAccess(ctx);
      const needs = infos.filter(
        (i) => i.type === 'pace' && (i.parameterId === undefined || i.parameterId > 31),
      );
      const domainInfos = infos.filter(
        (i) => i.type === 'unknown' && i.oid.startsWith('0.4.0.127.0.7.2.2.4.'),
      );
      return needs.length === 0 || domainInfos.length > 0
        ? undefined
        : 'a PACEInfo with a proprietary domain, and no PACEDomainParameterInfo';
    },
  ),
  fromCardAccess(
    'LDS_I_4',
    'With PACE-CAM, EF.CardAccess also holds a valid PACEInfo for generic or integrated mapping',
    [icao11('§4.4.3.5 (CAM alongside GM/IM)')],
    'a GM or IM PACEInfo next to the CAM one',
    async (ctx) => {
      const pace = (await cardAccess(ctx)).filter((i) => i.type === 'pace');
      if (!pace.some((i) => i.type === 'pace' && i.protocol.mapping === 'CAM')) return undefined;
      return pace.some((i) => i.type === 'pace' && i.protocol.mapping !== 'CAM')
        ? undefined
        : 'CAM without a GM/IM PACEInfo';
    },
    ['PACE-CAM'],
  ),
  fromCardAccess(
    'CIE_EMRTD_LDS_1',
    'EF.CardAccess announces no Chip Authentication Mapping without EF.CardSecurity',
    [icao11('§4.4 (CAM needs EF.CardSecurity)')],
    'no CAM unless CARD_SECURITY',
    async (ctx) => {
      const cam = (await cardAccess(ctx)).some(
        (i) => i.type === 'pace' && i.protocol.mapping === 'CAM',
      );
      return cam && !ctx.tokens.has('CARD_SECURITY')
        ? 'CAM announced without EF.CardSecurity'
        : undefined;
    },
  ),
  fromCardAccess(
    'CIE_EMRTD_LDS_2',
    'EF.CardAccess holds exactly the bytes the ICS declares (real CIE: DH-GM-3DES, parameter 2)',
    [emrtd('§1.3 (31 14 30 12 …)')],
    'byte-exact',
    async (ctx) => {
      const want = ctx.ics.emrtd?.cardAccess;
      if (!want) return undefined;
      const got = cardAccessBytes(ctx);
      return equalBytes(got, fromHex(want)) ? undefined : `EF.CardAccess ${toHex(got)}`;
    },
  ),
];

export const LDS_SECURITY_CASES: readonly ConformanceCase[] = [...D, ...E, ...I];
