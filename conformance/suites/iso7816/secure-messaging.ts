/**
 * ISO 7816 generic suite: secure-messaging rules that hold for every session whatever
 * established it (the ICS says how: test hook, IAS DH, PACE or BAC). ISO/IEC 7816-4:2020 §6;
 * ICAO Doc 9303-11 §9.8; ICAO Part 3 ISO7816_C_12..C_18 (the BAC-profile originals of these
 * checks); ias/README.md §4.2-4.3; emrtd/README.md §2.3, §4.7.
 *
 * Rules: a protected command gets a protected answer whose MAC verifies with SSC+1; any SM error
 * (missing DO 8E, bad MAC, bad SSC, bad cryptogram, unknown DO) is answered in plain 6987/6988
 * and ends the session, so the next correct protected command fails; a plain command ends the
 * session; a reset ends it. So does a command refused before SM processing (malformed, an
 * unsupported logical channel or class, an invalid INS): it is answered in plain, which the
 * terminal cannot verify, and keeping the keys would keep the verified rights alive for whoever
 * sent it. These are sent as raw frames, so the terminal's counter still matches the card's: had
 * the card kept the session, the follow-up would pass.
 */
import { parseSingleTlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { TemplateError, type CaseContext } from '../../lib/case-context.ts';
import type {
  ConformanceCase,
  Expectation,
  Protection,
  SmForm,
  ApduStep,
} from '../../lib/model.ts';
import { cieIas, emrtd, icao11, icaoP3, iso4 } from '../refs.ts';
import { capture, isoCase, readBinary, readBinaryOdd } from './common.ts';

const SM = 'SM';
const SM_ERR = 'SM_ERRORS';
const PRE = ['sm_established', 'sm_ef_selected'];

const smSize = (ctx: CaseContext): number => ctx.ics.sm?.ef.size ?? 0;

/** The follow-up of every negative case: the session is gone, a correct command fails. */
const sessionEnded: ApduStep = {
  title: 'a correct protected READ BINARY now fails: the card ended the session',
  send: () => readBinary(0, 4),
  protect: 'sm',
  expect: {
    sw: 'error',
    sm: 'plain',
    why: 'the chip deletes the session keys after an SM error (ISO 7816-4 §6; emrtd/README.md §2.3; ICAO Part 3 C_13 step 2)',
  },
};

const readOk: ApduStep = {
  title: 'protected READ BINARY 4 bytes',
  send: () => readBinary(0, 4),
  protect: 'sm',
  expect: { sw: ['9000'], data: { length: 4 } },
};

function faulty(
  n: number,
  title: string,
  fault: Protection,
  send: ApduStep['send'],
  accepted: readonly string[],
  refs: ConformanceCase['refs'],
): ConformanceCase {
  return isoCase(n, SM_ERR, title, refs, {
    applies: ['SM'],
    preconditions: PRE,
    steps: [
      {
        title: `protected command with fault ${fault}`,
        send,
        protect: fault,
        expect: { sw: accepted, sm: 'plain', data: { empty: true } },
      },
      sessionEnded,
    ],
  });
}

const selectSmEf = '00A4020C02<SM_FID>';

/** Error statuses under SM: wrapped in DO 99 (outer per policy) or plain, per the ICS. */
function wrappedError(sw: string): Expectation {
  const form = (ctx: CaseContext): SmForm =>
    ctx.ics.behaviour.smWrapErrors ? 'protected' : 'plain';
  return {
    sw: [sw],
    sm: form,
    data: { empty: true },
    why: 'ICS smWrapErrors decides DO 99 vs plain (emrtd/README.md §2.3, ias/README.md §4.3)',
  };
}

export const SM_CASES: readonly ConformanceCase[] = [
  isoCase(
    150,
    SM,
    'A protected SELECT of an EF answers a protected 9000 without data',
    [iso4('§6'), icao11('§9.8'), cieIas('§4.2')],
    {
      applies: ['SM'],
      preconditions: ['sm_established'],
      steps: [
        {
          title: 'protected SELECT of the DF holding the SM EF',
          send: (ctx) => (ctx.ics.sm?.ef.in === 'app' ? '00A4040C<APP_AID_LV>' : '00A4000C023F00'),
          protect: 'sm',
          expect: { sw: ['9000'] },
        },
        {
          title: 'protected SELECT of the SM EF',
          send: selectSmEf,
          protect: 'sm',
          expect: { sw: ['9000'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(
    151,
    SM,
    'A protected READ BINARY returns the data encrypted in DO 87 and a verified DO 99 9000',
    [iso4('§6'), icao11('§9.8.4-9.8.5'), icaoP3('ISO7816_D_1')],
    {
      applies: ['SM'],
      preconditions: PRE,
      steps: [readOk],
    },
  ),
  isoCase(
    152,
    SM,
    'A protected READ BINARY with Le 00 returns min(256, cap, size) bytes',
    [iso4('§6'), cieIas('§2.2 notes (231-byte cap)'), emrtd('§1.6 notes (E0 chunks)')],
    {
      applies: ['SM'],
      preconditions: PRE,
      steps: [
        {
          title: 'protected READ BINARY Le 00',
          send: () => readBinary(0, 256),
          protect: 'sm',
          expect: {
            sw: (ctx) =>
              smSize(ctx) >= 256 || ctx.ics.behaviour.readBinaryMax < smSize(ctx)
                ? ['9000']
                : [ctx.ics.behaviour.readBeyondEof === '9000' ? '9000' : '6282'],
            data: { length: (ctx) => Math.min(256, ctx.ics.behaviour.readBinaryMax, smSize(ctx)) },
          },
        },
      ],
    },
  ),
  isoCase(
    153,
    SM,
    'Consecutive protected commands all verify: the SSC advances once per command and once per response',
    [icao11('§9.8.2'), cieIas('§4.2 step 1, §4.3'), emrtd('§4.7')],
    {
      applies: ['SM'],
      preconditions: PRE,
      steps: [
        { ...readOk, ...capture('a') },
        { ...readOk, title: 'protected READ BINARY again' },
        {
          title: 'protected READ BINARY 4 bytes at 0: same bytes',
          send: () => readBinary(0, 4),
          protect: 'sm',
          expect: { sw: ['9000'], data: { equals: (ctx) => ctx.get<Uint8Array>('a') } },
        },
      ],
    },
  ),
  isoCase(
    154,
    SM,
    'DO 97 00 on a command without Le (desktop middleware form) is accepted',
    [cieIas('§4.2 item 8 (card must accept DO 97 present or absent)')],
    {
      applies: ['SM'],
      preconditions: ['sm_established'],
      steps: [
        {
          title: 'protected SELECT of the SM EF DF',
          send: (ctx) => (ctx.ics.sm?.ef.in === 'app' ? '00A4040C<APP_AID_LV>' : '00A4000C023F00'),
          protect: 'sm',
          expect: { sw: ['9000'] },
        },
        {
          title: 'protected SELECT with DO 97 01 00',
          send: selectSmEf,
          protect: 'sm-le-00',
          expect: { sw: ['9000'] },
        },
        readOk,
      ],
    },
  ),
  isoCase(
    155,
    SM,
    'A plain command during a session ends it (the plain command itself is executed)',
    [icaoP3('ISO7816_C_16'), iso4('§6'), emrtd('§2.3, §4.7'), cieIas('§5.1 B')],
    {
      applies: ['SM'],
      preconditions: PRE,
      steps: [
        {
          title: 'plain SELECT of the SM EF',
          send: selectSmEf,
          expect: {
            sw: ['9000', '6982'],
            why: 'ICAO C_16 expects 9000; 6982 when the file needs SM',
          },
        },
        sessionEnded,
      ],
    },
  ),
  isoCase(
    156,
    SM,
    'A warm reset ends the session',
    [iso4('§6'), cieIas('§10 (warm/cold reset → S0)'), emrtd('§6 item 3')],
    {
      applies: ['SM'],
      preconditions: PRE,
      steps: [
        { title: 'warm reset', send: { reset: true }, expect: { sw: ['9000'] } },
        sessionEnded,
      ],
    },
  ),
  isoCase(
    157,
    SM,
    'A protected READ BINARY beyond the end of the file answers 6B00 as the ICS declares (DO 99 or plain)',
    [iso4('§7.2.3'), cieIas('§4.3 policy (b)'), emrtd('§2.3')],
    {
      applies: ['SM'],
      preconditions: PRE,
      steps: [
        {
          title: 'protected READ BINARY at offset = size',
          send: (ctx) => readBinary(smSize(ctx), 4),
          protect: 'sm',
          expect: wrappedError('6B00'),
        },
      ],
    },
  ),
  isoCase(
    158,
    SM,
    'A protected read reaching the end returns the rest with the declared EOF status inside DO 99',
    [iso4('§5.6 Table 5'), cieIas('§4.3 policy (a)'), emrtd('§2.1')],
    {
      applies: ['SM'],
      preconditions: PRE,
      steps: [
        {
          title: 'protected READ BINARY 4 bytes at size − 2',
          send: (ctx) => readBinary(smSize(ctx) - 2, 4),
          protect: 'sm',
          expect: {
            sw: (ctx) => [
              ctx.ics.behaviour.readBeyondEof === '6Cxx' ? '6Cxx' : ctx.ics.behaviour.readBeyondEof,
            ],
            sm: (ctx) =>
              ctx.ics.behaviour.readBeyondEof === '6Cxx' && !ctx.ics.behaviour.smWrapErrors
                ? 'plain'
                : 'protected',
            data: {
              what: '2 bytes (none with 6Cxx)',
              check: (d, ctx) => {
                const want = ctx.ics.behaviour.readBeyondEof === '6Cxx' ? 0 : 2;
                return d.length === want ? undefined : `expected ${want} bytes, got ${d.length}`;
              },
            },
          },
        },
      ],
    },
  ),
  isoCase(
    159,
    SM,
    'A protected SELECT of an absent file answers 6A82 with the outer SW the ICS declares',
    [
      cieIas('§4.3 recommended policy (outer 9000, status in DO 99)'),
      icao11('§9.8 (outer SW = DO 99)'),
      iso4('§6'),
    ],
    {
      applies: ['SM'],
      preconditions: ['sm_established'],
      steps: [
        {
          title: 'protected SELECT of an absent FID',
          send: '00A4020C02<ABSENT_FID>',
          protect: 'sm',
          expect: wrappedError('6A82'),
        },
      ],
    },
  ),
  isoCase(
    160,
    SM,
    'A protected odd READ BINARY carries its data in DO 85 and returns DO 53',
    [icaoP3('ISO7816_C_9, ISO7816_C_11'), icao11('§9.8 (DO 85 for odd INS)'), emrtd('§2.1')],
    {
      applies: ['SM', 'ODD_READ_BINARY'],
      preconditions: PRE,
      steps: [
        { ...readOk, ...capture('a') },
        {
          title: 'protected READ BINARY odd, offset 0, Le 04+2',
          send: () => readBinaryOdd(0, 0, 6),
          protect: 'sm',
          expect: {
            sw: ['9000'],
            data: {
              what: 'DO 53 with the same 4 bytes',
              check: (d, ctx) => {
                const t = parseSingleTlv(d, false);
                return t.tag === 0x53 && toHex(t.value) === toHex(ctx.get<Uint8Array>('a'))
                  ? undefined
                  : `got ${toHex(d)}`;
              },
            },
          },
        },
      ],
    },
  ),
  isoCase(
    161,
    SM,
    'Each segment of a chained command is protected on its own',
    [cieIas('§4.2 item 7 (segmentation, 1C/0C)'), iso4('§5.3.3, §6')],
    {
      applies: ['SM', 'CHAINING'],
      preconditions: ['sm_established'],
      steps: [
        {
          title: 'protected first segment (CLA 1C)',
          send: (ctx) => chainSegment(ctx, 'first'),
          protect: 'sm',
          expect: { sw: ['9000'] },
        },
        {
          title: 'protected last segment (CLA 0C)',
          send: (ctx) => chainSegment(ctx, 'last'),
          protect: 'sm',
          expect: { sw: ['9000'] },
        },
      ],
    },
  ),
  faulty(
    170,
    'A protected SELECT with a corrupted MAC is refused in plain and ends the session',
    'sm-corrupt-mac',
    selectSmEf,
    ['6988', '6982'],
    [icaoP3('ISO7816_C_13'), iso4('§6, §5.6 Table 6'), emrtd('§2.3')],
  ),
  faulty(
    171,
    'A protected READ BINARY with a corrupted MAC is refused and ends the session',
    'sm-corrupt-mac',
    () => readBinary(0, 4),
    ['6988', '6982'],
    [icaoP3('ISO7816_C_18'), iso4('§6'), emrtd('§2.3')],
  ),
  faulty(
    172,
    'A protected SELECT without DO 8E is refused (6987) and ends the session',
    'sm-drop-mac',
    selectSmEf,
    ['6987', '6988'],
    [icaoP3('ISO7816_C_12'), iso4('§5.6 Table 6 (6987)'), emrtd('§2.3')],
  ),
  faulty(
    173,
    'A protected READ BINARY without DO 8E is refused and ends the session',
    'sm-drop-mac',
    () => readBinary(0, 4),
    ['6987', '6988'],
    [icaoP3('ISO7816_C_17'), iso4('§6')],
  ),
  faulty(
    174,
    'A protected command MACed with a wrong send sequence counter is refused and ends the session',
    'sm-skip-ssc',
    () => readBinary(0, 4),
    ['6988', '6982'],
    [icaoP3('ISO7816_C_14, ISO7816_P_79'), icao11('§9.8.2'), emrtd('§2.3')],
  ),
  faulty(
    175,
    'A cryptogram that decrypts to bad padding is refused and ends the session',
    'sm-corrupt-cryptogram',
    selectSmEf,
    ['6988', '6987', '6982'],
    [iso4('§6 (padding-content indicator 01)'), icao11('§9.8.3'), emrtd('§2.3')],
  ),
  faulty(
    176,
    'A cryptogram in DO 85 for an even instruction is refused and ends the session',
    'sm-wrong-cryptogram-do',
    selectSmEf,
    ['6988', '6987'],
    [iso4('§6 (DO 85 odd / DO 87 even INS)'), icao11('§9.8.5')],
  ),
  faulty(
    177,
    'An unexpected data object in a protected command is refused and ends the session',
    'sm-unknown-do',
    selectSmEf,
    ['6988', '6987'],
    [iso4('§6'), cieIas('§4.2')],
  ),
  faulty(
    178,
    'A truncated MAC (DO 8E of 4 bytes) is refused and ends the session',
    'sm-truncated-mac',
    () => readBinary(0, 4),
    ['6988', '6987'],
    [iso4('§6'), icao11('§9.8.4 (8-byte MAC)')],
  ),
];

/** A raw frame the card refuses before SM processing, then the proof that the session is gone. */
function refusedBeforeSm(
  n: number,
  title: string,
  raw: string,
  accepted: readonly string[],
  refs: ConformanceCase['refs'],
): ConformanceCase {
  return isoCase(n, SM_ERR, title, refs, {
    applies: ['SM'],
    preconditions: PRE,
    steps: [
      {
        title: `raw frame ${raw}`,
        send: { raw },
        expect: { sw: accepted, data: { empty: true }, why: 'answered in plain' },
      },
      sessionEnded,
    ],
  });
}

/** Commands refused before SM processing (see the file comment). */
export const SM_ABORT_CASES: readonly ConformanceCase[] = [
  refusedBeforeSm(
    179,
    'A protected command on logical channel 1 (CLA 0D) is refused in plain and ends the session',
    '0D8400000D9701088E08000000000000000000',
    ['6881', '6E00'],
    [iso4('§5.4.1 (logical channels), §6'), icao11('§9.8')],
  ),
  refusedBeforeSm(
    180,
    'A plain command with an invalid INS (60) is refused and ends the session',
    '00600000',
    ['6D00', '6E00'],
    [iso4('§5.4.2 (INS 6X and 9X are invalid), §6'), icao11('§9.8'), icaoP3('ISO7816_C_16')],
  ),
  refusedBeforeSm(
    181,
    'A malformed command (Lc 00 followed by a byte) is refused and ends the session',
    '00A4040C0000',
    ['6700'],
    [iso4('§5.2 (command APDU cases)'), icao11('§9.8')],
  ),
  refusedBeforeSm(
    182,
    'A plain command in a class the application does not accept (80) is refused and ends the session',
    '8084000008',
    ['6E00'],
    [iso4('§5.4.1 (proprietary class)'), icao11('§9.8')],
  ),
  refusedBeforeSm(
    183,
    'A 3-byte fragment is refused and ends the session',
    '00A404',
    ['6700'],
    [iso4('§5.2'), icao11('§9.8')],
  ),
];

function chainSegment(ctx: CaseContext, which: 'first' | 'last'): Uint8Array {
  const c = ctx.ics.iso.chaining;
  if (!c) throw new TemplateError('ICS declares no chaining command');
  const bytes = fromHex(c.header + c.data);
  const header = bytes.subarray(0, 4).slice();
  const data = bytes.subarray(4);
  const half = Math.floor(data.length / 2);
  if (which === 'first') header[0] = (header[0] as number) | 0x10;
  const part = which === 'first' ? data.subarray(0, half) : data.subarray(half);
  return Uint8Array.of(...header, part.length, ...part);
}
