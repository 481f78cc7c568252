/**
 * ISO 7816 generic suite: READ RECORD, response-length handling (`6Cxx`, `61xx`, GET RESPONSE),
 * command chaining and GET CHALLENGE (ISO/IEC 7816-4:2020 §7.3.3, §5.1, §5.3.4, §7.6.1, §5.3.3,
 * §7.5.3; emrtd/README.md §4.7; ias/README.md §4.4, §11).
 */
import { findTlv, parseTlvTree } from '../../../emulator/src/bytes/ber-tlv.ts';
import { equalBytes } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { TemplateError, type CaseContext } from '../../lib/case-context.ts';
import type { ConformanceCase, Expectation, ApduStep } from '../../lib/model.ts';
import { cieIas, emrtd, icaoP3, iso4, SW_TABLE } from '../refs.ts';
import { capture, isoCase } from './common.ts';

const REC = 'READ_RECORD';
const RESP = 'RESPONSE_LENGTH';
const CHAIN = 'CHAINING';
const CHAL = 'GET_CHALLENGE';

function records(ctx: CaseContext): readonly number[] {
  const r = ctx.ics.iso.recordEf;
  if (!r) throw new TemplateError('ICS declares no record EF');
  return r.records;
}

const recordStep = (n: number, how: 'sfi' | 'current'): ApduStep => ({
  title: `READ RECORD ${n} ${how === 'sfi' ? 'by SFI' : 'of the current EF'}, Le 00`,
  send: (ctx) =>
    Uint8Array.of(
      0x00,
      0xb2,
      n,
      how === 'sfi' ? (ctx.placeholder('REC_SFI_P2')[0] as number) : 0x04,
      0x00,
    ),
  expect: {
    sw: ['9000', '6282'],
    data: { length: (ctx) => records(ctx)[n - 1] ?? -1 },
    why: 'a record shorter than Ne: 9000 or 6282 (ISO 7816-4 Table 5)',
  },
});

/** FCP length of the long EF, learnt from a full SELECT in an earlier step. */
const fcpLen = (ctx: CaseContext): number => ctx.get<Uint8Array>('fcp').length;

/** What a `Le = 01` SELECT with FCP must answer on this personality. */
const tooSmall = (ctx: CaseContext): readonly string[] =>
  ({
    '6Cxx': [`6C${toHex(Uint8Array.of(fcpLen(ctx) & 0xff))}`],
    '61xx': ['61xx'],
    truncate: ['9000'],
  })[ctx.ics.behaviour.neTooSmall];

function chainParts(ctx: CaseContext): { header: Uint8Array; first: Uint8Array; last: Uint8Array } {
  const c = ctx.ics.iso.chaining;
  if (!c) throw new TemplateError('ICS declares no chaining command');
  const header = fromHex(c.header);
  const data = fromHex(c.data);
  const half = Math.floor(data.length / 2);
  return { header, first: data.subarray(0, half), last: data.subarray(half) };
}

const segment = (
  which: 'first' | 'last',
  title: string,
  expect: Expectation,
  mutate?: (h: Uint8Array) => void,
): ApduStep => ({
  title,
  send: (ctx) => {
    const p = chainParts(ctx);
    const h = p.header.slice();
    if (which === 'first') h[0] = (h[0] as number) | 0x10;
    mutate?.(h);
    const d = which === 'first' ? p.first : p.last;
    return Uint8Array.of(...h, d.length, ...d);
  },
  expect,
});

export const TRANSMISSION_CASES: readonly ConformanceCase[] = [
  isoCase(110, REC, 'READ RECORD by SFI returns record 1', [iso4('§7.3.3 (P2 sssss 100)')], {
    applies: ['READ_RECORD', 'RECORD_FILE'],
    preconditions: ['record_ef_dir'],
    steps: [recordStep(1, 'sfi')],
  }),
  isoCase(
    111,
    REC,
    'READ RECORD by SFI returns every record with its own length',
    [iso4('§7.3.3')],
    {
      applies: ['READ_RECORD', 'RECORD_FILE'],
      preconditions: ['record_ef_dir'],
      steps: [recordStep(1, 'sfi'), recordStep(2, 'sfi')],
    },
  ),
  isoCase(
    112,
    REC,
    'READ RECORD of the current record EF (P2 04)',
    [iso4('§7.3.3 (SFI 0: current EF)')],
    {
      applies: ['READ_RECORD', 'RECORD_FILE'],
      preconditions: ['record_ef_selected'],
      steps: [recordStep(2, 'current')],
    },
  ),
  isoCase(
    113,
    REC,
    'READ RECORD of a record number beyond the last answers 6A83',
    [iso4('§7.3.3'), SW_TABLE],
    {
      applies: ['READ_RECORD', 'RECORD_FILE'],
      preconditions: ['record_ef_selected'],
      steps: [
        {
          title: 'READ RECORD n+1',
          send: (ctx) => Uint8Array.of(0x00, 0xb2, records(ctx).length + 1, 0x04, 0x00),
          expect: { sw: ['6A83'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(114, REC, 'READ RECORD on a transparent EF answers 6981', [iso4('§7.3.3'), SW_TABLE], {
    applies: ['READ_RECORD'],
    preconditions: ['long_ef_selected'],
    steps: [
      {
        title: 'READ RECORD 1 of the current (transparent) EF',
        send: '00B2010400',
        expect: { sw: ['6981', '6A81'] },
      },
    ],
  }),
  isoCase(
    115,
    REC,
    'READ RECORD by SFI makes the record EF current',
    [iso4('§7.3.3 (the EF becomes current)')],
    {
      applies: ['READ_RECORD', 'RECORD_FILE'],
      preconditions: ['record_ef_dir'],
      steps: [recordStep(1, 'sfi'), recordStep(2, 'current')],
    },
  ),
  isoCase(
    120,
    RESP,
    'GET RESPONSE with nothing pending answers an error',
    [iso4('§7.6.1'), SW_TABLE],
    {
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'GET RESPONSE Le 00',
          send: '00C0000000',
          expect: {
            sw: 'error',
            data: { empty: true },
            why: 'ISO leaves the precise SW open; no data may be returned',
          },
        },
      ],
    },
  ),
  isoCase(
    121,
    RESP,
    'Ne shorter than a fixed-length answer (FCP): 6Cxx with the exact length, then the exact Le works',
    [iso4('§5.3.4 (6Cxx), §5.6 Table 6'), emrtd('§4.7'), cieIas('§11 (6Cxx)')],
    {
      applies: ['SELECT_FCP'],
      preconditions: ['long_ef_dir'],
      steps: [
        {
          title: 'SELECT long EF with FCP, Le 00 (reference)',
          send: '00A4020402<LONG_FID>00',
          expect: { sw: ['9000'], data: { minLength: 2 } },
          ...capture('fcp'),
        },
        {
          title: 'SELECT again with Le 01',
          send: '00A4020402<LONG_FID>01',
          expect: {
            sw: tooSmall,
            why: 'per ICS neTooSmall: 6Cxx (xx = FCP length), 61xx, or truncation',
          },
        },
        {
          title:
            'SELECT with the exact Le (6Cxx personalities) or GET RESPONSE (61xx personalities)',
          send: (ctx) =>
            ctx.ics.behaviour.neTooSmall === '61xx'
              ? Uint8Array.of(0x00, 0xc0, 0x00, 0x00, 0x00)
              : Uint8Array.of(
                  0x00,
                  0xa4,
                  0x02,
                  0x04,
                  0x02,
                  ...ctx.placeholder('LONG_FID'),
                  fcpLen(ctx) & 0xff,
                ),
          expect: {
            sw: (ctx) => (ctx.ics.behaviour.neTooSmall === 'truncate' ? ['9000'] : ['9000']),
            data: {
              what: 'the FCP (or its tail after GET RESPONSE)',
              check: (d, ctx) => {
                const fcp = ctx.get<Uint8Array>('fcp');
                const want = ctx.ics.behaviour.neTooSmall === '61xx' ? fcp.subarray(1) : fcp;
                return equalBytes(d, want) ? undefined : `got ${toHex(d)}, expected ${toHex(want)}`;
              },
            },
          },
        },
      ],
    },
  ),
  isoCase(
    122,
    RESP,
    'A case-4 SELECT returns its FCP (directly, or with 61xx and GET RESPONSE on T=0-style cards)',
    [iso4('§7.6.1, §5.3.4'), cieIas('§3 row 25, §4.4')],
    {
      applies: ['SELECT_FCP'],
      preconditions: ['long_ef_dir'],
      steps: [
        {
          title: 'SELECT long EF, P2 04, Le 00',
          send: '00A4020402<LONG_FID>00',
          expect: { sw: (ctx) => (ctx.ics.behaviour.t0Case4 ? ['61xx'] : ['9000']) },
          ...capture('first'),
        },
        {
          title: 'GET RESPONSE (T=0 style) or a READ BINARY sanity read',
          send: (ctx) => (ctx.ics.behaviour.t0Case4 ? '00C0000000' : '00B0000001'),
          expect: {
            sw: ['9000'],
            data: {
              what: 'an FCP template (T=0) / one byte',
              check: (d, ctx) => {
                if (!ctx.ics.behaviour.t0Case4)
                  return d.length === 1 ? undefined : `${d.length} bytes`;
                const [t] = parseTlvTree(d);
                return t && t.tag === 0x62 && findTlv(t.children, 0x80)
                  ? undefined
                  : `not an FCP: ${toHex(d)}`;
              },
            },
          },
        },
      ],
    },
  ),
  isoCase(
    123,
    RESP,
    'Pending 61xx data is lost when another command intervenes',
    [iso4('§7.6.1 (GET RESPONSE immediately after)'), cieIas('§11')],
    {
      applies: ['SELECT_FCP'],
      preconditions: ['long_ef_dir'],
      steps: [
        {
          title: 'SELECT long EF with FCP and Le 01',
          send: '00A4020402<LONG_FID>01',
          expect: { sw: ['61xx', '6Cxx', '9000'] },
          ...capture('x'),
        },
        { title: 'an intervening SELECT MF', send: '00A4000C023F00', expect: { sw: ['9000'] } },
        {
          title: 'GET RESPONSE',
          send: '00C0000000',
          expect: { sw: 'error', data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(
    130,
    CHAIN,
    'A command split over two chained segments (CLA b5) is accepted: 9000 then 9000',
    [iso4('§5.3.3 (command chaining)'), cieIas('§3 row 10 (chained MSE)')],
    {
      applies: ['CHAINING'],
      preconditions: ['mf_selected'],
      steps: [
        segment('first', 'first segment, CLA with b5 set', { sw: ['9000'], data: { empty: true } }),
        segment('last', 'last segment', { sw: ['9000'] }),
      ],
    },
  ),
  isoCase(
    131,
    CHAIN,
    'A different command inside a chain is refused with 6883 and the chain is dropped',
    [iso4('§5.3.3'), SW_TABLE, emrtd('§4.7 (6883)'), icaoP3('ISO7816_P_54..P_57')],
    {
      applies: ['CHAINING'],
      preconditions: ['mf_selected'],
      steps: [
        segment('first', 'first segment', { sw: ['9000'] }),
        {
          title: 'SELECT MF in the middle of the chain',
          send: '00A4000C023F00',
          expect: { sw: ['6883'] },
        },
        segment('first', 'a new chain starts cleanly', { sw: ['9000'] }),
        segment('last', 'and completes', { sw: ['9000'] }),
      ],
    },
  ),
  isoCase(
    132,
    CHAIN,
    'Chaining on a command that does not support it answers 6884',
    [iso4('§5.3.3'), SW_TABLE, emrtd('§4.7 (6884)')],
    {
      applies: ['CHAINING'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT MF with CLA 10',
          send: '10A4000C023F00',
          expect: { sw: ['6884', '6883'], why: '6884 chaining not supported for this command' },
        },
      ],
    },
  ),
  isoCase(
    133,
    CHAIN,
    'A last segment with another P1-P2 than the chain is refused with 6883',
    [iso4('§5.3.3 (same INS, P1, P2 in a chain)'), SW_TABLE],
    {
      applies: ['CHAINING'],
      preconditions: ['mf_selected'],
      steps: [
        segment('first', 'first segment', { sw: ['9000'] }),
        segment(
          'last',
          'last segment with P2 changed',
          { sw: ['6883', '6A86'] },
          (h) => void (h[3] = (h[3] as number) ^ 0x01),
        ),
      ],
    },
  ),
  isoCase(
    134,
    CHAIN,
    'Card without chaining refuses a chained segment with 6884',
    [iso4('§5.3.3'), SW_TABLE],
    {
      unless: ['CHAINING'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'MSE SET with CLA 10',
          send: '102241A403800102',
          expect: { sw: ['6884', '6883', '6E00', '6881'] },
        },
      ],
    },
  ),
  isoCase(
    140,
    CHAL,
    'GET CHALLENGE with Le 08 returns 8 bytes',
    [iso4('§7.5.3'), icaoP3('ISO7816_C_1'), emrtd('§2.2 step 4')],
    {
      applies: ['GET_CHALLENGE'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'GET CHALLENGE 00 84 00 00 08',
          send: '0084000008',
          expect: { sw: ['9000'], data: { length: 8 } },
        },
      ],
    },
  ),
  isoCase(
    141,
    CHAL,
    'Two GET CHALLENGEs return different values',
    [iso4('§7.5.3'), icaoP3('ISO7816_C_1')],
    {
      applies: ['GET_CHALLENGE'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'GET CHALLENGE',
          send: '0084000008',
          expect: { sw: ['9000'], data: { length: 8 } },
          ...capture('c1'),
        },
        {
          title: 'GET CHALLENGE again: a fresh value',
          send: '0084000008',
          expect: {
            sw: ['9000'],
            data: {
              what: 'differs from the first',
              check: (d, ctx) =>
                equalBytes(d, ctx.get<Uint8Array>('c1')) ? 'same challenge twice' : undefined,
            },
          },
        },
      ],
    },
  ),
  isoCase(
    142,
    CHAL,
    'GET CHALLENGE without Le answers 6700',
    [iso4('§7.5.3'), SW_TABLE, emrtd('§4.7 (GET CHALLENGE Le)')],
    {
      applies: ['GET_CHALLENGE'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'GET CHALLENGE case 1',
          send: '00840000',
          expect: { sw: ['6700', '6A86', '6A80'], data: { empty: true } },
        },
      ],
    },
  ),
];
