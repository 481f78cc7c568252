/**
 * CIE IAS suite: GET DATA in every form of ias/README.md §2.4, the DH key agreement and session
 * keys of §4.1 (checked with an independent implementation: OpenSSL DH through node:crypto and
 * the SHA-256 KDF written out here), the IAS secure-messaging rules of §4.2-4.4, and DAPP (§5.3)
 * step by step with its negatives. Negative steps accept the ISO/IEC 7816-4 status words that
 * mean the failure in question (ISO/IEC 7816-4:2020 §5.6 Table 6) — no public source fixes
 * one — and each then checks the
 * consequence (the protocol cannot continue).
 */
import { createDiffieHellman } from 'node:crypto';
import { findTlvPath, parseTlvTree } from '../../../emulator/src/bytes/ber-tlv.ts';
import { bytesToBigInt, concatBytes, equalBytes } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { sha256 } from '../../../emulator/src/crypto/hash.ts';
import { smSession } from '../../../emulator/src/sm/sm-session.ts';
import { des3Suite } from '../../../emulator/src/sm/suites/des3.ts';
import { DF_CIE_AID } from '../../../emulator/src/applications/ias/ias-constants.ts';
import {
  parseCaPublicKey,
  terminalCertificate,
} from '../../../harness/terminals/ias/secure-channel.ts';
import { referenceTerminalKey } from '../../../harness/terminals/ias/terminal-key.ts';
import type { CaseContext } from '../../lib/case-context.ts';
import type { ApduStep, ConformanceCase, DataCheck, Expectation } from '../../lib/model.ts';
import { apdu, fail, must, procedure, selectAid } from '../../lib/procedures.ts';
import { protect } from '../../lib/sm-faults.ts';
import { encodeCommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { cieIas, iso4, SW_TABLE } from '../refs.ts';
import { iasCase, iasIcs, terminal } from './common.ts';
import {
  DF_CIE_SELECT_SM,
  dappSteps,
  externalAuthSteps,
  getChallenge,
  internalAuth,
  mseAtChr,
  mseAtInternal,
  mseDst,
  psoSteps,
} from './dapp-steps.ts';
import { SW_9000_OK } from '../../../emulator/src/apdu/status-words.ts';

const GD = 'GETDATA';
const DH = 'DH';
const SM = 'SM';
const DAPP = 'DAPP';

const GET_G = '00CB3FFF0C4D0A7008BFA10104A3029700';
const GET_P = '00CB3FFF0C4D0A7008BFA10104A3029800';
const GET_Q = '00CB3FFF0C4D0A7008BFA10104A3029900';
const GET_ALL = '00CB3FFF0A4D087006BFA10102A380';
const GET_CA = '00CB3FFF0B4D097007BFA004037F4980';
const GET_ICC_DH = '00CB3FFF064D04A6029100';

/** `70 { BF A1 01 { A3 { tags… } } }` with exactly these children in this order. */
function dhTemplate(tags: readonly number[]): DataCheck {
  return {
    what: `70 / BF A1 01 / A3 { ${tags.map((t) => t.toString(16).toUpperCase()).join(', ')} } (§2.4)`,
    check: (d) => {
      const a3 = findTlvPath(parseTlvTree(d), [0x70, 0xbfa101, 0xa3]);
      const got = (a3?.children ?? []).map((c) => c.tag);
      return got.join() === tags.join()
        ? undefined
        : `A3 children ${got.map((t) => t.toString(16)).join(',') || 'missing'}`;
    },
  };
}

function dhValue(d: Uint8Array, tag: number): Uint8Array {
  const v = findTlvPath(parseTlvTree(d), [0x70, 0xbfa101, 0xa3, tag])?.value;
  if (!v) fail(`DH parameter ${tag.toString(16)} missing`);
  return v;
}

const anyError = (why: string, sws: readonly string[]): Expectation => ({ sw: sws, why });

/** The ISO meanings of "wrong step / not allowed now" (Table 6). */
const WRONG_STATE = ['6985', '6982', '6986'];

/**
 * An independent DH + KDF (ias/README.md §4.1): x from the case RNG, OpenSSL modexp, K at |p| bytes,
 * K_ENC/K_MAC = SHA-256(K ‖ counter)[0..15], SSC = 1. Installs the session in the case context.
 */
async function independentDh(
  ctx: CaseContext,
): Promise<{ iccPublic: Uint8Array; ifdPublic: Uint8Array }> {
  const group = terminal(ctx).dh;
  if (!group) fail('DH parameters not read');
  const dh = createDiffieHellman(group.p, group.g);
  dh.setPrivateKey(ctx.rng.bytes(group.q.length - 1));
  dh.generateKeys();
  const ifdPublic = pad(new Uint8Array(dh.getPublicKey()), group.p.length);
  const kat = concatBytes(
    fromHex('80019B830181'),
    Uint8Array.of(0x91, 0x82, ifdPublic.length >> 8, ifdPublic.length & 0xff),
    ifdPublic,
  );
  await must(
    ctx,
    apdu(0x10, 0x22, 0x41, 0xa6, kat.subarray(0, 255)),
    'plain',
    [SW_9000_OK],
    'MSE SET KAT, first segment (CLA 10)',
  );
  await must(
    ctx,
    apdu(0x00, 0x22, 0x41, 0xa6, kat.subarray(255)),
    'plain',
    [SW_9000_OK],
    'MSE SET KAT, last segment',
  );
  const r = await must(ctx, ctx.resolve(GET_ICC_DH), 'plain', [SW_9000_OK], 'GET DATA A6 91');
  const iccPublic = findTlvPath(parseTlvTree(r.data), [0xa6, 0x91])?.value;
  if (!iccPublic) fail('no A6/91 in the answer');
  if (iccPublic.length !== group.p.length)
    fail(`PuK.ICC.DH is ${iccPublic.length} bytes, |p| = ${group.p.length} (§2.4)`);
  const k = pad(new Uint8Array(dh.computeSecret(iccPublic)), group.p.length);
  const kdf = (c: number): Uint8Array =>
    sha256(concatBytes(k, Uint8Array.of(0, 0, 0, c))).subarray(0, 16);
  ctx.sm = smSession(des3Suite, kdf(1), kdf(2), 1n);
  return { iccPublic, ifdPublic };
}

function pad(v: Uint8Array, n: number): Uint8Array {
  if (v.length >= n) return v;
  const out = new Uint8Array(n);
  out.set(v, n - v.length);
  return out;
}

export const SECURE_CHANNEL_CASES: readonly ConformanceCase[] = [
  iasCase(
    GD,
    1,
    'GET DATA of the whole DH template (Gemalto desktop form) returns g, p, q in this order',
    [cieIas('§2.4 row 1, §1.3')],
    {
      applies: ['IAS-GETDATA-TEMPLATE'],
      preconditions: ['dfcie_selected'],
      steps: [
        {
          title: 'GET DATA 4D 08 70 06 BF A1 01 02 A3 80',
          send: GET_ALL,
          expect: { sw: ['9000', '61xx'], data: dhTemplate([0x97, 0x98, 0x99]) },
        },
      ],
    },
  ),
  iasCase(GD, 2, 'GET DATA of g alone returns 70/BFA101/A3/97', [cieIas('§2.4 row 2')], {
    applies: ['IAS-GETDATA-SEPARATE'],
    preconditions: ['dfcie_selected'],
    steps: [
      {
        title: 'GET DATA g',
        send: GET_G,
        expect: { sw: ['9000', '61xx'], data: dhTemplate([0x97]) },
      },
    ],
  }),
  iasCase(GD, 3, 'GET DATA of p alone returns 70/BFA101/A3/98', [cieIas('§2.4 row 3')], {
    applies: ['IAS-GETDATA-SEPARATE'],
    preconditions: ['dfcie_selected'],
    steps: [
      {
        title: 'GET DATA p',
        send: GET_P,
        expect: { sw: ['9000', '61xx'], data: dhTemplate([0x98]) },
      },
    ],
  }),
  iasCase(GD, 4, 'GET DATA of q alone returns 70/BFA101/A3/99', [cieIas('§2.4 row 4')], {
    applies: ['IAS-GETDATA-SEPARATE'],
    preconditions: ['dfcie_selected'],
    steps: [
      { title: 'GET DATA q', send: GET_Q, expect: { sw: ['9000'], data: dhTemplate([0x99]) } },
    ],
  }),
  iasCase(
    GD,
    5,
    'g is left-padded to the length of p (iOS RSA_NO_PADDING needs it)',
    [cieIas('§2.4 length constraints')],
    {
      applies: ['IAS-GETDATA-SEPARATE'],
      preconditions: ['dfcie_selected'],
      steps: [
        procedure('GET DATA g and p', '|g| = |p|', async (ctx) => {
          const g = dhValue(
            (await must(ctx, ctx.resolve(GET_G), 'plain', [SW_9000_OK], 'GET DATA g')).data,
            0x97,
          );
          const p = dhValue(
            (await must(ctx, ctx.resolve(GET_P), 'plain', [SW_9000_OK], 'GET DATA p')).data,
            0x98,
          );
          return g.length === p.length ? undefined : `|g| = ${g.length}, |p| = ${p.length}`;
        }),
      ],
    },
  ),
  iasCase(
    GD,
    6,
    'Both GET DATA forms return the same g, p, q',
    [cieIas('§1.3 (accept both forms on every personality)')],
    {
      applies: ['IAS-GETDATA-TEMPLATE', 'IAS-GETDATA-SEPARATE'],
      preconditions: ['dfcie_selected'],
      steps: [
        procedure(
          'template form, then three separate requests',
          'identical values',
          async (ctx) => {
            const all = (
              await must(ctx, ctx.resolve(GET_ALL), 'plain', [SW_9000_OK], 'GET DATA template')
            ).data;
            for (const [hex, tag] of [
              [GET_G, 0x97],
              [GET_P, 0x98],
              [GET_Q, 0x99],
            ] as const) {
              const one = dhValue(
                (await must(ctx, ctx.resolve(hex), 'plain', [SW_9000_OK], 'GET DATA')).data,
                tag,
              );
              if (!equalBytes(one, dhValue(all, tag)))
                fail(`${tag.toString(16)} differs between the two forms`);
            }
            return undefined;
          },
        ),
      ],
    },
  ),
  iasCase(
    GD,
    7,
    'The DH group is sound: g^q = 1 mod p, |p| ≥ 2048 bits, q of at least 224 bits',
    [cieIas('§4.1 (DH privacy scheme), §2.4 (q sets the exponent length)')],
    {
      applies: ['IAS-GETDATA-SEPARATE'],
      preconditions: ['dfcie_selected'],
      steps: [
        procedure(
          'GET DATA g, p, q; OpenSSL modexp',
          'g generates the order-q subgroup',
          async (ctx) => {
            const g = dhValue((await must(ctx, ctx.resolve(GET_G))).data, 0x97);
            const p = dhValue((await must(ctx, ctx.resolve(GET_P))).data, 0x98);
            const q = dhValue((await must(ctx, ctx.resolve(GET_Q))).data, 0x99);
            if (bytesToBigInt(p).toString(2).length < 2048)
              fail(`p has ${bytesToBigInt(p).toString(2).length} bits`);
            if (bytesToBigInt(q).toString(2).length < 224)
              fail(`q has ${bytesToBigInt(q).toString(2).length} bits`);
            const dh = createDiffieHellman(p, g);
            dh.setPrivateKey(q);
            dh.generateKeys();
            return bytesToBigInt(new Uint8Array(dh.getPublicKey())) === 1n
              ? undefined
              : 'g^q mod p ≠ 1';
          },
        ),
      ],
    },
  ),
  iasCase(
    GD,
    8,
    'GET DATA of the CA key returns 7F49 with 81 n, 82 e, 5F20 CHR (12 bytes), 5F4C CHA (7 bytes) in this order',
    [cieIas('§2.4 row 5 (order constraint), §2.4 length constraints')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        {
          title: 'GET DATA 7F49',
          send: GET_CA,
          expect: {
            sw: ['9000', '61xx'],
            data: {
              what: 'parses as the clients parse it',
              check: (d) => {
                try {
                  parseCaPublicKey(d);
                  return undefined;
                } catch (e) {
                  return (e as Error).message;
                }
              },
            },
          },
        },
      ],
    },
  ),
  iasCase(
    GD,
    9,
    'The CA key fits the private exponent hard-coded in every client (self-issued certificates verify)',
    [cieIas('§2.3 (CA private exponent), §2.4 (recipe)')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        procedure(
          'GET DATA 7F49; issue and check a terminal certificate',
          'RSA(e)(RSA(d)(x)) = x',
          async (ctx) => {
            const ca = parseCaPublicKey((await must(ctx, ctx.resolve(GET_CA))).data);
            try {
              terminalCertificate(ca, referenceTerminalKey());
            } catch (e) {
              return (e as Error).message;
            }
            return ca.chr.subarray(0, 4).every((b) => b === 0)
              ? undefined
              : `CHR ${toHex(ca.chr)} does not start with 4 zero bytes`;
          },
        ),
      ],
    },
  ),
  iasCase(
    GD,
    10,
    'GET DATA with a P1P2 other than 3FFF is refused',
    [cieIas('§2.4 (P1P2 3FFF = current DF)'), SW_TABLE],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        {
          title: 'GET DATA P1P2 3FFE',
          send: '00CB3FFE0C4D0A7008BFA10104A3029700',
          expect: anyError('wrong P1-P2 or object not found', ['6A86', '6B00', '6A88', '6A82']),
        },
      ],
    },
  ),
  iasCase(
    GD,
    11,
    'GET DATA of an SDO the card does not have is refused',
    [cieIas('§2.3 (SDO tags)'), SW_TABLE],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        {
          title: 'GET DATA BF A1 05',
          send: '00CB3FFF0C4D0A7008BFA10504A3029700',
          expect: anyError('referenced data not found', ['6A88', '6A80', '6A82']),
        },
      ],
    },
  ),
  iasCase(
    GD,
    12,
    'GET DATA A6 91 without a preceding MSE SET KAT is refused',
    [cieIas('§10 (GET DATA A6 91 after KAT)'), SW_TABLE],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        {
          title: 'GET DATA A6 91',
          send: GET_ICC_DH,
          expect: anyError('conditions of use / referenced data', ['6985', '6A88', '6982']),
        },
      ],
    },
  ),
  iasCase(
    GD,
    13,
    'GET DATA with a malformed extended header list is refused',
    [iso4('§8.5.1 (extended header list)'), SW_TABLE],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        {
          title: 'GET DATA 4D 05 70 08 (list longer than its DO)',
          send: '00CB3FFF084D05700801020304',
          expect: anyError('wrong data', ['6A80', '6A88', '6700']),
        },
      ],
    },
  ),
  iasCase(
    DH,
    1,
    'DH key agreement: chained MSE SET KAT, GET DATA A6 91, and the first protected command verifies with the §4.1 KDF and SSC 1',
    [cieIas('§4.1 steps 4-6, §3 row 10 (chained 255 + rest)')],
    {
      preconditions: ['ias_keys_read'],
      steps: [
        procedure(
          'independent DH (OpenSSL) and KDF (SHA-256)',
          'protected SELECT DF_CIE verifies under K_ENC/K_MAC from SHA-256(K ‖ counter)',
          async (ctx) => {
            await independentDh(ctx);
            await selectAid(ctx, DF_CIE_AID, 'sm');
            return undefined;
          },
        ),
      ],
    },
  ),
  iasCase(
    DH,
    2,
    'The card DH public value is fresh in every key agreement',
    [cieIas('§10 row MSE SET KAT (card ephemeral key)')],
    {
      preconditions: ['ias_keys_read'],
      steps: [
        procedure('two key agreements', 'two different PuK.ICC.DH', async (ctx) => {
          const a = await independentDh(ctx);
          const b = await independentDh(ctx);
          return equalBytes(a.iccPublic, b.iccPublic) ? 'same card public value twice' : undefined;
        }),
      ],
    },
  ),
  iasCase(
    DH,
    3,
    'A new key agreement replaces the session: the keys of the previous one stop working',
    [cieIas('§10 (new KAT → new session)'), iso4('§6')],
    {
      preconditions: ['ias_keys_read'],
      steps: [
        procedure(
          'DH, keep the session, DH again, use the old keys',
          'the old keys are refused (plain error)',
          async (ctx) => {
            await independentDh(ctx);
            const old = ctx.sm;
            await independentDh(ctx);
            ctx.sm = old;
            const r = await ctx.send(ctx.resolve('00A4040C<DF_CIE_AID_LV>'), 'sm');
            return !r.protected && r.sw !== SW_9000_OK
              ? undefined
              : 'a command under the old keys was accepted';
          },
        ),
      ],
    },
  ),
  iasCase(
    DH,
    4,
    'MSE SET KAT with an algorithm other than 9B is refused',
    [cieIas('§2.3 (80 01 9B), §3 row 10'), SW_TABLE],
    {
      preconditions: ['ias_keys_read'],
      steps: katSegments('80019C830181', anyError('wrong data', ['6A80', '6A88', '6A86'])),
    },
  ),
  iasCase(
    DH,
    5,
    'MSE SET KAT with a key reference other than 81 is refused',
    [cieIas('§2.3 (83 01 81)'), SW_TABLE],
    {
      preconditions: ['ias_keys_read'],
      steps: katSegments('80019B830182', anyError('referenced data not found', ['6A88', '6A80'])),
    },
  ),
  iasCase(
    DH,
    6,
    'MSE SET KAT with the public value 1 is refused',
    [cieIas('§4.1 step 4'), SW_TABLE],
    {
      preconditions: ['ias_keys_read'],
      steps: [
        {
          title: 'MSE SET KAT 91 01 01',
          send: '002241A60980019B830181910101',
          expect: anyError('wrong data', ['6A80', '6A88']),
        },
      ],
    },
  ),
  iasCase(
    DH,
    7,
    'MSE SET KAT under SM is refused (key agreement happens in plain)',
    [cieIas('§10 (MSE SET KAT in SM0), §4.1 step 4')],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        {
          title: 'protected MSE SET KAT (200-byte value)',
          send: (ctx) => kat(ctx, '80019B830181', 200),
          protect: 'sm',
          expect: anyError('conditions not satisfied (or the value refused first)', [
            ...WRONG_STATE,
            '6A80',
            '6700',
          ]),
        },
      ],
    },
  ),
  iasCase(
    DH,
    8,
    'MSE SET KAT of 266 bytes is accepted as a two-segment chain, as every client sends it',
    [cieIas('§3 row 10 (chaining 255 + rest, first CLA 10)'), iso4('§5.3.3')],
    {
      preconditions: ['ias_keys_read'],
      steps: [
        procedure(
          'chained KAT',
          '9000 for both segments',
          async (ctx) => void (await independentDh(ctx)),
        ),
      ],
    },
  ),
  iasCase(
    SM,
    1,
    'Protected responses carry DO 87, then DO 99, then DO 8E (the order the clients rely on)',
    [cieIas('§4.3 (order must be 87/85, 99, 8E)')],
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
        procedure('protected READ BINARY, inspect the raw body', 'DOs 87, 99, 8E', async (ctx) => {
          const r = await ctx.send(ctx.resolve('00B000000C'), 'sm');
          const tags = parseTlvTree(r.raw.subarray(0, r.raw.length - 2)).map((t) =>
            t.tag.toString(16).toUpperCase(),
          );
          return tags.join(',') === '87,99,8E' ? undefined : `body DOs ${tags.join(',')}`;
        }),
      ],
    },
  ),
  iasCase(
    SM,
    2,
    'A protected odd READ BINARY returns its data in DO 85',
    [cieIas('§4.3 (85 for odd INS)'), cieIas('§4.2 step 3')],
    {
      applies: ['ODD_READ_BINARY'],
      preconditions: ['ias_sm_established'],
      steps: [
        {
          title: 'protected SELECT DF_CIE',
          send: '00A4040C<DF_CIE_AID_LV>',
          protect: 'sm',
          expect: { sw: ['9000'] },
        },
        procedure(
          'protected odd READ BINARY of 1006 by SFI',
          'body starts with DO 85 and verifies',
          async (ctx) => {
            const r = await ctx.send(ctx.resolve('00B100060354010040'), 'sm');
            if (!r.protected || r.sw !== SW_9000_OK)
              return `status ${r.sw.toString(16)}, protected ${r.protected}`;
            return r.raw[0] === 0x85
              ? undefined
              : `body starts with ${toHex(r.raw.subarray(0, 1))}`;
          },
        ),
      ],
    },
  ),
  iasCase(
    SM,
    3,
    'Long protected responses (291 bytes) come whole or by 61xx as the personality declares',
    [cieIas('§4.4, §12 item 2')],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        ...dappSteps().slice(0, -1),
        procedure(
          'INTERNAL AUTHENTICATE, raw first answer',
          'IAS-61xx: 61xx first; otherwise one response with the whole body',
          async (ctx) => {
            const rnd = ctx.rng.bytes(8);
            ctx.vars.set('rndIfd', rnd);
            const r = await ctx.send(apdu(0, 0x88, 0, 0, rnd), 'sm');
            if (r.sw !== SW_9000_OK || r.data.length !== 264)
              return `answer ${r.sw.toString(16)} with ${r.data.length} bytes`;
            const first = ctx.log.find((e) => e.plainCommand?.startsWith('00880000'));
            const sw1 = first?.response.slice(-4, -2);
            const want61 = ctx.tokens.has('IAS-61xx');
            return (sw1 === '61') === want61
              ? undefined
              : `first response SW1 ${sw1}, personality declares ${want61 ? '61xx' : 'whole'}`;
          },
        ),
      ],
    },
  ),
  iasCase(
    SM,
    4,
    'GET RESPONSE under SM with CLA 0C (desktop form) collects a pending 61xx answer',
    [cieIas('§3 row 26 (0C C0 00 00 00), §11 (61xx)')],
    {
      applies: ['IAS-61xx'],
      preconditions: ['ias_sm_established'],
      steps: [
        ...dappSteps().slice(0, -1),
        procedure(
          'INTERNAL AUTHENTICATE, then 0C C0 00 00 00',
          'the rest of the protected body',
          async (ctx) => {
            const rnd = ctx.rng.bytes(8);
            const wrapped = protect(ctx.sm ?? fail('no session'), apdu(0, 0x88, 0, 0, rnd), 'sm');
            ctx.sm = wrapped.session;
            const first = await ctx.transmit(encodeCommandApdu(wrapped.apdu));
            if (first[first.length - 2] !== 0x61)
              return `first answer ${toHex(first.subarray(-2))}`;
            const rest = await ctx.transmit(fromHex('0CC0000000'));
            return rest[rest.length - 2] === 0x90 || rest[rest.length - 2] === 0x61
              ? undefined
              : `GET RESPONSE 0C answered ${toHex(rest.subarray(-2))}`;
          },
        ),
      ],
    },
  ),
  iasCase(
    SM,
    5,
    'After DAPP the SSC is re-seeded: continuing with the old counter is refused and ends the session',
    [cieIas('§5.3 step 8')],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        ...dappSteps().map((s) =>
          s.title.startsWith('INTERNAL AUTHENTICATE') ? { ...s, after: () => undefined } : s,
        ),
        {
          title: 'protected SELECT with the un-reseeded counter',
          send: '00A4040C<DF_CIE_AID_LV>',
          protect: 'sm',
          expect: { sw: ['6988', '6987', '6982'], sm: 'plain' },
        },
      ],
    },
  ),
  iasCase(
    SM,
    6,
    'After an SM error the IAS session is gone: VERIFY PIN is refused until a new DH + DAPP',
    [cieIas('§10 (bad MAC → 6988, drop SM)'), iso4('§6')],
    {
      preconditions: ['dapp_done'],
      steps: [
        {
          title: 'protected SELECT with a corrupted MAC',
          send: '00A4040C<DF_CIE_AID_LV>',
          protect: 'sm-corrupt-mac',
          expect: { sw: ['6988', '6987'], sm: 'plain' },
        },
        {
          title: 'protected VERIFY PIN',
          send: '0020008108<PIN>',
          protect: 'sm',
          expect: { sw: 'error', sm: 'plain' },
        },
      ],
    },
  ),
  iasCase(
    DAPP,
    1,
    'DAPP completes: each step 9000, SIG.ICC verifies with EF 1004, and the session continues with the re-seeded SSC',
    [cieIas('§5.3 steps 1-8')],
    {
      preconditions: ['ias_sm_established'],
      steps: [...dappSteps(), DF_CIE_SELECT_SM],
    },
  ),
  iasCase(
    DAPP,
    2,
    'The terminal key is selectable with CRT B6 as well as A4 where the personality declares it',
    [cieIas('§1.3 (ST cards reject B6; others accept both)')],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        mseDst(),
        ...psoSteps(),
        {
          ...mseAtChr(undefined, 0xb6),
          expect: {
            sw: (ctx) =>
              iasIcs(ctx).externalAuthCrt.includes('B6')
                ? ['9000']
                : ['6A80', '6A86', '6A88', '6985'],
          },
        },
      ],
    },
  ),
  iasCase(
    DAPP,
    3,
    'PSO VERIFY CERTIFICATE without MSE SET DST is refused',
    [cieIas('§10 (DAPP steps in order)'), SW_TABLE],
    {
      preconditions: ['ias_sm_established'],
      steps: psoSteps(anyError('conditions of use not satisfied', WRONG_STATE)),
    },
  ),
  iasCase(
    DAPP,
    4,
    'A terminal certificate with a damaged signature is refused and the terminal key cannot be selected',
    [cieIas('§5.3 step 3 (card checks 6A…BC, hash, CAR)'), SW_TABLE],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        mseDst(),
        ...psoSteps(anyError('certificate rejected', ['6A80', '6300', '6982', '6988']), (c) => {
          c[12] = (c[12] as number) ^ 0x01;
          return c;
        }),
        mseAtChr(anyError('no verified terminal certificate', ['6A88', '6A80', '6985'])),
      ],
    },
  ),
  iasCase(
    DAPP,
    5,
    'A terminal certificate naming another CA (CAR) is refused',
    [cieIas('§5.3 step 3 (CAR = its CA CAR)'), SW_TABLE],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        mseDst(),
        ...psoSteps(anyError('referenced data (CA) not found', ['6A88', '6A80', '6300']), (c) => {
          c[c.length - 1] = (c[c.length - 1] as number) ^ 0x01;
          return c;
        }),
      ],
    },
  ),
  iasCase(
    DAPP,
    6,
    'MSE SET DST with a key other than 84 is refused',
    [cieIas('§2.3 (83 01 84)'), SW_TABLE],
    {
      preconditions: ['ias_sm_established'],
      steps: [mseDst(anyError('referenced data not found', ['6A88', '6A80']), '800141830185')],
    },
  ),
  iasCase(
    DAPP,
    7,
    'MSE SET AT with a CHR no verified certificate carries is refused',
    [cieIas('§5.3 step 4'), SW_TABLE],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        mseDst(),
        ...psoSteps(),
        mseAtChr(
          anyError('referenced data not found', ['6A88', '6A80']),
          0xa4,
          fromHex('00000000200000000000FFFF'),
        ),
      ],
    },
  ),
  iasCase(
    DAPP,
    8,
    'EXTERNAL AUTHENTICATE without a GET CHALLENGE is refused',
    [cieIas('§5.3 steps 5-6'), iso4('§7.5.5'), SW_TABLE],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        mseDst(),
        ...psoSteps(),
        mseAtChr(),
        ...externalAuthSteps(anyError('no challenge', WRONG_STATE)),
      ],
    },
  ),
  iasCase(
    DAPP,
    9,
    'EXTERNAL AUTHENTICATE with a wrong signature fails (6300) and INTERNAL AUTHENTICATE is then refused',
    [cieIas('§5.3 step 6'), SW_TABLE],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        mseDst(),
        ...psoSteps(),
        mseAtChr(),
        getChallenge(),
        ...externalAuthSteps(anyError('authentication failed', ['6300', '6982', '6A80']), {
          corrupt: true,
        }),
        mseAtInternal(),
        internalAuth(anyError('terminal not authenticated', WRONG_STATE)),
      ],
    },
  ),
  iasCase(
    DAPP,
    10,
    'The challenge is single use: a second EXTERNAL AUTHENTICATE on it is refused',
    [cieIas('§10 (GET CHALLENGE single use)'), iso4('§7.5.3')],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        mseDst(),
        ...psoSteps(),
        mseAtChr(),
        getChallenge(),
        ...externalAuthSteps(anyError('authentication failed', ['6300', '6982', '6A80']), {
          corrupt: true,
        }),
        mseDst(),
        ...psoSteps(),
        mseAtChr(),
        ...externalAuthSteps(
          anyError('challenge already used: no fresh challenge', [...WRONG_STATE, '6300']),
          { name: 'extAuth2' },
        ),
      ],
    },
  ),
  iasCase(
    DAPP,
    11,
    'EXTERNAL AUTHENTICATE with only SN.IFD (no signature) is refused',
    [cieIas('§3 row 15 (SN.IFD ‖ SIG = 264 bytes)'), SW_TABLE],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        mseDst(),
        ...psoSteps(),
        mseAtChr(),
        getChallenge(),
        ...externalAuthSteps(anyError('wrong length', ['6700', '6A80', '6300']), { truncate: 8 }),
      ],
    },
  ),
  iasCase(
    DAPP,
    12,
    'INTERNAL AUTHENTICATE with key 82 before EXTERNAL AUTHENTICATE is refused',
    [cieIas('§10 (DAPP in this order)'), SW_TABLE],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        mseAtInternal(),
        internalAuth(anyError('conditions of use not satisfied', WRONG_STATE)),
      ],
    },
  ),
  iasCase(
    DAPP,
    13,
    'INTERNAL AUTHENTICATE with a 7-byte RND.IFD is refused',
    [cieIas('§3 row 17 (RND.IFD 8 bytes)'), SW_TABLE],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        mseDst(),
        ...psoSteps(),
        mseAtChr(),
        getChallenge(),
        ...externalAuthSteps(),
        mseAtInternal(),
        internalAuth(anyError('wrong length', ['6700', '6A80']), 7),
      ],
    },
  ),
  iasCase(
    DAPP,
    14,
    'DAPP commands sent in plain are refused (they need the IAS session)',
    [cieIas('§3 rows 11-17 (SM)'), SW_TABLE],
    {
      preconditions: ['ias_keys_read'],
      steps: [
        {
          title: 'plain MSE SET DST',
          send: '002281B606800141830184',
          expect: anyError('security status not satisfied', ['6982', '6985']),
        },
      ],
    },
  ),
  iasCase(
    DAPP,
    15,
    'MSE SET AT for key 82 with algorithm 02 is refused',
    [cieIas('§2.3 (key 82 with algorithm 9B)'), SW_TABLE],
    {
      preconditions: ['ias_sm_established'],
      steps: [mseAtInternal(anyError('wrong data', ['6A80', '6A88']), '840182800102')],
    },
  ),
  iasCase(
    DAPP,
    16,
    'EXTERNAL AUTHENTICATE signed over another DH transcript fails',
    [cieIas('§5.3 step 6 (hash over the exact bytes exchanged)'), SW_TABLE],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        procedure(
          'DH again (new transcript, old terminal knowledge), then DAPP',
          'EXTERNAL AUTHENTICATE refused',
          async (ctx) => {
            await selectAid(ctx, DF_CIE_AID);
            await independentDh(ctx);
            return undefined;
          },
        ),
        mseDst(),
        ...psoSteps(),
        mseAtChr(),
        getChallenge(),
        ...externalAuthSteps(anyError('authentication failed', ['6300', '6982'])),
      ],
    },
  ),
];

/** KAT data with g as the public value (valid, |p| bytes) or its first `length` bytes. */
function katData(ctx: CaseContext, head: string, length?: number): Uint8Array {
  const group = terminal(ctx).dh;
  const y = group ? group.g : new Uint8Array(256).fill(2);
  const pub = length ? y.subarray(0, length) : y;
  const len =
    pub.length > 255
      ? Uint8Array.of(0x82, pub.length >> 8, pub.length & 0xff)
      : pub.length > 127
        ? Uint8Array.of(0x81, pub.length)
        : Uint8Array.of(pub.length);
  return concatBytes(fromHex(head), Uint8Array.of(0x91), len, pub);
}

function kat(ctx: CaseContext, head: string, length: number): Uint8Array {
  const data = katData(ctx, head, length);
  return concatBytes(Uint8Array.of(0x00, 0x22, 0x41, 0xa6, data.length), data);
}

/** A KAT chained as the clients send it (255 + rest); the last segment is judged. */
function katSegments(head: string, last: Expectation): ApduStep[] {
  const part = (first: boolean) => (ctx: CaseContext) => {
    const d = katData(ctx, head);
    return first
      ? apdu(0x10, 0x22, 0x41, 0xa6, d.subarray(0, 255))
      : apdu(0x00, 0x22, 0x41, 0xa6, d.subarray(255));
  };
  return [
    {
      title: 'MSE SET KAT, first segment (CLA 10, 255 bytes)',
      send: part(true),
      expect: { sw: ['9000'] },
    },
    { title: 'MSE SET KAT, last segment', send: part(false), expect: last },
  ];
}
