/**
 * Annotation: command names and P1/P2 meanings (ISO/IEC 7816-4 §7, ICAO 9303-11 §4.4, ias/README.md
 * §3), file names by application, SW meanings, TLV trees (7C, 70/BFA101/A3, 7F21), SM data
 * objects, and decryption of SM exchanges given the session keys.
 */
import { describe, expect, it } from 'vitest';
import { commandApdu, encodeCommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { toHex } from '../../emulator/src/bytes/hex.ts';
import { encodeResponseApdu } from '../../emulator/src/apdu/response-apdu.ts';
import { wrapResponse, wrapCommand } from '../../emulator/src/sm/sm-codec.ts';
import { smSession } from '../../emulator/src/sm/sm-session.ts';
import { des3Suite } from '../../emulator/src/sm/suites/des3.ts';
import { statusWordOf } from '../../emulator/src/apdu/status-words.ts';
import type { Trace, TraceRecord } from '../format/schema.ts';
import { annotateTrace, type AnnotatedExchange } from './annotate.ts';
import { renderTraceText } from './render-text.ts';
import { parseSmKeys } from './sm-keys.ts';

const HEADER: Trace['header'] = {
  type: 'header',
  format: 'ciebench-trace',
  version: 1,
  profile: 'unknown',
  transport: 'import',
  tool: 'test',
  startedAt: '2026-01-01T00:00:00Z',
  recordedBy: 'import',
  secrets: 'masked',
};

function trace(pairs: ReadonlyArray<readonly [string, string]>): Trace {
  const records: TraceRecord[] = pairs.map(([command, response], i) => ({
    type: 'exchange',
    seq: i + 1,
    tStart: 0,
    tEnd: 0,
    command,
    response,
  }));
  return { header: HEADER, records };
}

function exchanges(t: Trace, keys: string[] = []): AnnotatedExchange[] {
  return annotateTrace(t, { smKeys: keys.map(parseSmKeys) }).items.flatMap((i) =>
    'exchange' in i ? [i.exchange] : [],
  );
}

describe('annotate', () => {
  it('names eMRTD and IAS commands, files by application, and SW meanings', () => {
    const x = exchanges(
      trace([
        ['00A4040C07A0000002471001', '9000'],
        ['00B0810000', '6982'],
        ['00A4040C0DA0000000308000000009816001', '9000'],
        ['00A4040C06A00000000039', '9000'],
        ['00B0850000', '9000'],
        ['002241A4068001028401' + '83', '9000'],
        ['00880000084142434445464748', '9000'],
        ['00200081082A2A2A2A2A2A2A2A', '63C2'],
      ]),
    );
    expect(x.map((e) => e.command.summary)).toEqual([
      'SELECT — by DF name (AID), no response data, A0000002471001 (eMRTD LDS1 application)',
      'READ BINARY — SFI 01 DG1 (MRZ), offset 0, Ne 256',
      'SELECT — by DF name (AID), no response data, A0000000308000000009816001 (IAS-ECC application)',
      'SELECT — by DF name (AID), no response data, A00000000039 (DF_CIE (CIE application))',
      'READ BINARY — SFI 05 EF.Servizi_Int.Kpub, offset 0, Ne 256',
      'MSE — SET for internal authentication / key agreement, AT (authentication template), algorithm 02 (RSA PKCS#1 v1.5, card pads), private key 83 (servizi key)',
      'INTERNAL AUTHENTICATE — servizi key signature (PKCS#1 v1.5), 8 bytes',
      'VERIFY — P1 00, reference 81 (PIN), 8 bytes (masked)',
    ]);
    expect(x.map((e) => e.app)).toEqual([
      'mf',
      'emrtd',
      'emrtd',
      'ias',
      'cie',
      'cie',
      'cie',
      'cie',
    ]);
    expect(x[1]?.response?.summary).toBe('6982 Security status not satisfied');
    expect(x[7]?.response?.swText).toBe('Verification failed, 2 retries left');
  });

  it('shows BER-TLV trees: PACE 7C, IAS GET DATA 70/BFA101/A3, terminal certificate 7F21', () => {
    const x = exchanges(
      trace([
        ['10860000027C0000', '7C0A8008AABBCCDDEEFF00119000'],
        ['00CB3FFF0C4D0A7008BFA10104A302970000', '7009BFA10105A303970102' + '9000'],
        ['002A00AE0F7F210C5F3702AABB5F3801CC4201DD', '9000'],
      ]),
    );
    expect(x[0]?.response?.tlv).toEqual([
      {
        tag: '7C',
        name: 'Dynamic Authentication Data',
        length: 10,
        children: [
          { tag: '80', name: 'Encrypted nonce (z)', length: 8, value: 'AABBCCDDEEFF0011' },
        ],
      },
    ]);
    expect(x[1]?.command.params).toContain('DH generator g');
    expect(x[1]?.response?.tlv?.[0]?.children?.[0]?.children?.[0]?.children?.[0]).toEqual({
      tag: '97',
      name: 'g (generator)',
      length: 1,
      value: '02',
    });
    expect(x[2]?.command.name).toBe('PSO: VERIFY CERTIFICATE');
    expect(x[2]?.command.tlv?.[0]?.children?.map((c) => c.name)).toEqual([
      'Signature',
      'Public key remainder',
      'Certification authority reference (CAR)',
    ]);
  });

  it('decrypts SM exchanges given the session keys, following the SSC (ICAO 9303-11 §9.8)', () => {
    const kEnc = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    const kMac = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);
    let s = smSession(des3Suite, kEnc, kMac, 5n);
    const pairs: Array<[string, string]> = [];
    for (const [plain, data] of [
      [
        commandApdu({ cla: 0, ins: 0xa4, p1: 2, p2: 0x0c, data: Uint8Array.of(0x01, 0x01) }),
        new Uint8Array(0),
      ],
      [
        commandApdu({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 4 }),
        Uint8Array.of(0x61, 0x5b, 0x5f, 0x1f),
      ],
    ] as const) {
      const w = wrapCommand(s, plain);
      const r = wrapResponse(w.session, plain.ins, { data, sw: statusWordOf(0x9000) });
      s = r.session;
      pairs.push([
        toHex(encodeCommandApdu(w.apdu)),
        toHex(encodeResponseApdu({ data: r.body, sw: statusWordOf(0x9000) })),
      ]);
    }
    const t = trace([['00A4040C07A0000002471001', '9000'], ...pairs]);
    const without = exchanges(t);
    expect(without[1]?.sm?.source).toBe('unavailable');
    expect(without[1]?.sm?.commandDos?.map((d) => d.tag)).toEqual(['87', '8E']);
    const withKeys = exchanges(t, [`des3:${toHex(kEnc)}:${toHex(kMac)}:0000000000000005`]);
    expect(withKeys[1]?.sm?.source).toBe('decrypted');
    expect(withKeys[1]?.sm?.plainCommand?.summary).toBe(
      'SELECT — EF under the current DF, no response data, 0101 (DG1 (MRZ))',
    );
    expect(withKeys[2]?.sm?.plainCommand?.summary).toBe('READ BINARY — DG1 (MRZ), offset 0, Ne 4');
    expect(withKeys[2]?.sm?.plainResponse?.data).toBe('615B5F1F');
    const wrong = exchanges(t, [`des3:${toHex(kMac)}:${toHex(kEnc)}`]);
    expect(wrong[1]?.sm?.source).toBe('decryption-failed');
    expect(wrong[1]?.sm?.error).toMatch(/MAC mismatch/);
    expect(
      renderTraceText(
        annotateTrace(t, { smKeys: [parseSmKeys(`${toHex(kEnc)}:${toHex(kMac)}:05`)] }),
      ),
    ).toContain('SM: plain form decrypted (SSC 6)');
  });

  it('decodes a command cut short by the log from its header', () => {
    const x = exchanges(trace([['108600000001087C8201048182', '']]));
    expect(x[0]?.command.summary).toBe(
      'GENERAL AUTHENTICATE — malformed or cut short (Lc 264, 6 data bytes present)',
    );
  });
});
