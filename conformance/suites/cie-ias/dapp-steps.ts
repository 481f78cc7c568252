/**
 * DAPP (ias/README.md §5.3) as individual protected steps, so negative cases can break any one of
 * them. The protected parts are computed at run time from what the reference terminal learnt
 * (CA key, EF 1004, DH transcript) with the terminal's building blocks; long data go out in
 * 231-byte segments, each protected on its own (§4.2 item 7), exactly as the clients send them.
 *
 * ```
 * 1 MSE SET DST 81 B6 {80 01 41, 83 01 84}        4 GET CHALLENGE Le 08 → RND.ICC
 * 2 PSO VERIFY CERTIFICATE 2A 00 AE (231 + 123)   5 EXTERNAL AUTHENTICATE SN.IFD ‖ SIG (231 + 33)
 * 3 MSE SET AT 81 A4 {83 0C CHR}                  6 MSE SET AT 41 A4 {84 01 82, 80 01 9B}
 *                                                 7 INTERNAL AUTHENTICATE RND.IFD → SN.ICC ‖ SIG.ICC
 * ```
 */
import { commandApdu, type CommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { concatBytes, equalBytes } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { byteLength } from '../../../emulator/src/crypto/rsa.ts';
import {
  dappSsc,
  externalAuthHash,
  internalAuthHash,
  ISO9796_OVERHEAD,
  iso9796Block,
  openIso9796Block,
  type DappTranscript,
} from '../../../emulator/src/applications/ias/dapp-crypto.ts';
import { TERMINAL_CHR, TERMINAL_SN_IFD } from '../../../emulator/src/applications/ias/interop.ts';
import { rsaPrivateRaw, rsaPublicRaw } from '../../../emulator/src/crypto/rsa.ts';
import { withSsc } from '../../../emulator/src/sm/sm-session.ts';
import {
  terminalCertificate,
  type CaPublicKey,
} from '../../../harness/terminals/ias/secure-channel.ts';
import { referenceTerminalKey } from '../../../harness/terminals/ias/terminal-key.ts';
import type { RsaPublicKey } from '../../../emulator/src/crypto/rsa.ts';
import { PreconditionError, type CaseContext } from '../../lib/case-context.ts';
import type { ApduStep, Expectation } from '../../lib/model.ts';
import { terminal } from './common.ts';
import { SW_9000_OK } from '../../../emulator/src/apdu/status-words.ts';

const SEGMENT = 0xe7;

export interface DappKnowledge {
  readonly ca: CaPublicKey;
  readonly transcript: DappTranscript;
  readonly iccAuthKey: RsaPublicKey;
}

/** What the terminal learnt before the DH exchange (precondition ias_sm_established). */
export function knowledge(ctx: CaseContext): DappKnowledge {
  const t = terminal(ctx);
  if (!t.ca || !t.transcript || !t.iccAuthKey)
    throw new PreconditionError(
      'DAPP steps need ias_sm_established (CA key, EF 1004, DH transcript)',
    );
  return { ca: t.ca, transcript: t.transcript, iccAuthKey: t.iccAuthKey };
}

/** The data split in 231-byte segments: all but the last with CLA 10 (→ 1C under SM). */
export function segmented(ins: number, p1: number, p2: number, data: Uint8Array): CommandApdu[] {
  const out: CommandApdu[] = [];
  for (let off = 0; off < data.length; off += SEGMENT) {
    const last = off + SEGMENT >= data.length;
    out.push(
      commandApdu({
        cla: last ? 0x00 : 0x10,
        ins,
        p1,
        p2,
        data: data.subarray(off, Math.min(off + SEGMENT, data.length)),
      }),
    );
  }
  return out;
}

const ok: Expectation = { sw: ['9000'] };

export const mseDst = (expect: Expectation = ok, data = '800141830184'): ApduStep => ({
  title: 'MSE SET DST 81 B6 (CA key 84, algorithm 41)',
  send: `002281B6${(data.length / 2).toString(16).padStart(2, '0')}${data}`,
  protect: 'sm',
  expect,
});

/** The self-issued terminal certificate, optionally damaged. */
export function certificate(
  ctx: CaseContext,
  damage?: (cert: Uint8Array) => Uint8Array,
): Uint8Array {
  const cert = terminalCertificate(knowledge(ctx).ca, referenceTerminalKey());
  return damage ? damage(cert.slice()) : cert;
}

/** PSO VERIFY CERTIFICATE in its two segments (231 + 123); `expectLast` judges the last one. */
export function psoSteps(
  expectLast: Expectation = ok,
  damage?: (cert: Uint8Array) => Uint8Array,
): ApduStep[] {
  const seg =
    (i: number) =>
    (ctx: CaseContext): CommandApdu => {
      const parts = segmented(0x2a, 0x00, 0xae, certificate(ctx, damage));
      return parts[Math.min(i, parts.length - 1)] as CommandApdu;
    };
  return [
    {
      title: 'PSO VERIFY CERTIFICATE, first segment (CLA 1C, 231 bytes)',
      send: seg(0),
      protect: 'sm',
      expect: ok,
    },
    {
      title: 'PSO VERIFY CERTIFICATE, last segment (CLA 0C)',
      send: seg(1),
      protect: 'sm',
      expect: expectLast,
    },
  ];
}

export const mseAtChr = (
  expect: Expectation = ok,
  p2 = 0xa4,
  chr: Uint8Array = TERMINAL_CHR,
): ApduStep => ({
  title: `MSE SET AT 81 ${p2.toString(16).toUpperCase()} (terminal CHR)`,
  send: () =>
    commandApdu({ cla: 0, ins: 0x22, p1: 0x81, p2, data: Uint8Array.of(0x83, chr.length, ...chr) }),
  protect: 'sm',
  expect,
});

export const getChallenge = (
  expect: Expectation = { sw: ['9000'], data: { length: 8 } },
): ApduStep => ({
  title: 'GET CHALLENGE Le 08 (RND.ICC)',
  send: '0084000008',
  protect: 'sm',
  expect,
  after: (ctx, r) => void ctx.vars.set('rndIcc', r.data.slice()),
});

/** SN.IFD ‖ SIG over the recorded challenge (or a given one), optionally damaged. */
export function externalAuthData(
  ctx: CaseContext,
  o: { corrupt?: boolean; challenge?: Uint8Array } = {},
): Uint8Array {
  const k = knowledge(ctx);
  const key = referenceTerminalKey();
  const rndIcc =
    o.challenge ?? (ctx.vars.get('rndIcc') as Uint8Array | undefined) ?? new Uint8Array(8);
  const prnd = ctx.rng.bytes(byteLength(key.n) - ISO9796_OVERHEAD);
  const h = externalAuthHash(prnd, k.transcript, TERMINAL_SN_IFD, rndIcc);
  if (o.corrupt) h[0] = (h[0] as number) ^ 0xff;
  return concatBytes(TERMINAL_SN_IFD, rsaPrivateRaw(key, iso9796Block(prnd, h)));
}

/** EXTERNAL AUTHENTICATE in its segments (231 + 33); data computed once per case. */
export function externalAuthSteps(
  expectLast: Expectation = ok,
  o: { corrupt?: boolean; truncate?: number; name?: string } = {},
): ApduStep[] {
  const name = o.name ?? 'extAuth';
  const data = (ctx: CaseContext): Uint8Array => {
    let d = ctx.vars.get(name) as Uint8Array | undefined;
    if (!d) {
      d = externalAuthData(ctx, o.corrupt ? { corrupt: true } : {});
      if (o.truncate !== undefined) d = d.subarray(0, o.truncate);
      ctx.vars.set(name, d);
    }
    return d;
  };
  const seg =
    (i: number) =>
    (ctx: CaseContext): CommandApdu => {
      const parts = segmented(0x82, 0x00, 0x00, data(ctx));
      return parts[Math.min(i, parts.length - 1)] as CommandApdu;
    };
  if (o.truncate !== undefined && o.truncate <= SEGMENT)
    return [
      {
        title: `EXTERNAL AUTHENTICATE with ${o.truncate} bytes`,
        send: seg(0),
        protect: 'sm',
        expect: expectLast,
      },
    ];
  return [
    {
      title: 'EXTERNAL AUTHENTICATE, first segment (CLA 1C)',
      send: seg(0),
      protect: 'sm',
      expect: ok,
    },
    {
      title: 'EXTERNAL AUTHENTICATE, last segment',
      send: seg(1),
      protect: 'sm',
      expect: expectLast,
    },
  ];
}

export const mseAtInternal = (expect: Expectation = ok, data = '840182' + '80019B'): ApduStep => ({
  title: 'MSE SET AT 41 A4 (key 82, algorithm 9B)',
  send: `002241A4${(data.length / 2).toString(16).padStart(2, '0')}${data}`,
  protect: 'sm',
  expect,
});

/** INTERNAL AUTHENTICATE with RND.IFD; on success checks SN.ICC ‖ SIG.ICC and re-seeds the SSC. */
export function internalAuth(expect?: Expectation, rndIfdLength = 8): ApduStep {
  return {
    title: `INTERNAL AUTHENTICATE RND.IFD (${rndIfdLength} bytes, no Le)`,
    send: (ctx) => {
      const rnd = ctx.rng.bytes(rndIfdLength);
      ctx.vars.set('rndIfd', rnd);
      return commandApdu({ cla: 0, ins: 0x88, p1: 0, p2: 0, data: rnd });
    },
    protect: 'sm',
    expect: expect ?? {
      sw: ['9000'],
      data: {
        what: 'SN.ICC (8) ‖ SIG.ICC opening with EF 1004 to 6A … h2 … BC (§5.3 step 7)',
        check: (d, ctx) => {
          const k = knowledge(ctx);
          const n = byteLength(k.iccAuthKey.n);
          if (d.length !== 8 + n) return `${d.length} bytes, expected 8 + ${n}`;
          const opened = openIso9796Block(rsaPublicRaw(k.iccAuthKey, d.subarray(8)));
          if (!opened)
            return 'signature does not open to 6A…BC with EF 1004 (no n − SIG variant is accepted)';
          const h = internalAuthHash(
            opened.m1,
            k.transcript,
            d.subarray(0, 8),
            ctx.get<Uint8Array>('rndIfd'),
          );
          return equalBytes(h, opened.digest) ? undefined : 'h2 does not match the DAPP transcript';
        },
      },
    },
    after: (ctx, r) => {
      if (ctx.sm && r.sw === SW_9000_OK)
        ctx.sm = withSsc(
          ctx.sm,
          dappSsc(ctx.get<Uint8Array>('rndIcc'), ctx.get<Uint8Array>('rndIfd')),
        );
    },
  };
}

/** The whole positive DAPP as steps. */
export function dappSteps(): ApduStep[] {
  return [
    mseDst(),
    ...psoSteps(),
    mseAtChr(),
    getChallenge(),
    ...externalAuthSteps(),
    mseAtInternal(),
    internalAuth(),
  ];
}

export const DF_CIE_SELECT_SM: ApduStep = {
  title: 'protected SELECT DF_CIE (the session works)',
  send: '00A4040C<DF_CIE_AID_LV>',
  protect: 'sm',
  expect: { sw: ['9000'] },
};

export const hex = fromHex;
