/**
 * CIE IAS suite: application selection (both forms on every personality), the files of
 * ias/README.md §2.2 and their formats, the 231-byte READ BINARY cap and EOF statuses, and the
 * NIS consistency rules (NIS = BCD of EF.SN.ICC bytes 5..10; EF.SOD hashes over the files).
 */
import { X509Certificate } from 'node:crypto';
import { parseSingleTlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { bytesToAscii, equalBytes } from '../../../emulator/src/bytes/bytes.ts';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import { parseSod } from '../../../emulator/src/personalise/pki/sod.ts';
import { verifyIssuedBy } from '../../../emulator/src/personalise/pki/chain.ts';
import { trimDer } from '../../../harness/terminals/ias/validation.ts';
import type { CaseContext } from '../../lib/case-context.ts';
import { eofMode } from '../../lib/ics.ts';
import type { ConformanceCase } from '../../lib/model.ts';
import {
  apdu,
  fail,
  must,
  procedure,
  readFid,
  readCurrent,
  selectAid,
  selectFid,
} from '../../lib/procedures.ts';
import type { TrustAnchors } from '../../../harness/cards/card-registry.ts';
import { cieIas, iso4 } from '../refs.ts';
import { iasCase, iasIcs } from './common.ts';
import { DF_CIE_AID } from '../../../emulator/src/applications/ias/ias-constants.ts';
import {
  SW_6282_END_OF_FILE,
  SW_6982_SECURITY_STATUS_NOT_SATISFIED,
  SW_9000_OK,
} from '../../../emulator/src/apdu/status-words.ts';

const SEL = 'SEL';
const FILE = 'FILE';
const NIS = 'NIS';
const READ = 'READ';

/** EF.ATR markers per family (ias/README.md §1.4 table). */
const EF_ATR_MARKER: Readonly<Record<string, string>> = {
  nxp: '47039401 80',
  st: '4F0CA00000009500000000 8A0001',
  itj4: '47039401E07F6608',
  gemalto: '496173456363526F6F74',
  gemalto2: '47039441C0',
};

function hasMarker(data: Uint8Array, family: string): string | undefined {
  const marker = (EF_ATR_MARKER[family] ?? '').replace(/\s/g, '');
  return toHex(data).includes(marker)
    ? undefined
    : `EF.ATR lacks the ${family} marker ${marker}: ${toHex(data)}`;
}

/** DER RSAPublicKey `30 82 01 0A 02 82 01 01 00 <n> 02 03 01 00 01` (§2.2), zero padding allowed. */
function rsaPublicKeyFile(d: Uint8Array): string | undefined {
  const h = toHex(trimDer(d));
  return h.startsWith('3082010A0282010100') && h.endsWith('0203010001') && h.length === 540
    ? undefined
    : `not the §2.2 RSAPublicKey form: ${h.slice(0, 24)}…`;
}

/** The 12 NIS digits encoded in EF.SN.ICC bytes 5..10 (§2.2 notes). */
export function nisFromSnIcc(sn: Uint8Array): string {
  return toHex(sn.subarray(5, 11));
}

function trust(ctx: CaseContext): TrustAnchors {
  return ctx.service<TrustAnchors>('trust');
}

export const FILE_CASES: readonly ConformanceCase[] = [
  iasCase(
    SEL,
    1,
    'SELECT of the IAS application by AID (00 A4 04 0C 0D <AID>) answers 9000',
    [cieIas('§2.1, §3 row 1, §1.3')],
    {
      applies: ['IAS-SELECT-AID'],
      steps: [
        {
          title: 'SELECT IAS AID',
          send: '00A4040C<IAS_AID_LV>',
          expect: { sw: ['9000'], data: { empty: true } },
        },
      ],
    },
  ),
  iasCase(
    SEL,
    2,
    'SELECT of the IAS root with the 4-byte command 00 A4 00 00 answers 9000',
    [cieIas('§3 row 3, §1.3 (NXP/Actalis/Bit4id desktop form)')],
    {
      applies: ['IAS-SELECT-MF'],
      steps: [{ title: 'SELECT 00 A4 00 00', send: '00A40000', expect: { sw: ['9000'] } }],
    },
  ),
  iasCase(
    SEL,
    3,
    'After SELECT IAS by AID, EF.SN.ICC D003 is selectable with P2 04 (desktop detection)',
    [cieIas('§12a (token detection), §2.2')],
    {
      applies: ['IAS-SELECT-AID'],
      steps: [
        { title: 'SELECT IAS AID', send: '00A4040C<IAS_AID_LV>', expect: { sw: ['9000'] } },
        { title: 'SELECT D003, P2 04', send: '00A4020402D003', expect: { sw: ['9000'] } },
        {
          title: 'READ BINARY Le 80',
          send: '00B0000080',
          expect: { sw: ['6282', '9000'], data: { length: 12 } },
        },
      ],
    },
  ),
  iasCase(
    SEL,
    4,
    'After 00 A4 00 00, EF.SN.ICC D003 is selectable: both forms reach the IAS root',
    [cieIas('§2.2 (D003 under the IAS root), §1.3')],
    {
      applies: ['IAS-SELECT-MF'],
      steps: [
        { title: 'SELECT 00 A4 00 00', send: '00A40000', expect: { sw: ['9000'] } },
        { title: 'SELECT D003', send: '00A4020402D003', expect: { sw: ['9000'] } },
      ],
    },
  ),
  iasCase(SEL, 5, 'SELECT DF_CIE by AID with P2 0C answers 9000', [cieIas('§2.1, §3 row 2')], {
    preconditions: ['ias_selected'],
    steps: [
      {
        title: 'SELECT DF_CIE',
        send: '00A4040C<DF_CIE_AID_LV>',
        expect: { sw: ['9000'], data: { empty: true } },
      },
    ],
  }),
  iasCase(
    SEL,
    6,
    'SELECT DF_CIE by AID with P2 04 and no Le (mobile getServiceID) answers 9000',
    [cieIas('§2.1 (00 A4 04 04), §3 row 2')],
    {
      preconditions: ['ias_selected'],
      steps: [
        { title: 'SELECT DF_CIE P2 04', send: '00A40404<DF_CIE_AID_LV>', expect: { sw: ['9000'] } },
      ],
    },
  ),
  iasCase(
    SEL,
    7,
    'SELECT MF by FID with P2 00 and P2 0C answers 9000',
    [cieIas('§2.1 (MF forms), §3 row 4')],
    {
      steps: [
        { title: 'SELECT 3F00, P2 00', send: '00A40000023F00', expect: { sw: ['9000'] } },
        {
          title: 'SELECT 3F00, P2 0C',
          send: '00A4000C023F00',
          expect: { sw: ['9000'], data: { empty: true } },
        },
      ],
    },
  ),
  iasCase(
    SEL,
    8,
    'SELECT EF with P2 04 returns an FCP starting 62 LL 80 02 <size> (EF 1001: 12 bytes)',
    [cieIas('§3 row 5, §12 item 4'), iso4('§7.4.3')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        {
          title: 'SELECT 1001, P2 04, Le 00',
          send: '00A40204021001' + '00',
          expect: {
            sw: ['9000', '61xx'],
            data: {
              what: '62 LL 80 02 00 0C',
              check: (d) =>
                d.length === 0 || toHex(d.subarray(2, 6)) === '8002000C'
                  ? undefined
                  : `FCP ${toHex(d)}`,
            },
          },
        },
      ],
    },
  ),
  iasCase(
    SEL,
    9,
    'SELECT EF with P2 0C (PN532 form) answers 9000 without data',
    [cieIas('§3 row 5 (PN532 P2 0C)')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        {
          title: 'SELECT 1004, P2 0C',
          send: '00A4020C021004',
          expect: { sw: ['9000'], data: { empty: true } },
        },
      ],
    },
  ),
  iasCase(
    SEL,
    10,
    'SELECT IAS by AID from inside DF_CIE returns to the IAS root',
    [cieIas('§2.2, §5.1 A step 10 (SELECT IAS then D004)')],
    {
      applies: ['IAS-SELECT-AID'],
      preconditions: ['dfcie_selected'],
      steps: [
        { title: 'SELECT IAS AID', send: '00A4040C<IAS_AID_LV>', expect: { sw: ['9000'] } },
        { title: 'SELECT D004 (IAS root EF)', send: '00A4020C02D004', expect: { sw: ['9000'] } },
      ],
    },
  ),
  iasCase(
    SEL,
    11,
    'DF_CIE files are not reachable with P1 02 from the IAS root (EF under the current DF only)',
    [iso4('§7.1.1 Table 39'), cieIas('§2.2 (1001 under DF_CIE)')],
    {
      preconditions: ['ias_selected'],
      steps: [
        {
          title: 'SELECT 1001 from the IAS root',
          send: '00A4020C021001',
          expect: { sw: ['6A82'] },
        },
      ],
    },
  ),
  iasCase(
    FILE,
    1,
    'EF.ATR (2F01) is readable without authentication and carries the declared vendor family',
    [cieIas('§1.4, §1.2 (mobile classification)')],
    {
      preconditions: ['ias_selected'],
      steps: [
        procedure(
          'mobile form: SELECT 3F00, SELECT 2F01 (P2 04), READ BINARY',
          'EF.ATR with the family marker of §1.4',
          async (ctx) => {
            await must(
              ctx,
              apdu(0x00, 0xa4, 0x00, 0x00, Uint8Array.of(0x3f, 0x00)),
              'plain',
              [SW_9000_OK],
              'SELECT 3F00',
            );
            await selectFid(ctx, 0x2f01, 'plain', 0x04);
            const d = await readCurrent(ctx);
            return hasMarker(d, iasIcs(ctx).efAtrFamily);
          },
        ),
      ],
    },
  ),
  iasCase(
    FILE,
    2,
    'EF.ATR ends with the status indicator 82 02 90 00 (PN532 length detection)',
    [cieIas('§1.4 (ends with 82 02 90 00)')],
    {
      preconditions: ['ias_selected'],
      steps: [
        procedure(
          'read EF.ATR',
          'last four significant bytes 82 02 90 00 (the gemalto2 read-out is a truncated exception)',
          async (ctx) => {
            await selectFid(ctx, 0x2f01);
            const d = await readCurrent(ctx);
            if (iasIcs(ctx).efAtrFamily === 'gemalto2')
              return toHex(d) === '47039441C0' ? undefined : `gemalto2 EF.ATR ${toHex(d)}`;
            // The NXP read-out ends 82 02 90 00 00 (one padding byte after the indicator).
            const tail = toHex(d).slice(-12);
            return tail.includes('82029000') ? undefined : `EF.ATR ends ${tail}`;
          },
        ),
      ],
    },
  ),
  iasCase(
    FILE,
    3,
    'EF.ATR read by SFI 1D with odd READ BINARY equals the FID read (PN532)',
    [cieIas('§1.4 (PN532 reads it by SFI 1D, odd INS)'), iso4('§7.2.3')],
    {
      applies: ['ODD_READ_BINARY'],
      preconditions: ['ias_selected'],
      steps: [
        procedure(
          'odd READ BINARY 00 B1 00 1D vs SELECT 2F01 + READ BINARY',
          'same bytes',
          async (ctx) => {
            const r = await ctx.send(ctx.resolve('00B1001D03540100E7'));
            if (r.sw !== SW_9000_OK && r.sw !== SW_6282_END_OF_FILE)
              fail(`odd READ BINARY SFI 1D: ${r.sw.toString(16)}`);
            const t = parseSingleTlv(r.data, false);
            await selectFid(ctx, 0x2f01);
            const d = await readCurrent(ctx);
            return t.tag === 0x53 && equalBytes(t.value, d.subarray(0, t.value.length))
              ? undefined
              : `odd read ${toHex(r.data)} vs ${toHex(d)}`;
          },
        ),
      ],
    },
  ),
  iasCase(
    FILE,
    4,
    'EF.SN.ICC (D003) holds 5A 0A + 10 BCD bytes (12 bytes)',
    [cieIas('§2.2 (EF.SN.ICC)')],
    {
      preconditions: ['ias_selected'],
      steps: [
        { title: 'SELECT D003', send: '00A4020C02D003', expect: { sw: ['9000'] } },
        {
          title: 'READ BINARY Le 80 (desktop)',
          send: '00B0000080',
          expect: {
            sw: ['6282', '9000'],
            data: [
              { length: 12 },
              { prefix: '5A0A' },
              {
                what: 'BCD digits with an F pad',
                check: (d) =>
                  /^5A0A[0-9]{19}[0-9F]$/.test(toHex(d)) ? undefined : `not BCD: ${toHex(d)}`,
              },
            ],
          },
        },
      ],
    },
  ),
  iasCase(
    FILE,
    5,
    'EF.DH (D004, SFI 1B) is a DER object readable in plain, by FID and by SFI',
    [cieIas('§2.2 (EF.DH)'), iso4('§7.2.3')],
    {
      applies: ['SFI'],
      preconditions: ['ias_selected'],
      steps: [
        procedure(
          'SELECT D004 + READ; READ BINARY SFI 1B',
          'DER SEQUENCE, same first bytes both ways',
          async (ctx) => {
            const d = await readFid(ctx, 0xd004);
            if (d[0] !== 0x30) fail(`EF.DH starts ${toHex(d.subarray(0, 4))}`);
            trimDer(d);
            const r = await ctx.send(ctx.resolve('00B09B0010'));
            return equalBytes(r.data, d.subarray(0, 16))
              ? undefined
              : `SFI read ${toHex(r.data)} differs`;
          },
        ),
      ],
    },
  ),
  iasCase(
    FILE,
    6,
    'EF.ID_Servizi (1001) holds the NIS: 12 ASCII digits',
    [cieIas('§2.2 (1001), §5.1 B')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        { title: 'SELECT 1001', send: '00A4020C021001', expect: { sw: ['9000'] } },
        {
          title: 'READ BINARY Le 0C',
          send: '00B000000C',
          expect: {
            sw: ['9000'],
            data: {
              what: '12 ASCII digits',
              check: (d) => (/^\d{12}$/.test(bytesToAscii(d)) ? undefined : `NIS ${toHex(d)}`),
            },
          },
        },
      ],
    },
  ),
  iasCase(
    FILE,
    7,
    'EF.Int.Kpub (1004) is the DER RSAPublicKey of key 82',
    [cieIas('§2.2 (1004)')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        procedure('read 1004', 'the §2.2 RSAPublicKey form', async (ctx) => {
          return rsaPublicKeyFile(await readFid(ctx, 0x1004));
        }),
      ],
    },
  ),
  iasCase(
    FILE,
    8,
    'EF.Servizi_Int.Kpub (1005) is the DER RSAPublicKey of key 83 (231 + 39 bytes)',
    [cieIas('§2.2 (1005), §2.2 notes (231+39)')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        procedure('read 1005', 'the §2.2 RSAPublicKey form', async (ctx) => {
          return rsaPublicKeyFile(await readFid(ctx, 0x1005));
        }),
      ],
    },
  ),
  iasCase(
    FILE,
    9,
    'EF.SOD (1006) is 77 82 LL LL + CMS SignedData over an LDSSecurityObject',
    [cieIas('§2.5')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        procedure(
          'read 1006 and parse',
          'SignedData v3 with one signer, LDS security object content type',
          async (ctx) => {
            const d = await readFid(ctx, 0x1006);
            if (d[0] !== 0x77 || d[1] !== 0x82) fail(`EF.SOD starts ${toHex(d.subarray(0, 4))}`);
            const sod = parseSod(d);
            if (!sod.messageDigestMatches())
              fail('messageDigest does not match the LDSSecurityObject');
            return undefined;
          },
        ),
      ],
    },
  ),
  iasCase(
    FILE,
    10,
    'EF.Seriale (1002) and EF.Cert_CIE (1003) are refused in plain before authentication',
    [cieIas('§2.2 (read under SM after PIN), §10')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        { title: 'SELECT 1003', send: '00A4020C021003', expect: { sw: ['9000', '6982'] } },
        {
          title: 'READ BINARY',
          send: '00B0000080',
          expect: { sw: ['6982', '6986'], data: { empty: true } },
        },
        { title: 'SELECT 1002', send: '00A4020C021002', expect: { sw: ['9000', '6982'] } },
        {
          title: 'READ BINARY',
          send: '00B0000080',
          expect: { sw: ['6982', '6986'], data: { empty: true } },
        },
      ],
    },
  ),
  iasCase(
    FILE,
    11,
    'EF.Seriale read under SM after PIN holds the document number (C + letter + 5 digits + 2 letters)',
    [cieIas('§2.2 (1002), §5.1 A step 11')],
    {
      preconditions: ['pin_verified'],
      steps: [
        procedure(
          'protected SELECT DF_CIE, 1002, READ BINARY',
          'ASCII C[A-Z]\\d{5}[A-Z]{2} in the first 9 bytes',
          async (ctx) => {
            await selectAid(ctx, DF_CIE_AID, 'sm');
            const d = await readFid(ctx, 0x1002, 'sm', 0x80);
            const s = bytesToAscii(d.subarray(0, 9));
            return /^C[A-Z]\d{5}[A-Z]{2}$/.test(s) ? undefined : `EF.Seriale "${s}"`;
          },
        ),
      ],
    },
  ),
  iasCase(
    FILE,
    12,
    'EF.Cert_CIE read under SM after PIN is an X.509 certificate (zero padding allowed) naming the NIS',
    [cieIas('§2.2 (1003, subject CN = fiscal code/NIS)'), cieIas('§8.1 step 9')],
    {
      preconditions: ['pin_verified'],
      steps: [
        procedure(
          'protected read of 1003 and 1001',
          'DER certificate whose subject carries the NIS',
          async (ctx) => {
            await selectAid(ctx, DF_CIE_AID, 'sm');
            const nis = bytesToAscii(await readFid(ctx, 0x1001, 'sm', 0x80));
            const cert = new X509Certificate(trimDer(await readFid(ctx, 0x1003, 'sm', 0x80)));
            return cert.subject.includes(nis)
              ? undefined
              : `certificate subject "${cert.subject.replace(/\n/g, ', ')}" lacks NIS ${nis}`;
          },
        ),
      ],
    },
  ),
  iasCase(
    FILE,
    13,
    'EF.Seriale stays refused after DAPP without PIN (declared access condition)',
    [cieIas('§10 (READ EF 1002, 1003: SMa + PIN), §12 item 7')],
    {
      preconditions: ['dapp_done'],
      steps: [
        procedure(
          'protected SELECT DF_CIE, 1002, READ BINARY',
          'dapp+pin: 6982; dapp: the document number',
          async (ctx) => {
            await selectAid(ctx, DF_CIE_AID, 'sm');
            await selectFid(ctx, 0x1002, 'sm');
            const r = await ctx.send(ctx.resolve('00B0000009'), 'sm');
            const want =
              iasIcs(ctx).protectedFileAccess === 'dapp+pin'
                ? SW_6982_SECURITY_STATUS_NOT_SATISFIED
                : SW_9000_OK;
            return r.sw === want
              ? undefined
              : `READ BINARY 1002 answered ${r.sw.toString(16)}, expected ${want.toString(16)}`;
          },
        ),
      ],
    },
  ),
  iasCase(
    FILE,
    14,
    'The holder certificate chains to the test holder CA',
    [cieIas('§2.2 notes'), cieIas('§8.2 (CA validation)')],
    {
      applies: ['TEST_PKI'],
      preconditions: ['pin_verified'],
      steps: [
        procedure(
          'protected read of 1003',
          'issued by one of the trusted holder CAs',
          async (ctx) => {
            await selectAid(ctx, DF_CIE_AID, 'sm');
            const cert = trimDer(await readFid(ctx, 0x1003, 'sm', 0x80));
            const checks = trust(ctx).holderCa.map((ca) => verifyIssuedBy(cert, ca));
            return checks.some((c) => c.ok)
              ? undefined
              : `not issued by a trusted holder CA: ${checks.map((c) => c.detail).join('; ')}`;
          },
        ),
      ],
    },
  ),
  iasCase(
    NIS,
    1,
    'NIS by SFI (00 B0 81 00 0C) from DF_CIE equals the NIS read by FID',
    [cieIas('§3 row 7, §5.1 B (ASDK readNis)')],
    {
      applies: ['SFI'],
      preconditions: ['dfcie_selected'],
      steps: [
        procedure(
          'READ BINARY SFI 1, then SELECT 1001 + READ BINARY',
          'the same 12 digits',
          async (ctx) => {
            const r = await ctx.send(ctx.resolve('00B081000C'));
            if (r.sw !== SW_9000_OK || r.data.length !== 12)
              fail(`SFI read: ${r.sw.toString(16)}, ${r.data.length} bytes`);
            const d = await readFid(ctx, 0x1001);
            return equalBytes(d, r.data) ? undefined : `${toHex(r.data)} vs ${toHex(d)}`;
          },
        ),
      ],
    },
  ),
  iasCase(
    NIS,
    2,
    'The NIS equals the BCD digits of EF.SN.ICC bytes 5..10 (desktop cache key consistency)',
    [cieIas('§2.2 notes (NIS ⇔ SN.ICC consistency), §12a')],
    {
      preconditions: ['ias_selected'],
      steps: [
        procedure('read D003, SELECT DF_CIE, read 1001', 'NIS = hex(D003[5..10])', async (ctx) => {
          const sn = await readFid(ctx, 0xd003, 'plain', 0x80);
          await selectAid(ctx, DF_CIE_AID);
          const nis = bytesToAscii(await readFid(ctx, 0x1001));
          return nis === nisFromSnIcc(sn)
            ? undefined
            : `NIS ${nis}, SN.ICC digits ${nisFromSnIcc(sn)}`;
        }),
      ],
    },
  ),
  iasCase(
    NIS,
    3,
    'EF.SOD verifies with its own DS certificate and hashes 1001, 1004, 1005 and D004 correctly',
    [cieIas('§2.5 (desktop checks; hashed inputs)')],
    {
      preconditions: ['ias_selected'],
      steps: [
        procedure(
          'read D004, DF_CIE 1001/1004/1005/1006; verify',
          'signature and the four hashes match',
          async (ctx) => {
            const dh = await readFid(ctx, 0xd004);
            await selectAid(ctx, DF_CIE_AID);
            const files = new Map<number, Uint8Array>([
              [0xa1, await readFid(ctx, 0x1001)],
              [0xa4, trimDer(await readFid(ctx, 0x1004))],
              [0xa5, trimDer(await readFid(ctx, 0x1005))],
              [0x1b, trimDer(dh)],
            ]);
            const sod = parseSod(await readFid(ctx, 0x1006));
            if (!sod.verifySignature())
              fail('EF.SOD signature does not verify with the DS certificate it carries');
            for (const [dg, content] of files)
              if (!sod.verifyDataGroup(dg, content))
                fail(`hash of data group ${dg.toString(16).toUpperCase()} differs`);
            return undefined;
          },
        ),
      ],
    },
  ),
  iasCase(
    NIS,
    4,
    'After PIN, EF.SOD also hashes EF.Seriale (first 9 bytes) and EF.Cert_CIE (DER length)',
    [cieIas('§2.5 (hashed inputs: 1002 first 9 bytes, 1003 trimmed)')],
    {
      preconditions: ['pin_verified'],
      steps: [
        procedure('protected reads of 1002, 1003, 1006', 'both hashes match', async (ctx) => {
          await selectAid(ctx, DF_CIE_AID, 'sm');
          const seriale = (await readFid(ctx, 0x1002, 'sm', 0x80)).subarray(0, 9);
          const cert = trimDer(await readFid(ctx, 0x1003, 'sm', 0x80));
          const sod = parseSod(await readFid(ctx, 0x1006, 'sm', 0x80));
          if (!sod.verifyDataGroup(0xa2, seriale)) fail('hash of 1002 differs');
          return sod.verifyDataGroup(0xa3, cert) ? undefined : 'hash of 1003 differs';
        }),
      ],
    },
  ),
  iasCase(
    NIS,
    5,
    'The IAS EF.SOD Document Signer chains to the test CSCA',
    [cieIas('§2.5 (NIS SDK validates DS → CSCA)')],
    {
      applies: ['TEST_PKI'],
      preconditions: ['dfcie_selected'],
      steps: [
        procedure(
          'read 1006, check the DS certificate',
          'issued by a trusted CSCA',
          async (ctx) => {
            const sod = parseSod(await readFid(ctx, 0x1006));
            const checks = trust(ctx).csca.map((c) => verifyIssuedBy(sod.signerCertificate, c));
            return checks.some((c) => c.ok)
              ? undefined
              : `DS not issued by a trusted CSCA: ${checks.map((c) => c.detail).join('; ')}`;
          },
        ),
      ],
    },
  ),
  iasCase(
    NIS,
    6,
    'The EF.SOD digest algorithm is SHA-256 or SHA-512 (the only two the desktop accepts)',
    [cieIas('§2.5 (SHA-256 → PKCS#1 path, SHA-512 → PSS path)')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        procedure(
          'read 1006',
          'first digestAlgorithms OID 2.16.840.1.101.3.4.2.1 or .3',
          async (ctx) => {
            const sod = parseSod(await readFid(ctx, 0x1006));
            return ['sha256', 'sha512'].includes(sod.digestAlgorithm)
              ? undefined
              : `digest ${sod.digestAlgorithm}`;
          },
        ),
      ],
    },
  ),
  iasCase(
    READ,
    1,
    'READ BINARY by SFI with Le 00 returns exactly 231 bytes of a 270-byte file (ASDK fixture)',
    [cieIas('§2.2 notes (231-byte cap), §3 row 7 (00 B0 85 00 00)')],
    {
      applies: ['SFI'],
      preconditions: ['dfcie_selected'],
      steps: [
        {
          title: '00 B0 85 00 00',
          send: '00B0850000',
          expect: { sw: ['9000'], data: { length: 231 } },
        },
      ],
    },
  ),
  iasCase(
    READ,
    2,
    'The second chunk 00 B0 85 E7 00 returns the remaining 39 bytes with the declared EOF status',
    [cieIas('§2.2 notes (231 + 39 = 270), §3 row 6 (9000 at EOF on real cards)')],
    {
      applies: ['SFI'],
      preconditions: ['dfcie_selected'],
      steps: [
        {
          title: '00 B0 85 E7 00',
          send: '00B085E700',
          expect: {
            sw: (ctx) => [eofMode(ctx.ics)],
            data: { length: 39 },
            why: 'a real NIS read answers 39 bytes + 9000 (pagopa/cie-sdk-android CieCommandsTest.kt)',
          },
        },
      ],
    },
  ),
  iasCase(
    READ,
    3,
    'The desktop loop (Le 80) reads 1005 in three chunks: 128, 128, then 14 bytes with the declared EOF status',
    [cieIas('§3 row 6 (desktop Le 80; loops until 6282/6B00)')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        { title: 'SELECT 1005', send: '00A4020C021005', expect: { sw: ['9000'] } },
        {
          title: 'READ BINARY 0, Le 80',
          send: '00B0000080',
          expect: { sw: ['9000'], data: { length: 128 } },
        },
        {
          title: 'READ BINARY 128, Le 80',
          send: '00B0008080',
          expect: { sw: ['9000'], data: { length: 128 } },
        },
        {
          title: 'READ BINARY 256, Le 80',
          send: '00B0010080',
          expect: { sw: (ctx) => [eofMode(ctx.ics)], data: { length: 14 } },
        },
        {
          title: 'READ BINARY 270: offset at the end',
          send: '00B0010E80',
          expect: { sw: ['6B00'], data: { empty: true } },
        },
      ],
    },
  ),
  iasCase(
    READ,
    4,
    'iOS plain reads with Le FF get min(Le, 231) bytes with 9000',
    [cieIas('§12 item 3 (Le E8..FF: min(Le, 231, remaining))'), cieIas('§3 row 6 (iOS Le FF)')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        { title: 'SELECT 1006', send: '00A4020C021006', expect: { sw: ['9000'] } },
        {
          title: 'READ BINARY Le FF',
          send: '00B00000FF',
          expect: { sw: ['9000'], data: { length: 231 } },
        },
      ],
    },
  ),
  iasCase(
    READ,
    5,
    'Odd READ BINARY of EF.SOD by SFI answers 53 81 E4 + 228 bytes (231 in all)',
    [cieIas('§3 row 8 (53 81 E4 <228>), §2.2 notes')],
    {
      applies: ['ODD_READ_BINARY'],
      preconditions: ['dfcie_selected'],
      steps: [
        {
          title: '00 B1 00 06 04 54 02 00 00 E7',
          send: '00B100060454020000E7',
          expect: { sw: ['9000'], data: [{ prefix: '5381E4' }, { length: 231 }] },
        },
      ],
    },
  ),
  iasCase(
    READ,
    6,
    'Odd READ BINARY chunks of EF.SOD concatenate to the even READ BINARY content',
    [cieIas('§3 row 8'), iso4('§7.2.3')],
    {
      applies: ['ODD_READ_BINARY'],
      preconditions: ['dfcie_selected'],
      steps: [
        procedure(
          'odd reads at 0 and 228; even reads of 1006',
          'DO 53 values equal the file bytes',
          async (ctx) => {
            const even = await readFid(ctx, 0x1006);
            for (const off of [0, 228]) {
              const r = await ctx.send(
                ctx.resolve(`00B10006045402${toHex(Uint8Array.of(off >> 8, off & 0xff))}E7`),
              );
              const v = parseSingleTlv(r.data, false).value;
              if (!equalBytes(v, even.subarray(off, off + v.length)))
                fail(`odd chunk at ${off} differs`);
            }
            return undefined;
          },
        ),
      ],
    },
  ),
  iasCase(
    READ,
    7,
    'Under SM, READ BINARY Le 80 returns 128 decrypted bytes with outer 9000 (IAS policy)',
    [cieIas('§4.3 (recommended policy), §3 row 6 (SM Le 80)')],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        {
          title: 'protected SELECT DF_CIE',
          send: '00A4040C<DF_CIE_AID_LV>',
          protect: 'sm',
          expect: { sw: ['9000'] },
        },
        {
          title: 'protected SELECT 1005',
          send: '00A4020C021005',
          protect: 'sm',
          expect: { sw: ['9000'] },
        },
        {
          title: 'protected READ BINARY Le 80',
          send: '00B0000080',
          protect: 'sm',
          expect: { sw: ['9000'], data: { length: 128 } },
        },
      ],
    },
  ),
  iasCase(
    READ,
    8,
    'Under SM, a short last chunk comes back wrapped, DO 99 and the outer SW carrying the declared EOF status',
    [cieIas('§4.3 policy (a), §4.3 (desktop crashes on an empty body)')],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        {
          title: 'protected SELECT DF_CIE',
          send: '00A4040C<DF_CIE_AID_LV>',
          protect: 'sm',
          expect: { sw: ['9000'] },
        },
        {
          title: 'protected SELECT 1001',
          send: '00A4020C021001',
          protect: 'sm',
          expect: { sw: ['9000'] },
        },
        {
          title: 'protected READ BINARY Le 80 of a 12-byte file',
          send: '00B0000080',
          protect: 'sm',
          expect: { sw: (ctx) => [eofMode(ctx.ics)], sm: 'protected', data: { length: 12 } },
        },
      ],
    },
  ),
  iasCase(
    READ,
    9,
    'Under SM, an offset beyond the end comes back wrapped with DO 99 6B00 and outer 6B00',
    [cieIas('§4.3 policy (b), §11 (6B00)')],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        {
          title: 'protected SELECT DF_CIE',
          send: '00A4040C<DF_CIE_AID_LV>',
          protect: 'sm',
          expect: { sw: ['9000'] },
        },
        {
          title: 'protected SELECT 1001',
          send: '00A4020C021001',
          protect: 'sm',
          expect: { sw: ['9000'] },
        },
        {
          title: 'protected READ BINARY at offset 12',
          send: '00B0000C80',
          protect: 'sm',
          expect: { sw: ['6B00'], sm: 'protected', data: { empty: true } },
        },
      ],
    },
  ),
  iasCase(
    READ,
    10,
    'The NIS read under the IAS session equals the plain NIS',
    [cieIas('§10 row 1 (public EFs readable in plain and wrapped)')],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        procedure(
          'protected SELECT DF_CIE, read 1001 under SM; then plain',
          'same 12 digits',
          async (ctx) => {
            await selectAid(ctx, DF_CIE_AID, 'sm');
            const a = await readFid(ctx, 0x1001, 'sm', 0x80);
            await selectAid(ctx, DF_CIE_AID);
            const b = await readFid(ctx, 0x1001);
            return equalBytes(a, b) ? undefined : `${toHex(a)} vs ${toHex(b)}`;
          },
        ),
      ],
    },
  ),
  iasCase(
    READ,
    11,
    'GET DATA and public EFs are constant across sessions (reset, read again)',
    [cieIas('§10 persistence requirements')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        procedure('read 1005; reset; select again; read 1005', 'identical', async (ctx) => {
          const a = await readFid(ctx, 0x1005);
          await ctx.reset();
          await selectAid(ctx, DF_CIE_AID);
          const b = await readFid(ctx, 0x1005);
          return equalBytes(a, b) ? undefined : 'EF 1005 changed across a reset';
        }),
      ],
    },
  ),
  iasCase(
    READ,
    12,
    'The last odd READ BINARY chunk of EF.SOD returns the rest in DO 53 with the declared odd EOF status',
    [
      cieIas('§3 row 8 (last 53 LL + 6282)'),
      iso4('§5.6 Table 5'),
      {
        doc: 'real trace',
        clause: 'pagopa/cie-sdk-android CieCommandsTest.kt (last EF.SOD chunk 6282)',
      },
    ],
    {
      applies: ['ODD_READ_BINARY'],
      preconditions: ['dfcie_selected'],
      steps: [
        procedure(
          'even read of 1006 for its size; odd READ BINARY Le E7 at the last chunk',
          'DO 53 with the remaining bytes and readBeyondEofOdd (real cards: 6282)',
          async (ctx) => {
            const even = await readFid(ctx, 0x1006);
            // The clients' chunks are 228 value bytes; the real 2852-byte EF.SOD ends with 116.
            const off = even.length - (even.length % 228 || 100);
            const r = await ctx.send(
              ctx.resolve(`00B10006045402${toHex(Uint8Array.of(off >> 8, off & 0xff))}E7`),
            );
            const want = eofMode(ctx.ics, true);
            if (want === '6Cxx')
              return (r.sw & 0xff00) === 0x6c00 ? undefined : `SW ${r.sw.toString(16)}, not 6Cxx`;
            if (r.sw.toString(16).toUpperCase() !== want)
              return `SW ${r.sw.toString(16).toUpperCase()}, declared ${want}`;
            const v = parseSingleTlv(r.data, false).value;
            return equalBytes(v, even.subarray(off)) ? undefined : `DO 53 ${toHex(r.data)}`;
          },
        ),
      ],
    },
  ),
];
