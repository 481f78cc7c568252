/**
 * CIE IAS suite: the PIN/PUK lifecycle (ias/README.md §5.4-5.5, §6; destructive cases restore the
 * card before they end unless they are irreversible), signatures with the holder key 81 and the
 * servizi key 83 (§7, §5.1), and the state-machine rows of §10 not covered elsewhere.
 *
 * Statuses of VERIFY/CHANGE/RESET under SM are read from DO 99; the outer status word must follow
 * the ICS policy (§4.3: outer 9000, the real status inside — what the Android clients decode).
 */
import { constants, verify, X509Certificate } from 'node:crypto';
import { asciiBytes, concatBytes, equalBytes } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { sha256 } from '../../../emulator/src/crypto/hash.ts';
import { DF_CIE_AID } from '../../../emulator/src/applications/ias/ias-constants.ts';
import {
  parseRsaPublicKeyFile,
  trimDer,
  verifyServiziSignature,
} from '../../../harness/terminals/ias/validation.ts';
import type { CaseContext } from '../../lib/case-context.ts';
import type { ApduStep, ConformanceCase, Expectation } from '../../lib/model.ts';
import { apdu, fail, must, procedure, readFid, selectAid } from '../../lib/procedures.ts';
import { cieIas, iso4, SW_TABLE } from '../refs.ts';
import { ensure, iasCase, iasIcs, pin, puk, wrongSecret } from './common.ts';
import { SW_9000_OK } from '../../../emulator/src/apdu/status-words.ts';

const PIN = 'PIN';
const SIGN = 'SIGN';
const ST = 'STATE';

const DIGEST_INFO_PREFIX = fromHex('3031300D060960864801650304020105000420');
const MESSAGE = asciiBytes('CIE Bench conformance: message to sign');
const DIGEST_INFO = concatBytes(DIGEST_INFO_PREFIX, sha256(MESSAGE));

const verifyStep = (
  title: string,
  value: (ctx: CaseContext) => string,
  expect: Expectation,
  ref = 0x81,
): ApduStep => ({
  title,
  send: (ctx) => apdu(0, 0x20, 0x00, ref, asciiBytes(value(ctx))),
  protect: 'sm',
  expect,
});

const tries = (ctx: CaseContext, used: number, ref: 'pin' | 'puk' = 'pin'): readonly string[] => {
  const max = ref === 'pin' ? iasIcs(ctx).pinTries : iasIcs(ctx).pukTries;
  return [max - used === 0 ? '63C0' : `63C${(max - used).toString(16).toUpperCase()}`];
};

const ok: Expectation = { sw: ['9000'] };
const rightPin = (title = 'VERIFY PIN (correct)'): ApduStep => verifyStep(title, pin, ok);
const wrongPin = (n: number): ApduStep =>
  verifyStep(`VERIFY PIN (wrong) #${n}`, (c) => wrongSecret(pin(c)), {
    sw: (c) => tries(c, n),
    why: '63Cx, x tries left (§6), inside DO 99',
  });
const rightPuk = (): ApduStep => verifyStep('VERIFY PUK (correct)', puk, ok, 0x82);
const query = (expect: Expectation): ApduStep => ({
  title: 'VERIFY PIN without data (retry counter)',
  send: '00200081',
  protect: 'sm',
  expect,
});
const rrc02 = (value: (c: CaseContext) => string, expect: Expectation = ok): ApduStep => ({
  title: 'RESET RETRY COUNTER 02 81 (new PIN)',
  send: (c) => apdu(0, 0x2c, 0x02, 0x81, asciiBytes(value(c))),
  protect: 'sm',
  expect,
});
const mseSign = (
  key: number,
  order: '80-84' | '84-80' = '80-84',
  alg = 0x02,
  expect: Expectation = ok,
): ApduStep => ({
  title: `MSE SET AT 41 A4 key ${key.toString(16)} (${order})`,
  send: () =>
    apdu(
      0,
      0x22,
      0x41,
      0xa4,
      fromHex(
        order === '80-84' ? `8001${hex2(alg)}8401${hex2(key)}` : `8401${hex2(key)}8001${hex2(alg)}`,
      ),
    ),
  protect: 'sm',
  expect,
});
const sign = (expect: Expectation, data: Uint8Array = DIGEST_INFO, capture?: string): ApduStep => ({
  title: `INTERNAL AUTHENTICATE (${data.length} bytes to sign)`,
  send: () => apdu(0, 0x88, 0, 0, data),
  protect: 'sm',
  expect,
  ...(capture
    ? {
        after: (c: CaseContext, r: { data: Uint8Array }) =>
          void c.vars.set(capture, r.data.slice()),
      }
    : {}),
});

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

const NEW_PIN = '13572468';

/** Reads the holder certificate under SM and checks a captured signature over MESSAGE with it. */
async function checkHolderSignature(ctx: CaseContext, name: string): Promise<string | undefined> {
  await selectAid(ctx, DF_CIE_AID, 'sm');
  const cert = new X509Certificate(trimDer(await readFid(ctx, 0x1003, 'sm', 0x80)));
  const sig = ctx.get<Uint8Array>(name);
  if (sig.length !== 256) return `signature of ${sig.length} bytes`;
  return verify(
    'sha256',
    MESSAGE,
    { key: cert.publicKey, padding: constants.RSA_PKCS1_PADDING },
    sig,
  )
    ? undefined
    : 'signature does not verify with the EF.Cert_CIE public key';
}

/** Servizi signature (key 83, plain or SM) over `challenge`. */
async function serviziSign(
  ctx: CaseContext,
  challenge: Uint8Array,
  protection: 'plain' | 'sm' = 'plain',
  ne = 0,
): Promise<Uint8Array> {
  await must(
    ctx,
    apdu(0, 0x22, 0x41, 0xa4, fromHex('800102840183')),
    protection,
    [SW_9000_OK],
    'MSE SET AT key 83',
  );
  const r = await ctx.send(apdu(0, 0x88, 0, 0, challenge, ne), protection);
  if (r.sw !== SW_9000_OK) fail(`INTERNAL AUTHENTICATE key 83: ${r.sw.toString(16)}`);
  return r.data;
}

/** Drops the session and walks DH + DAPP again (a new login on the same card). */
async function newLogin(ctx: CaseContext): Promise<void> {
  await ctx.reset();
  ctx.vars.delete('ias.done');
  await ensure(ctx, 'dapp_done');
}

const DESTRUCTIVE_PIN = (n: number, reason: string) => ({ reason, pin: n });

export const PIN_SIGN_CASES: readonly ConformanceCase[] = [
  iasCase(
    PIN,
    1,
    'VERIFY PIN with the correct 8 digits after DAPP answers 9000',
    [cieIas('§5.4, §6 (correct)')],
    {
      preconditions: ['dapp_done'],
      steps: [rightPin()],
    },
  ),
  iasCase(
    PIN,
    2,
    'VERIFY PIN before DAPP (state SMd) is refused without costing a try',
    [cieIas('§10 (VERIFY in SMa)'), SW_TABLE],
    {
      preconditions: ['ias_sm_established'],
      steps: [verifyStep('VERIFY PIN (correct) in SMd', pin, { sw: ['6982', '6985'] })],
    },
  ),
  iasCase(PIN, 3, 'VERIFY PIN in plain is refused', [cieIas('§3 row 18 (SM), §10'), SW_TABLE], {
    preconditions: ['ias_keys_read'],
    steps: [
      {
        title: 'plain VERIFY PIN (correct)',
        send: '0020008108<PIN>',
        expect: { sw: ['6982', '6985'] },
      },
    ],
  }),
  iasCase(
    PIN,
    4,
    'VERIFY without data reports the remaining tries (63Cx), then 9000 once verified',
    [iso4('§7.5.6 (VERIFY with empty data)'), cieIas('§6')],
    {
      preconditions: ['dapp_done'],
      steps: [query({ sw: (c) => tries(c, 0) }), rightPin(), query(ok)],
    },
  ),
  iasCase(
    PIN,
    5,
    'VERIFY PIN of 7 digits is refused with 6700 and costs no try',
    [cieIas('§6 (wrong length 6700), §5.4 (8 digits)'), SW_TABLE],
    {
      preconditions: ['tries_known'],
      destructive: DESTRUCTIVE_PIN(1, 'a malformed PIN presentation (must not cost a try)'),
      steps: [
        verifyStep('VERIFY PIN with 7 digits', (c) => pin(c).slice(0, 7), { sw: ['6700'] }),
        query({ sw: (c) => tries(c, 0) }),
      ],
    },
  ),
  iasCase(
    PIN,
    6,
    'VERIFY PIN with a non-digit is refused and costs no try',
    [cieIas('§5.4 (ASCII digits 30..39)'), SW_TABLE],
    {
      preconditions: ['tries_known'],
      destructive: DESTRUCTIVE_PIN(1, 'a malformed PIN presentation (must not cost a try)'),
      steps: [
        verifyStep('VERIFY PIN "1234567A"', () => '1234567A', { sw: ['6A80', '6700', '6984'] }),
        query({ sw: (c) => tries(c, 0) }),
      ],
    },
  ),
  iasCase(
    PIN,
    7,
    'A wrong PIN answers 63C2 inside DO 99 with outer 9000; the correct PIN then resets the counter',
    [cieIas('§6 (63C2), §4.3 (status in DO 99, outer 9000)')],
    {
      preconditions: ['tries_known'],
      destructive: DESTRUCTIVE_PIN(1, 'one wrong PIN (counter restored by the correct PIN)'),
      steps: [wrongPin(1), rightPin(), query(ok)],
    },
  ),
  iasCase(
    PIN,
    8,
    'Two wrong PINs answer 63C2 then 63C1; the correct PIN restores 3 tries',
    [cieIas('§6')],
    {
      preconditions: ['tries_known'],
      destructive: DESTRUCTIVE_PIN(2, 'two wrong PINs (counter restored)'),
      steps: [
        wrongPin(1),
        wrongPin(2),
        rightPin(),
        { ...wrongPin(1), title: 'VERIFY PIN (wrong) again: 63C2, the counter was back at 3' },
        rightPin(),
      ],
    },
  ),
  iasCase(
    PIN,
    9,
    'Three wrong PINs block it (63C2, 63C1, 63C0, then 6983 even for the right PIN); PUK unblock restores it',
    [cieIas('§6 (blocked 6983), §5.5 (unblock)'), cieIas('§9')],
    {
      preconditions: ['tries_known'],
      destructive: DESTRUCTIVE_PIN(
        3,
        'blocks the PIN, then unblocks it with the PUK and the original PIN',
      ),
      steps: [
        wrongPin(1),
        wrongPin(2),
        wrongPin(3),
        verifyStep('VERIFY PIN (correct) while blocked', pin, { sw: ['6983'] }),
        rightPuk(),
        rrc02(pin),
        rightPin('VERIFY PIN after unblock'),
      ],
    },
  ),
  iasCase(PIN, 10, 'Signing is refused while the PIN is blocked', [cieIas('§7 (needs PIN✓), §6')], {
    preconditions: ['tries_known'],
    destructive: DESTRUCTIVE_PIN(3, 'blocks the PIN, then unblocks it'),
    steps: [
      wrongPin(1),
      wrongPin(2),
      wrongPin(3),
      mseSign(0x81),
      sign({ sw: ['6982', '6983', '6985'] }),
      rightPuk(),
      rrc02(pin),
      rightPin(),
    ],
  }),
  iasCase(
    PIN,
    11,
    'VERIFY PUK with the correct 8 digits answers 9000',
    [cieIas('§2.3 (PUK 82), §5.5')],
    {
      preconditions: ['dapp_done'],
      steps: [rightPuk()],
    },
  ),
  iasCase(
    PIN,
    12,
    'A wrong PUK answers 63C9 (10 tries); the correct PUK resets the counter',
    [cieIas('§2.3 (PUK 10 tries), §6')],
    {
      preconditions: ['tries_known'],
      destructive: { reason: 'one wrong PUK (counter restored)', puk: 1 },
      steps: [
        verifyStep(
          'VERIFY PUK (wrong)',
          (c) => wrongSecret(puk(c)),
          { sw: (c) => tries(c, 1, 'puk') },
          0x82,
        ),
        rightPuk(),
      ],
    },
  ),
  iasCase(
    PIN,
    13,
    'RESET RETRY COUNTER without a verified PUK is refused',
    [cieIas('§10 (RESET RETRY COUNTER: SMa + PUK✓)'), SW_TABLE],
    {
      preconditions: ['dapp_done'],
      steps: [rrc02(pin, { sw: ['6982', '6985'] })],
    },
  ),
  iasCase(
    PIN,
    14,
    'RESET RETRY COUNTER 02 after the PUK sets a new PIN; the original is then restored',
    [cieIas('§3 row 20, §5.5 (Sblocco PIN)')],
    {
      preconditions: ['puk_verified'],
      destructive: { reason: 'changes the PIN, then restores it' },
      steps: [
        rrc02(() => NEW_PIN),
        verifyStep('VERIFY the new PIN', () => NEW_PIN, ok),
        rrc02(pin),
        rightPin('VERIFY the original PIN'),
      ],
    },
  ),
  iasCase(
    PIN,
    15,
    'RESET RETRY COUNTER 03 (no data) after the PUK resets the counter and keeps the PIN',
    [cieIas('§3 row 21, §5.5 (C_InitPIN path)')],
    {
      preconditions: ['tries_known'],
      destructive: DESTRUCTIVE_PIN(1, 'one wrong PIN, reset by RESET RETRY COUNTER 03'),
      steps: [
        wrongPin(1),
        rightPuk(),
        { title: 'RESET RETRY COUNTER 03 81', send: '002C0381', protect: 'sm', expect: ok },
        query({ sw: (c) => tries(c, 0) }),
        rightPin(),
      ],
    },
  ),
  iasCase(
    PIN,
    16,
    'CHANGE REFERENCE DATA (old ‖ new) changes the PIN; changing it back restores the card',
    [cieIas('§3 row 19, §5.5 (Cambio PIN)')],
    {
      preconditions: ['pin_verified'],
      destructive: { reason: 'changes the PIN, then restores it' },
      steps: [
        {
          title: 'CHANGE REFERENCE DATA old ‖ new',
          send: (c) => apdu(0, 0x24, 0x00, 0x81, asciiBytes(pin(c) + NEW_PIN)),
          protect: 'sm',
          expect: ok,
        },
        verifyStep('VERIFY the new PIN', () => NEW_PIN, ok),
        {
          title: 'CHANGE REFERENCE DATA back',
          send: (c) => apdu(0, 0x24, 0x00, 0x81, asciiBytes(NEW_PIN + pin(c))),
          protect: 'sm',
          expect: ok,
        },
        rightPin('VERIFY the original PIN'),
      ],
    },
  ),
  iasCase(
    PIN,
    17,
    'CHANGE REFERENCE DATA with a wrong old PIN answers 63C2 and leaves the PIN unchanged',
    [cieIas('§5.5, §6')],
    {
      preconditions: ['tries_known'],
      destructive: DESTRUCTIVE_PIN(1, 'one wrong old PIN (counter restored)'),
      steps: [
        {
          title: 'CHANGE REFERENCE DATA wrong-old ‖ new',
          send: (c) => apdu(0, 0x24, 0x00, 0x81, asciiBytes(wrongSecret(pin(c)) + NEW_PIN)),
          protect: 'sm',
          expect: { sw: (c) => tries(c, 1) },
        },
        rightPin('VERIFY the original PIN still works'),
      ],
    },
  ),
  iasCase(
    PIN,
    18,
    'CHANGE REFERENCE DATA before DAPP is refused',
    [cieIas('§10 (CHANGE REFERENCE DATA in SMa)'), SW_TABLE],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        {
          title: 'CHANGE REFERENCE DATA old ‖ old in SMd',
          send: (c) => apdu(0, 0x24, 0x00, 0x81, asciiBytes(pin(c) + pin(c))),
          protect: 'sm',
          expect: { sw: ['6982', '6985'] },
        },
      ],
    },
  ),
  iasCase(
    PIN,
    19,
    'PIN verification lasts for the SM session only: after a new login, signing needs VERIFY again',
    [cieIas('§10 (PIN✓ valid for the current SM session [inferred])')],
    {
      preconditions: ['pin_verified'],
      steps: [
        procedure(
          'reset, DH + DAPP again (no VERIFY)',
          'new session established',
          async (ctx) => void (await newLogin(ctx)),
        ),
        mseSign(0x81),
        sign({ sw: ['6982'] }),
      ],
    },
  ),
  iasCase(
    PIN,
    20,
    'Ten wrong PUKs block it for ever: 6983 even for the right PUK',
    [cieIas('§2.3 (10 tries then irreversible block), §6')],
    {
      preconditions: ['tries_known'],
      destructive: { reason: 'blocks the PUK for ever', puk: 10, irreversible: true },
      steps: [
        ...Array.from({ length: 10 }, (_, i) =>
          verifyStep(
            `VERIFY PUK (wrong) #${i + 1}`,
            (c) => wrongSecret(puk(c)),
            { sw: (c) => tries(c, i + 1, 'puk') },
            0x82,
          ),
        ),
        verifyStep('VERIFY PUK (correct) once blocked', puk, { sw: ['6983'] }, 0x82),
      ],
    },
  ),
  iasCase(
    PIN,
    21,
    'VERIFY of a reference the card does not have (83) is refused with 6A88',
    [iso4('§7.5.6 (P2 reference)'), SW_TABLE],
    {
      preconditions: ['dapp_done'],
      steps: [verifyStep('VERIFY reference 83', pin, { sw: ['6A88', '6A86'] }, 0x83)],
    },
  ),
  iasCase(
    PIN,
    22,
    'VERIFY with P1 other than 00 is refused',
    [iso4('§7.5.6 (P1 = 00)'), SW_TABLE],
    {
      preconditions: ['dapp_done'],
      steps: [
        {
          title: 'VERIFY P1 01',
          send: (c) => apdu(0, 0x20, 0x01, 0x81, asciiBytes(pin(c))),
          protect: 'sm',
          expect: { sw: ['6A86', '6B00'] },
        },
      ],
    },
  ),
  iasCase(
    SIGN,
    1,
    'Key 81 signs a DigestInfo with PKCS#1 v1.5 (256 bytes) verifiable with EF.Cert_CIE',
    [cieIas('§7, §3 rows 22-23')],
    {
      preconditions: ['pin_verified'],
      steps: [
        mseSign(0x81),
        sign({ sw: ['9000'], data: { length: 256 } }, DIGEST_INFO, 'sig'),
        procedure('read EF.Cert_CIE under SM, verify', 'sha256WithRSA verifies', (c) =>
          checkHolderSignature(c, 'sig'),
        ),
      ],
    },
  ),
  iasCase(
    SIGN,
    2,
    'MSE SET AT in the iOS DO order (84 before 80) selects the same key: identical signature',
    [cieIas('§3 row 22 (accept both orders)')],
    {
      preconditions: ['pin_verified'],
      steps: [
        mseSign(0x81),
        sign(ok, DIGEST_INFO, 'a'),
        mseSign(0x81, '84-80'),
        sign({ sw: ['9000'], data: { equals: (c) => c.get<Uint8Array>('a') } }),
      ],
    },
  ),
  iasCase(
    SIGN,
    3,
    'Key 81 without a verified PIN is refused',
    [cieIas('§7 (after VERIFY PIN), §10'), SW_TABLE],
    {
      preconditions: ['dapp_done'],
      steps: [mseSign(0x81), sign({ sw: ['6982'] })],
    },
  ),
  iasCase(
    SIGN,
    4,
    'INTERNAL AUTHENTICATE without a key selected by MSE SET AT is refused',
    [cieIas('§7 (MSE SET then INTERNAL AUTHENTICATE)'), SW_TABLE],
    {
      preconditions: ['pin_verified'],
      steps: [sign({ sw: ['6985', '6A88', '6982'] })],
    },
  ),
  iasCase(
    SIGN,
    5,
    'Data longer than k − 11 bytes cannot be PKCS#1 v1.5 padded and is refused',
    [cieIas('§7 (type-1 padding by the card)'), SW_TABLE],
    {
      preconditions: ['pin_verified'],
      steps: [
        mseSign(0x81),
        {
          title: 'INTERNAL AUTHENTICATE with 246 bytes, first segment (CLA 1C)',
          send: () => apdu(0x10, 0x88, 0, 0, new Uint8Array(231).fill(0x5a)),
          protect: 'sm',
          expect: ok,
        },
        {
          title: 'last segment (15 bytes)',
          send: () => apdu(0, 0x88, 0, 0, new Uint8Array(15).fill(0x5a)),
          protect: 'sm',
          expect: { sw: ['6700', '6A80'] },
        },
      ],
    },
  ),
  iasCase(
    SIGN,
    6,
    'Key 81 in plain (no secure messaging) is refused',
    [cieIas('§3 rows 22-23 (SM), §7'), SW_TABLE],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        {
          title: 'plain MSE SET AT key 81',
          send: '002241A406800102840181',
          expect: { sw: ['9000', '6982'] },
        },
        {
          title: 'plain INTERNAL AUTHENTICATE',
          send: () => apdu(0, 0x88, 0, 0, DIGEST_INFO),
          expect: { sw: ['6982', '6985'] },
        },
      ],
    },
  ),
  iasCase(
    SIGN,
    7,
    'The servizi key 83 signs in plain without PIN; the signature opens with EF 1005 to the challenge',
    [cieIas('§5.1 A step 6, §5.1 B, §2.3 (key 83)')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        procedure(
          'MSE key 83, INTERNAL AUTHENTICATE 12 ASCII hex chars (desktop), read 1005',
          'PKCS#1 type 1 recovers the challenge',
          async (ctx) => {
            const challenge = asciiBytes('A1B2C3D4E5F6');
            const sig = await serviziSign(ctx, challenge);
            const key = parseRsaPublicKeyFile(await readFid(ctx, 0x1005));
            return verifyServiziSignature(key, challenge, sig)
              ? undefined
              : 'servizi signature does not verify with EF 1005';
          },
        ),
      ],
    },
  ),
  iasCase(
    SIGN,
    8,
    'The servizi signature is deterministic (the desktop derives its cache key from it)',
    [cieIas('§5.1 A step 6 (must be deterministic)')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        procedure('sign the same challenge twice', 'identical signatures', async (ctx) => {
          const c = asciiBytes('9380001495980');
          const a = await serviziSign(ctx, c);
          const b = await serviziSign(ctx, c);
          return equalBytes(a, b) ? undefined : 'two different signatures of the same challenge';
        }),
      ],
    },
  ),
  iasCase(
    SIGN,
    9,
    'The servizi INTERNAL AUTHENTICATE with Le 00 (ASDK form) returns the signature, possibly via 61xx',
    [cieIas('§3 row 25 (61 00 → GET RESPONSE)')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        { title: 'MSE SET AT key 83', send: '002241A406800102840183', expect: ok },
        {
          title: 'INTERNAL AUTHENTICATE 16 bytes, Le 00',
          send: '0088000010000102030405060708090A0B0C0D0E0F00',
          expect: { sw: ['9000', '61xx'] },
        },
      ],
    },
  ),
  iasCase(
    SIGN,
    10,
    'The servizi key also works under the IAS session (desktop InitEncKey with SM)',
    [cieIas('§3 row 24 (desktop uses SM if a session exists)')],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        procedure(
          'protected MSE key 83 + INTERNAL AUTHENTICATE',
          'a 256-byte signature',
          async (ctx) => {
            const sig = await serviziSign(ctx, asciiBytes('0123456789AB'), 'sm');
            return sig.length === 256 ? undefined : `${sig.length} bytes`;
          },
        ),
      ],
    },
  ),
  iasCase(
    SIGN,
    11,
    'MSE SET AT naming a private key the card does not have (85) is refused',
    [cieIas('§2.3 (keys 81, 82, 83)'), SW_TABLE],
    {
      preconditions: ['pin_verified'],
      steps: [mseSign(0x85, '80-84', 0x02, { sw: ['6A88', '6A80'] })],
    },
  ),
  iasCase(
    SIGN,
    12,
    'MSE SET AT with key 81 and algorithm 9B is refused',
    [cieIas('§2.3 (key 81 with algorithm 02)'), SW_TABLE],
    {
      preconditions: ['pin_verified'],
      steps: [mseSign(0x81, '80-84', 0x9b, { sw: ['6A80', '6A88'] })],
    },
  ),
  iasCase(
    SIGN,
    13,
    'Two signatures in one session both verify (clients sign repeatedly after one login)',
    [cieIas('§8.1 step 10')],
    {
      preconditions: ['pin_verified'],
      steps: [
        mseSign(0x81),
        sign(ok, DIGEST_INFO, 's1'),
        mseSign(0x81),
        sign(ok, DIGEST_INFO, 's2'),
        procedure(
          'verify both',
          'both verify',
          async (c) => (await checkHolderSignature(c, 's1')) ?? checkHolderSignature(c, 's2'),
        ),
      ],
    },
  ),
  iasCase(
    ST,
    1,
    'A plain command after DAPP drops the IAS session: protected VERIFY then fails',
    [cieIas('§10 row 1 (plain APDU while SM active ⇒ SM dropped), §5.1 B')],
    {
      preconditions: ['dapp_done'],
      steps: [
        { title: 'plain SELECT DF_CIE', send: '00A4040C<DF_CIE_AID_LV>', expect: ok },
        verifyStep('protected VERIFY PIN', pin, { sw: 'error', sm: 'plain' }),
      ],
    },
  ),
  iasCase(
    ST,
    2,
    'A warm reset returns to S0: protected commands fail, public files stay readable',
    [cieIas('§10 (warm/cold reset → S0)')],
    {
      preconditions: ['pin_verified'],
      steps: [
        { title: 'warm reset', send: { reset: true }, expect: ok },
        verifyStep('protected VERIFY PIN', pin, { sw: 'error', sm: 'plain' }),
        { title: 'plain SELECT DF_CIE', send: '00A4040C<DF_CIE_AID_LV>', expect: ok },
        {
          title: 'plain READ BINARY SFI 1 (NIS)',
          send: '00B081000C',
          expect: { sw: ['9000'], data: { length: 12 } },
        },
      ],
    },
  ),
  iasCase(
    ST,
    3,
    'Login twice on one power-up: reset, DH, DAPP, VERIFY, sign — both times',
    [cieIas('§10 (clients reset before every login and redo DH + DAPP)')],
    {
      preconditions: ['pin_verified'],
      steps: [
        mseSign(0x81),
        sign(ok, DIGEST_INFO, 's1'),
        procedure(
          'reset and log in again',
          'DH + DAPP succeed',
          async (c) => void (await newLogin(c)),
        ),
        rightPin(),
        mseSign(0x81),
        sign({ sw: ['9000'], data: { equals: (c) => c.get<Uint8Array>('s1') } }),
      ],
    },
  ),
  iasCase(
    ST,
    4,
    'MSE RESTORE forgets the key selection: INTERNAL AUTHENTICATE is then refused',
    [iso4('§7.5.11 (RESTORE)'), cieIas('§3 (MSE)')],
    {
      preconditions: ['dfcie_selected'],
      steps: [
        { title: 'MSE SET AT key 83', send: '002241A406800102840183', expect: ok },
        { title: 'MSE RESTORE (P1 F3, SEID 01)', send: '0022F301', expect: ok },
        {
          title: 'INTERNAL AUTHENTICATE',
          send: '00880000080102030405060708',
          expect: { sw: ['6985', '6A88'] },
        },
      ],
    },
  ),
  iasCase(
    ST,
    5,
    'A failed DAPP leaves the servizi key usable in plain (it needs neither PIN nor DAPP)',
    [cieIas('§10 (key 83 in SM0 or SM)')],
    {
      preconditions: ['ias_sm_established'],
      steps: [
        {
          title: 'PSO VERIFY CERTIFICATE out of order',
          send: '002A00AE037F2100',
          protect: 'sm',
          expect: { sw: 'error' },
        },
        procedure('plain SELECT DF_CIE, servizi signature', 'a 256-byte signature', async (ctx) => {
          await selectAid(ctx, DF_CIE_AID);
          const s = await serviziSign(ctx, asciiBytes('0123456789AB'));
          return s.length === 256 ? undefined : `${s.length} bytes`;
        }),
      ],
    },
  ),
];
