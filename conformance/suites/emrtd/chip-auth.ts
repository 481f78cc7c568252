/**
 * eMRTD suite: ICAO Part 3 ISO7816_I, Chip Authentication v1 (ICAO 9303-11 §6.2; emrtd/README.md
 * §2.6) in both forms the matrix tests: MSE:Set KAT (`0C 22 41 A6`, I_1..I_15; the CIE's form,
 * DH + 3DES) and MSE:Set AT + GENERAL AUTHENTICATE (`0C 22 41 A4` + `0C 86 00 00 7C {80 PK}`,
 * I_16..I_29). Negative steps the matrix leaves open accept any error, or an implicit failure that
 * the next command under the would-be keys reveals; where the matrix pins `6300`/`7C 00` and then
 * `9000` (I_18, I_22, I_27, I_28) the old session keys must still work. The EC-only borderline
 * cases (I_8..I_11, I_14, I_23..I_26, I_29) and I_15 (PACE-CAM) are outside the CIE's DH key
 * (conformance/icao-part3/exclusions.ts).
 */
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { commandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { SW_9000_OK } from '../../../emulator/src/apdu/status-words.ts';
import {
  caEphemeralKeys,
  caTerminalSession,
} from '../../../emulator/src/protocols/chip-auth/ca-terminal.ts';
import { oidContent } from '../../../emulator/src/protocols/asn1/der.ts';
import { chipAuthChoice } from '../../../harness/terminals/emrtd/eac.ts';
import type { CaseContext } from '../../lib/case-context.ts';
import type { ApduStep, ConformanceCase, Expectation, Step } from '../../lib/model.ts';
import { fail, procedure } from '../../lib/procedures.ts';
import { emrtd, icao11, icaoP3 } from '../refs.ts';
import { emrtdCase, readDg } from './common.ts';

const ok: Expectation = { sw: ['9000'] };
const any: Expectation = { sw: ['9000', 'error'], why: 'ICAO Part 3 gives no status word' };
const refused: Expectation = { sw: 'error', why: 'the chip must not accept this command' };
/** id-CA-DH-3DES-CBC-CBC, the CIE's DG14 protocol (for the cases that run before DG14 is readable). */
const CIE_CA_OID = '0.4.0.127.0.7.2.2.3.1.1';

interface CaMaterial {
  readonly choice: ReturnType<typeof chipAuthChoice>;
  readonly eph: ReturnType<typeof caEphemeralKeys>;
}

const material = (ctx: CaseContext): CaMaterial => ctx.get<CaMaterial>('ca');

const readDg14 = (form: 'kat' | 'ga') =>
  procedure(
    'protected read of DG14, choose the CA key',
    'ChipAuthenticationInfo + public key in DG14',
    async (ctx) => {
      const choice = chipAuthChoice(await readDg(ctx, 14));
      if (form === 'kat' && choice.info.protocol.cipher !== '3DES')
        fail(`CA cipher ${choice.info.protocol.cipher}: MSE:Set KAT is defined for 3DES only`);
      ctx.vars.set('ca', {
        choice,
        eph: caEphemeralKeys(choice.key.key.domain, ctx.rng),
      } satisfies CaMaterial);
      return undefined;
    },
  );

/** The session CA would give (terminal side). */
function caSession(ctx: CaseContext) {
  const m = material(ctx);
  return caTerminalSession(
    m.choice.key.key.domain,
    m.eph,
    m.choice.key.key.publicKey,
    m.choice.info.protocol.cipher,
  );
}

type KeyOf = (m: CaMaterial) => Uint8Array;
const goodKey: KeyOf = (m) => m.eph.publicKey;
const shortKey: KeyOf = (m) => m.eph.publicKey.subarray(1);
const zeroKey: KeyOf = (m) => new Uint8Array(m.eph.publicKey.length);
const aboveP: KeyOf = (m) => new Uint8Array(m.eph.publicKey.length).fill(0xff);
const keyOne: KeyOf = (m) => Uint8Array.of(...new Uint8Array(m.eph.publicKey.length - 1), 1);

interface StepOptions {
  readonly tag?: number;
  readonly keyId?: Uint8Array;
  readonly plain?: boolean;
  /** Switch the terminal to the new keys when the chip answers 9000. */
  readonly rekey?: boolean;
  /** Remember the status word under this name (for {@link caFailed}). */
  readonly remember?: string;
}

function track(o: StepOptions): Pick<ApduStep, 'after'> {
  return {
    after: (ctx, r) => {
      if (o.remember) ctx.vars.set(o.remember, r.sw);
      if (o.rekey && r.sw === SW_9000_OK) ctx.sm = caSession(ctx);
    },
  };
}

function kat(key: KeyOf, expect: Expectation, o: StepOptions = {}): ApduStep {
  return {
    title: `MSE:Set KAT ${o.plain ? '00' : '0C'} 22 41 A6 (DO ${(o.tag ?? 0x91).toString(16).toUpperCase()}${o.keyId ? ', DO 84' : ''})`,
    send: (ctx) =>
      commandApdu({
        cla: 0,
        ins: 0x22,
        p1: 0x41,
        p2: 0xa6,
        data: concatBytes(
          tlv(o.tag ?? 0x91, ctx.vars.has('ca') ? key(material(ctx)) : fallbackKey()),
          ...(o.keyId ? [tlv(0x84, o.keyId)] : []),
        ),
      }),
    ...(o.plain ? {} : { protect: 'sm' as const }),
    expect,
    ...track(o),
  };
}

/** A 2048-bit DH value for the cases that run before DG14 can be read (no session). */
const fallbackKey = (): Uint8Array => Uint8Array.of(...new Uint8Array(255), 2);

function mseAt(expect: Expectation, o: StepOptions = {}): ApduStep {
  return {
    title: `MSE:Set AT ${o.plain ? '00' : '0C'} 22 41 A4 (DO 80 CA OID${o.keyId ? ', DO 84' : ''})`,
    send: (ctx) => {
      const oid = ctx.vars.has('ca') ? material(ctx).choice.info.protocol.oid : CIE_CA_OID;
      return commandApdu({
        cla: 0,
        ins: 0x22,
        p1: 0x41,
        p2: 0xa4,
        data: concatBytes(tlv(0x80, oidContent(oid)), ...(o.keyId ? [tlv(0x84, o.keyId)] : [])),
      });
    },
    ...(o.plain ? {} : { protect: 'sm' as const }),
    expect,
    ...track(o),
  };
}

function ga(key: KeyOf, expect: Expectation, o: StepOptions = {}): ApduStep {
  return {
    title: `GENERAL AUTHENTICATE ${o.plain ? '00' : '0C'} 86 00 00 7C {${(o.tag ?? 0x80).toString(16).toUpperCase()} PK}`,
    send: (ctx) =>
      commandApdu({
        cla: 0,
        ins: 0x86,
        p1: 0,
        p2: 0,
        data: tlv(
          0x7c,
          tlv(o.tag ?? 0x80, ctx.vars.has('ca') ? key(material(ctx)) : fallbackKey()),
        ),
        ne: 256,
      }),
    ...(o.plain ? {} : { protect: 'sm' as const }),
    expect,
    ...track(o),
  };
}

const gaOk: Expectation = { sw: ['9000'], data: { equals: '7C00' } };
/** ICAO Part 3 I_18, I_22, I_28: `6300` or the implicit `7C 00`. */
const gaBadKey: Expectation = {
  sw: ['6300', '9000'],
  data: {
    what: 'nothing (6300) or 7C 00',
    check: (d) => (d.length === 0 || (d[0] === 0x7c && d[1] === 0) ? undefined : 'other data'),
  },
  why: 'ICAO Part 3 I_18/I_22/I_28 step 2: 6300 or 7C 00',
};

const selectAid = (title: string, expect: Expectation): ApduStep => ({
  title,
  send: '00A4040C<EMRTD_AID_LV>',
  protect: 'sm',
  expect,
});
const newKeysWork = selectAid('protected SELECT eMRTD AID under the new keys (SSC 0)', ok);
const oldKeysWork = selectAid(
  'step 3: a protected SELECT eMRTD AID under the old session keys answers 9000',
  ok,
);
const oldKeysRefused = selectAid('a protected SELECT under the old session keys after CA', {
  sw: 'error',
  sm: 'plain',
  why: 'ICAO Part 3 I_2/I_17: the chip uses the new keys; the old ones must fail',
});

/** After a step the matrix leaves open: if the chip said 9000, the new keys must not work. */
const caFailed = (name: string): Step =>
  procedure(
    'one protected command under the keys CA would have given',
    'refused: no session with the chip (or the step was refused and the old keys still work)',
    async (ctx) => {
      if (ctx.vars.get(name) === SW_9000_OK) ctx.sm = caSession(ctx);
      const r = await ctx.send(ctx.resolve('00A4040C<EMRTD_AID_LV>'), 'sm');
      if (ctx.vars.get(name) === SW_9000_OK)
        return r.protected && r.sw === SW_9000_OK
          ? 'the chip accepted the faulty key agreement and the new keys work'
          : undefined;
      return r.protected && r.sw === SW_9000_OK
        ? undefined
        : 'the old session keys stopped working';
    },
  );

function i(
  id: string,
  title: string,
  steps: readonly Step[],
  o: { preconditions?: string[]; refs?: ConformanceCase['refs'] } = {},
): ConformanceCase {
  return emrtdCase(
    id,
    title,
    [
      ...(id.startsWith('ISO7816_') ? [icaoP3(id)] : []),
      icao11('§6.2'),
      emrtd('§2.6'),
      ...(o.refs ?? []),
    ],
    {
      applies: ['PACE', 'CA', 'DG14'],
      preconditions: o.preconditions ?? ['pace_done'],
      steps,
    },
    'ISO7816_I',
  );
}

const faultyKat = (id: string, title: string, key: KeyOf, o: StepOptions = {}): ConformanceCase =>
  i(id, title, [readDg14('kat'), kat(key, any, { ...o, remember: 'kat' }), caFailed('kat')]);

const gaFault = (id: string, title: string, key: KeyOf, expect: Expectation, o: StepOptions = {}) =>
  i(id, title, [readDg14('ga'), mseAt(ok), ga(key, expect, o), oldKeysWork]);

const KAT: ConformanceCase[] = [
  i(
    'ISO7816_I_1',
    'MSE:Set KAT with a correct ephemeral key: 9000 under the old keys, then SM continues with new keys and SSC 0',
    [readDg14('kat'), kat(goodKey, ok, { rekey: true }), newKeysWork],
  ),
  i(
    'ISO7816_I_2',
    'MSE:Set KAT with a correct ephemeral key, then a command under the old session keys is refused',
    [readDg14('kat'), kat(goodKey, ok), oldKeysRefused],
  ),
  faultyKat('ISO7816_I_3', 'MSE:Set KAT with an ephemeral key of the wrong size fails', shortKey),
  i(
    'ISO7816_I_4',
    'MSE:Set KAT without a PACE or BAC session (plain, after SELECT of the application) is refused',
    [
      { title: 'plain SELECT eMRTD AID', send: '00A4040C<EMRTD_AID_LV>', expect: any },
      kat(goodKey, refused, { plain: true }),
    ],
    { preconditions: [] },
  ),
  i('ISO7816_I_5', 'MSE:Set KAT in plain while a PACE session exists is refused', [
    readDg14('kat'),
    kat(goodKey, { sw: ['6982', '6985', '6987', '6988'] }, { plain: true }),
  ]),
  faultyKat('ISO7816_I_6', 'MSE:Set KAT with the key in DO 92 instead of 91 fails', goodKey, {
    tag: 0x92,
  }),
  faultyKat('ISO7816_I_7', 'MSE:Set KAT with a zero public value (the DH (0,0)) fails', zeroKey),
  faultyKat(
    'ISO7816_I_12',
    'MSE:Set KAT naming a private key reference the chip does not have fails',
    goodKey,
    { keyId: Uint8Array.of(0x7f) },
  ),
  faultyKat('ISO7816_I_13', 'MSE:Set KAT with a DH value above the prime (all FF) fails', aboveP),
  faultyKat('CIE_EMRTD_CA_1', 'MSE:Set KAT with the DH value 1 fails', keyOne),
];

const GA: ConformanceCase[] = [
  i(
    'ISO7816_I_16',
    'MSE:Set AT + GENERAL AUTHENTICATE with a correct key: 9000, 7C 00, then SM with the new keys',
    [readDg14('ga'), mseAt(ok), ga(goodKey, gaOk, { rekey: true }), newKeysWork],
  ),
  i(
    'ISO7816_I_17',
    'MSE:Set AT + GENERAL AUTHENTICATE with a correct key, then a command under the old keys is refused',
    [readDg14('ga'), mseAt(ok), ga(goodKey, gaOk), oldKeysRefused],
  ),
  gaFault(
    'ISO7816_I_18',
    'GENERAL AUTHENTICATE with an ephemeral key of the wrong size: 6300 or 7C 00; the old keys still work',
    shortKey,
    gaBadKey,
  ),
  i(
    'ISO7816_I_19',
    'MSE:Set AT + GENERAL AUTHENTICATE without a PACE or BAC session: the GENERAL AUTHENTICATE is refused',
    [
      { title: 'plain SELECT eMRTD AID', send: '00A4040C<EMRTD_AID_LV>', expect: any },
      mseAt(any, { plain: true }),
      ga(goodKey, refused, { plain: true }),
    ],
    { preconditions: [] },
  ),
  i(
    'ISO7816_I_20',
    'MSE:Set AT in plain while a session exists answers 9000; the plain GENERAL AUTHENTICATE is refused',
    [readDg14('ga'), mseAt(ok, { plain: true }), ga(goodKey, refused, { plain: true })],
  ),
  gaFault(
    'ISO7816_I_21',
    'GENERAL AUTHENTICATE with the key in DO 81 instead of 80 fails; the old keys still work',
    goodKey,
    refused,
    { tag: 0x81 },
  ),
  gaFault(
    'ISO7816_I_22',
    'GENERAL AUTHENTICATE with a zero public value (the DH (0,0)): 6300 or 7C 00; the old keys still work',
    zeroKey,
    gaBadKey,
  ),
  i(
    'ISO7816_I_27',
    'MSE:Set AT with an unknown private key reference: 6300 or 9000, the GENERAL AUTHENTICATE 6300 or 9000; the old keys still work',
    [
      readDg14('ga'),
      mseAt({ sw: ['6300', '9000'] }, { keyId: Uint8Array.of(0x7f) }),
      ga(goodKey, { sw: ['6300', '9000'] }),
      oldKeysWork,
    ],
  ),
  gaFault(
    'ISO7816_I_28',
    'GENERAL AUTHENTICATE with a DH value above the prime: 6300 or 7C 00; the old keys still work',
    aboveP,
    gaBadKey,
  ),
];

export const CHIP_AUTH_CASES: readonly ConformanceCase[] = [...KAT, ...GA];
