/**
 * eMRTD suite: ICAO Part 3 ISO7816_C (BAC and its secure messaging), ISO7816_I (Chip
 * Authentication, the MSE:Set KAT variant the CIE uses: DH + 3DES, emrtd/README.md §2.6) and
 * TR-03105 Part 3.2 ISO7816_J (Terminal Authentication v1, EAC1; emrtd/README.md §2.7, §4.4). Protected
 * parts are computed at run time with the inspection system's building blocks. TA-positive cases
 * need the project's test PKI (token TEST_PKI): on a card without it they are not applicable.
 */
import { concatBytes, equalBytes } from '../../../emulator/src/bytes/bytes.ts';
import { tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { commandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { bacKeys } from '../../../emulator/src/protocols/bac/bac-keys.ts';
import { bacCommandData, bacFinish } from '../../../emulator/src/protocols/bac/bac-terminal.ts';
import {
  caEphemeralKeys,
  caTerminalSession,
} from '../../../emulator/src/protocols/chip-auth/ca-terminal.ts';
import { parseCvCertificate } from '../../../emulator/src/protocols/terminal-auth/cv-certificate.ts';
import { taSign } from '../../../emulator/src/protocols/terminal-auth/cv-signature.ts';
import { taMessage } from '../../../emulator/src/protocols/terminal-auth/ta-card.ts';
import { chipAuthChoice, type TerminalCredentials } from '../../../harness/terminals/emrtd/eac.ts';
import { PreconditionError, type CaseContext } from '../../lib/case-context.ts';
import type { ApduStep, ConformanceCase, Expectation } from '../../lib/model.ts';
import { fail, procedure } from '../../lib/procedures.ts';
import { emrtd, icao11, icaoP3, iso4, tr03105, tr03110 } from '../refs.ts';
import { emrtdCase, mrz, readDg, session } from './common.ts';
import { SW_9000_OK } from '../../../emulator/src/apdu/status-words.ts';

const ok: Expectation = { sw: ['9000'] };
const anyError: Expectation = {
  sw: 'error',
  why: 'ICAO Part 3 leaves the error open: any checking error',
};

// ---------------------------------------------------------------------------------------------
// C: BAC (ICAO 9303-11 §4.3, Appendix D)

const bacChallenge = (expect: Expectation = { sw: ['9000'], data: { length: 8 } }): ApduStep => ({
  title: 'GET CHALLENGE 00 84 00 00 08 (RND.IC)',
  send: '0084000008',
  expect,
  after: (c, r) => void c.vars.set('rndIc', r.data.slice()),
});

type MaFault = 'none' | 'cryptogram' | 'mac';

function mutualAuth(fault: MaFault, expect: Expectation): ApduStep {
  return {
    title: `MUTUAL AUTHENTICATE 00 82 00 00 28 E.IFD ‖ M.IFD 28${fault === 'none' ? '' : ` (${fault} damaged)`}`,
    send: (c) => {
      const keys = bacKeys(mrz(c));
      const rndIc = (c.vars.get('rndIc') as Uint8Array | undefined) ?? c.rng.bytes(8);
      const rndIfd = c.rng.bytes(8);
      const kIfd = c.rng.bytes(16);
      c.vars.set('bac', { keys, rndIc, rndIfd, kIfd });
      const data = bacCommandData(keys, rndIc, rndIfd, kIfd).slice();
      if (fault === 'cryptogram') data[3] = (data[3] as number) ^ 0x01;
      if (fault === 'mac') data[39] = (data[39] as number) ^ 0x01;
      return commandApdu({ cla: 0, ins: 0x82, p1: 0, p2: 0, data, ne: 0x28 });
    },
    expect,
    after: (c, r) => {
      if (r.sw !== SW_9000_OK) return;
      const b = c.get<{
        keys: ReturnType<typeof bacKeys>;
        rndIc: Uint8Array;
        rndIfd: Uint8Array;
        kIfd: Uint8Array;
      }>('bac');
      c.sm = bacFinish(b.keys, b.rndIc, b.rndIfd, b.kIfd, r.data);
    },
  };
}

const readComSm: ApduStep = {
  title: 'protected READ BINARY 0C B0 9E 00 … 97 01 06 (EF.COM by SFI)',
  send: '00B09E0006',
  protect: 'sm',
  expect: { sw: ['9000'], data: [{ length: 6 }, { prefix: '60' }] },
};
const sessionGone: ApduStep = {
  title: 'a correct protected READ BINARY now fails (session deleted)',
  send: '00B09E0006',
  protect: 'sm',
  expect: {
    sw: 'error',
    sm: 'plain',
    why: 'ICAO Part 3 C_13 step 2: the next correct SM command must fail',
  },
};

const c = (
  n: number,
  title: string,
  rest: Omit<ConformanceCase, 'id' | 'title' | 'suite' | 'category' | 'refs'>,
  refs: ConformanceCase['refs'] = [],
): ConformanceCase =>
  emrtdCase(`ISO7816_C_${n}`, title, [icaoP3(`ISO7816_C_${n} (§3.3)`), ...refs], {
    ...rest,
    applies: ['BAC', ...(rest.applies ?? [])],
  });

const C: ConformanceCase[] = [
  c(
    1,
    'Two GET CHALLENGEs return two different 8-byte values',
    {
      preconditions: ['emrtd_selected'],
      steps: [
        bacChallenge(),
        {
          title: 'GET CHALLENGE again',
          send: '0084000008',
          expect: {
            sw: ['9000'],
            data: {
              what: 'a different value',
              check: (d, ctx) =>
                equalBytes(d, ctx.get<Uint8Array>('rndIc')) ? 'same challenge twice' : undefined,
            },
          },
        },
      ],
    },
    [icao11('§4.3.4.1')],
  ),
  c(
    2,
    'BAC: MUTUAL AUTHENTICATE answers E.IC ‖ M.IC (40 bytes) that verify; the SM session reads EF.COM',
    {
      preconditions: ['emrtd_selected'],
      steps: [
        bacChallenge(),
        mutualAuth('none', { sw: ['9000'], data: { length: 40 } }),
        readComSm,
      ],
    },
    [icao11('§4.3, Appendix D.3'), emrtd('§2.2')],
  ),
  c(
    3,
    'MUTUAL AUTHENTICATE with a wrong cryptogram is refused; no session results',
    {
      preconditions: ['emrtd_selected'],
      steps: [
        bacChallenge(),
        mutualAuth('cryptogram', anyError),
        {
          title: 'plain READ BINARY EF.COM still refused',
          send: '00B09E0006',
          expect: { sw: ['6982'] },
        },
      ],
    },
    [emrtd('§2.2 (failure SWs not fixed by ICAO)')],
  ),
  c(
    4,
    'MUTUAL AUTHENTICATE without a preceding GET CHALLENGE is refused',
    { preconditions: ['emrtd_selected'], steps: [mutualAuth('none', anyError)] },
    [emrtd('§2.2 (C_4 must fail)')],
  ),
  c(
    6,
    'MUTUAL AUTHENTICATE with a corrupted MAC is refused',
    { preconditions: ['emrtd_selected'], steps: [bacChallenge(), mutualAuth('mac', anyError)] },
    [emrtd('§2.2 (bad MAC)')],
  ),
  emrtdCase(
    'CIE_EMRTD_BAC_1',
    'The BAC challenge is single use: a second MUTUAL AUTHENTICATE on it is refused',
    [icao11('§4.3.4'), emrtd('§4.7 (challenge consumed once)')],
    {
      applies: ['BAC'],
      preconditions: ['emrtd_selected'],
      steps: [bacChallenge(), mutualAuth('mac', anyError), mutualAuth('none', anyError)],
    },
    'ISO7816_C',
  ),
  c(
    8,
    'Protected READ BINARY by SFI after BAC (0C B0 9E 00 … 97 01 06)',
    { preconditions: ['bac_done'], steps: [readComSm] },
    [icao11('§9.8')],
  ),
  c(
    9,
    'Protected odd READ BINARY with SFI in P2 (0C B1 00 1E, DO 85 + 97 01 06) returns DO 53',
    {
      applies: ['ODD_READ_BINARY'],
      preconditions: ['bac_done'],
      steps: [
        {
          title: 'protected READ BINARY odd, SFI 1E, offset 0, Le 06',
          send: '00B1001E0354010006',
          protect: 'sm',
          expect: { sw: ['9000'], data: { prefix: '530460' } },
        },
      ],
    },
    [iso4('§7.2.3')],
  ),
  c(10, 'Protected READ BINARY without SFI after a protected SELECT', {
    preconditions: ['bac_done'],
    steps: [
      { title: 'protected SELECT EF.COM', send: '00A4020C02011E', protect: 'sm', expect: ok },
      { ...readComSm, send: '00B0000006', title: 'protected READ BINARY 6 bytes' },
    ],
  }),
  c(11, 'Protected odd READ BINARY without SFI after a protected SELECT', {
    applies: ['ODD_READ_BINARY'],
    preconditions: ['bac_done'],
    steps: [
      { title: 'protected SELECT EF.COM', send: '00A4020C02011E', protect: 'sm', expect: ok },
      {
        title: 'protected READ BINARY odd, offset 0',
        send: '00B100000354010006',
        protect: 'sm',
        expect: { sw: ['9000'], data: { prefix: '530460' } },
      },
    ],
  }),
  c(
    12,
    'Protected SELECT without DO 8E is refused (6987/6988) and the session is deleted',
    {
      preconditions: ['bac_done'],
      steps: [
        {
          title: 'protected SELECT EF.COM without DO 8E',
          send: '00A4020C02011E',
          protect: 'sm-drop-mac',
          expect: { sw: ['6987', '6988'], sm: 'plain' },
        },
        sessionGone,
      ],
    },
    [icao11('§9.8.4')],
  ),
  c(
    13,
    'Protected SELECT with a corrupted MAC is refused (6988/6982) and the session is deleted',
    {
      preconditions: ['bac_done'],
      steps: [
        {
          title: 'protected SELECT EF.COM, corrupted checksum',
          send: '00A4020C02011E',
          protect: 'sm-corrupt-mac',
          expect: { sw: ['6988', '6982'], sm: 'plain' },
        },
        sessionGone,
      ],
    },
    [emrtd('§4.3 (C_13 anatomy)')],
  ),
  c(
    14,
    'A protected command with a wrong send sequence counter is refused and the session is deleted',
    {
      preconditions: ['bac_done'],
      steps: [
        {
          title: 'protected SELECT with SSC + 2',
          send: '00A4020C02011E',
          protect: 'sm-skip-ssc',
          expect: { sw: ['6988', '6982'], sm: 'plain' },
        },
        sessionGone,
      ],
    },
    [icao11('§9.8.2')],
  ),
  c(
    16,
    'A plain SELECT while SM is active is executed (9000) and ends the session',
    {
      preconditions: ['bac_done'],
      steps: [
        {
          title: 'plain SELECT 00 A4 02 0C 02 01 1E',
          send: '00A4020C02011E',
          expect: { sw: ['9000', '6982'], why: 'ICAO C_16 expects 9000' },
        },
        sessionGone,
      ],
    },
    [emrtd('§2.3 (plain command ends SM)')],
  ),
  c(17, 'Protected READ BINARY without DO 8E is refused and the session is deleted', {
    preconditions: ['bac_done'],
    steps: [
      {
        title: 'protected READ BINARY 0C B0 9E 00 03 97 01 06 (no 8E)',
        send: '00B09E0006',
        protect: 'sm-drop-mac',
        expect: { sw: ['6987', '6988'], sm: 'plain' },
      },
      sessionGone,
    ],
  }),
  c(
    18,
    'Protected READ BINARY with a corrupted MAC is refused (6988/6982) and the session is deleted',
    {
      preconditions: ['bac_done'],
      steps: [
        {
          title: 'protected READ BINARY, corrupted checksum',
          send: '00B09E0006',
          protect: 'sm-corrupt-mac',
          expect: { sw: ['6988', '6982'], sm: 'plain' },
        },
        sessionGone,
      ],
    },
  ),
];

// ---------------------------------------------------------------------------------------------
// I: Chip Authentication v1, MSE:Set KAT (9303-11 §6.2.4.2; emrtd/README.md §2.6)

interface CaMaterial {
  readonly choice: ReturnType<typeof chipAuthChoice>;
  readonly eph: ReturnType<typeof caEphemeralKeys>;
}

const readDg14 = procedure(
  'protected read of DG14, choose the CA key',
  'ChipAuthenticationInfo + public key in DG14',
  async (ctx) => {
    const choice = chipAuthChoice(await readDg(ctx, 14));
    if (choice.info.protocol.cipher !== '3DES')
      fail(
        `CA cipher ${choice.info.protocol.cipher}: these cases test the MSE:Set KAT (3DES) form`,
      );
    ctx.vars.set('ca', {
      choice,
      eph: caEphemeralKeys(choice.key.key.domain, ctx.rng),
    } satisfies CaMaterial);
    return undefined;
  },
);

function kat(
  key: (m: CaMaterial) => Uint8Array,
  expect: Expectation,
  o: { tag?: number; keyId?: Uint8Array; plain?: boolean; rekey?: boolean } = {},
): ApduStep {
  return {
    title: `MSE:Set KAT 41 A6 (DO ${(o.tag ?? 0x91).toString(16).toUpperCase()}${o.keyId ? ', DO 84' : ''})${o.plain ? ' in plain' : ''}`,
    send: (ctx) => {
      const m = ctx.get<CaMaterial>('ca');
      return commandApdu({
        cla: 0,
        ins: 0x22,
        p1: 0x41,
        p2: 0xa6,
        data: concatBytes(tlv(o.tag ?? 0x91, key(m)), ...(o.keyId ? [tlv(0x84, o.keyId)] : [])),
      });
    },
    ...(o.plain ? {} : { protect: 'sm' as const }),
    expect,
    after: (ctx, r) => {
      if (!o.rekey || r.sw !== SW_9000_OK) return;
      const m = ctx.get<CaMaterial>('ca');
      ctx.sm = caTerminalSession(
        m.choice.key.key.domain,
        m.eph,
        m.choice.key.key.publicKey,
        m.choice.info.protocol.cipher,
      );
    },
  };
}

const selectAidNewKeys: ApduStep = {
  title: 'protected SELECT eMRTD AID under the new keys (SSC 0)',
  send: '00A4040C<EMRTD_AID_LV>',
  protect: 'sm',
  expect: ok,
};
/** After a refused or implicitly failed CA: either the KAT was refused, or the next command fails. */
const caFailed = (n: number | string): ConformanceCase['steps'] => [
  procedure(
    'one protected command under the keys CA would have given',
    'refused: no session with the chip',
    async (ctx) => {
      const m = ctx.get<CaMaterial>('ca');
      if (ctx.vars.get(`kat${n}`) === SW_9000_OK)
        ctx.sm = caTerminalSession(
          m.choice.key.key.domain,
          m.eph,
          m.choice.key.key.publicKey,
          m.choice.info.protocol.cipher,
        );
      const r = await ctx.send(ctx.resolve('00A4040C<EMRTD_AID_LV>'), 'sm');
      return r.protected && r.sw === SW_9000_OK && ctx.vars.get(`kat${n}`) === SW_9000_OK
        ? 'the chip accepted the faulty key agreement and the new keys work'
        : undefined;
    },
  ),
];

function i(
  n: number | string,
  title: string,
  steps: ConformanceCase['steps'],
  refs: ConformanceCase['refs'] = [],
): ConformanceCase {
  const id = typeof n === 'number' ? `ISO7816_I_${n}` : n;
  return emrtdCase(
    id,
    title,
    [...(typeof n === 'number' ? [icaoP3(id)] : []), icao11('§6.2'), emrtd('§2.6'), ...refs],
    { applies: ['PACE', 'CA', 'DG14'], preconditions: ['pace_done'], steps },
    'ISO7816_I',
  );
}

const faultyKat = (
  n: number | string,
  title: string,
  key: (m: CaMaterial) => Uint8Array,
  o: Parameters<typeof kat>[2] = {},
): ConformanceCase =>
  i(n, title, [
    readDg14,
    {
      ...kat(
        key,
        {
          sw: ['9000', '6A80', '6A88', '6300', '6982', '6985'],
          why: 'refused at once, or accepted and noticed at the next command (ICAO I: 6300 or implicit)',
        },
        o,
      ),
      after: (ctx, r) => void ctx.vars.set(`kat${n}`, r.sw),
    },
    ...caFailed(n),
  ]);

const I: ConformanceCase[] = [
  i(
    1,
    'Chip Authentication with MSE:Set KAT: 9000 under the old keys, then SM continues with new keys and SSC 0',
    [readDg14, kat((m) => m.eph.publicKey, ok, { rekey: true }), selectAidNewKeys, readComSm],
  ),
  faultyKat(2, 'MSE:Set KAT with an ephemeral public key of the wrong size fails', (m) =>
    m.eph.publicKey.subarray(1),
  ),
  i(3, 'MSE:Set KAT in plain (without SM) is refused', [
    readDg14,
    kat((m) => m.eph.publicKey, { sw: ['6982', '6985', '6988', '6987'] }, { plain: true }),
  ]),
  faultyKat(4, 'MSE:Set KAT with the key in DO 92 instead of 91 fails', (m) => m.eph.publicKey, {
    tag: 0x92,
  }),
  faultyKat(
    5,
    'MSE:Set KAT with an all-zero public value fails',
    (m) => new Uint8Array(m.eph.publicKey.length),
  ),
  faultyKat(
    7,
    'MSE:Set KAT naming a private key reference the chip does not have fails',
    (m) => m.eph.publicKey,
    { keyId: Uint8Array.of(0x7f) },
  ),
  faultyKat(8, 'MSE:Set KAT with a DH value ≥ p (all FF) fails', (m) =>
    new Uint8Array(m.eph.publicKey.length).fill(0xff),
  ),
  faultyKat('CIE_EMRTD_CA_1', 'MSE:Set KAT with the DH value 1 fails', (m) =>
    Uint8Array.of(...new Uint8Array(m.eph.publicKey.length - 1), 1),
  ),
];

// ---------------------------------------------------------------------------------------------
// J: Terminal Authentication v1 (TR-03105-3.2 J; TR-03110 EAC1; emrtd/README.md §2.7)

function creds(ctx: CaseContext, name = 'emrtd.credentials'): TerminalCredentials {
  return ctx.service<TerminalCredentials>(name);
}

/** MSE:Set DST + PSO:VERIFY CERTIFICATE for each certificate of the chain (optionally damaged). */
function certificateSteps(
  o: { chain?: string; damage?: 'signature' | 'car'; last?: Expectation } = {},
): ApduStep[] {
  const list = (ctx: CaseContext) =>
    creds(ctx, o.chain).chain.map((der) => parseCvCertificate(der));
  const out: ApduStep[] = [];
  for (const idx of [0, 1]) {
    const isLast = idx === 1;
    out.push({
      title: `MSE:Set DST 81 B6 (CAR of certificate ${idx + 1})`,
      send: (ctx) => {
        const cert = list(ctx)[idx];
        if (!cert) throw new PreconditionError('credential chain shorter than DV + IS');
        const car = o.damage === 'car' && !isLast ? 'ITCVCAXX99999' : cert.car;
        return commandApdu({
          cla: 0,
          ins: 0x22,
          p1: 0x81,
          p2: 0xb6,
          data: tlv(0x83, new TextEncoder().encode(car)),
        });
      },
      protect: 'sm',
      expect: o.damage === 'car' && !isLast ? { sw: ['6A88', '6A80'] } : ok,
    });
    if (o.damage === 'car' && !isLast) break;
    out.push({
      title: `PSO:VERIFY CERTIFICATE 2A 00 BE (certificate ${idx + 1})`,
      send: (ctx) => {
        const cert = list(ctx)[idx] as ReturnType<typeof parseCvCertificate>;
        const sig = cert.signature.slice();
        if (o.damage === 'signature' && !isLast) sig[5] = (sig[5] as number) ^ 0x01;
        return commandApdu({
          cla: 0,
          ins: 0x2a,
          p1: 0x00,
          p2: 0xbe,
          data: concatBytes(cert.body, tlv(0x5f37, sig)),
        });
      },
      protect: 'sm',
      expect:
        o.damage === 'signature' && !isLast
          ? { sw: ['6300', '6A80', '6982'] }
          : isLast
            ? (o.last ?? ok)
            : ok,
    });
    if (o.damage === 'signature' && !isLast) break;
  }
  return out;
}

const mseAtTerminal = (chain?: string): ApduStep => ({
  title: 'MSE:Set AT 81 A4 (CHR of the IS certificate)',
  send: (ctx) => {
    const chr = parseCvCertificate(creds(ctx, chain).chain.at(-1) as Uint8Array).chr;
    return commandApdu({
      cla: 0,
      ins: 0x22,
      p1: 0x81,
      p2: 0xa4,
      data: tlv(0x83, new TextEncoder().encode(chr)),
    });
  },
  protect: 'sm',
  expect: ok,
});

const taChallenge: ApduStep = {
  title: 'GET CHALLENGE (r_PICC)',
  send: '0084000008',
  protect: 'sm',
  expect: { sw: ['9000'], data: { length: 8 } },
  after: (c, r) => void c.vars.set('rPicc', r.data.slice()),
};

const externalAuth = (
  expect: Expectation,
  o: { chain?: string; corrupt?: boolean } = {},
): ApduStep => ({
  title: `EXTERNAL AUTHENTICATE (signature over ID_PICC ‖ r_PICC ‖ Comp(PK_PCD))${o.corrupt ? ', damaged' : ''}`,
  send: (ctx) => {
    const s = session(ctx);
    if (!s.access || !s.caCompPkPcd)
      throw new PreconditionError('TA needs PACE/BAC and CA done by the inspection system');
    const k = creds(ctx, o.chain);
    const challenge = (ctx.vars.get('rPicc') as Uint8Array | undefined) ?? new Uint8Array(8);
    const sig = taSign(
      k.curve,
      k.algorithmOid,
      k.privateKey,
      taMessage({ idPicc: s.access.idPicc, compPkPcd: s.caCompPkPcd }, challenge),
    ).slice();
    if (o.corrupt) sig[0] = (sig[0] as number) ^ 0x01;
    return commandApdu({ cla: 0, ins: 0x82, p1: 0, p2: 0, data: sig });
  },
  protect: 'sm',
  expect,
});

const readDg3 = (expect: Expectation): ApduStep => ({
  title: 'protected READ BINARY DG3 by SFI 03, Le 04',
  send: '00B0830004',
  protect: 'sm',
  expect,
});
const dg3Ok = readDg3({ sw: ['9000'], data: { prefix: '63' } });
const dg3Denied = readDg3({ sw: ['6982'], data: { empty: true } });

/**
 * TR-03105 Part 3.2 unit J (Terminal Authentication) cases. The unit's case texts and numbers are
 * not public (emrtd/README.md §4.4), so these carry our ids (`CIE_EMRTD_TA_<n>`) in category ISO7816_J.
 */
function j(
  n: number,
  title: string,
  rest: Omit<ConformanceCase, 'id' | 'title' | 'suite' | 'category' | 'refs'>,
  refs: ConformanceCase['refs'] = [],
): ConformanceCase {
  return emrtdCase(
    `CIE_EMRTD_TA_${n}`,
    title,
    [
      tr03105('unit ISO7816_J (Terminal Authentication)'),
      tr03110('EAC1 Terminal Authentication'),
      emrtd('§2.7, §4.4'),
      ...refs,
    ],
    { ...rest, applies: ['TA', 'CA', 'DG3', ...(rest.applies ?? [])] },
    'ISO7816_J',
  );
}

const J: ConformanceCase[] = [
  j(
    1,
    'Terminal Authentication after PACE + CA with the test IS certificate makes DG3 readable (tag 63)',
    {
      applies: ['PACE', 'TEST_PKI'],
      preconditions: ['ca_done'],
      steps: [...certificateSteps(), mseAtTerminal(), taChallenge, externalAuth(ok), dg3Ok],
    },
  ),
  j(
    2,
    'DG3 is refused after PACE + CA without Terminal Authentication',
    { applies: ['PACE'], preconditions: ['ca_done'], steps: [dg3Denied] },
    [emrtd('§1.6 (DG3: BAC/PACE + TA)')],
  ),
  j(3, 'DG3 is refused after PACE alone', {
    applies: ['PACE'],
    preconditions: ['pace_done'],
    steps: [dg3Denied],
  }),
  j(4, 'MSE:Set DST with a CAR the chip does not trust is refused', {
    applies: ['PACE'],
    preconditions: ['ca_done'],
    steps: [
      procedure(
        'test credentials present',
        'a DV certificate to start from',
        async (ctx) => void creds(ctx),
      ),
      ...certificateSteps({ damage: 'car' }),
    ],
  }),
  j(5, 'PSO:VERIFY CERTIFICATE with a damaged DV signature is refused and DG3 stays refused', {
    applies: ['PACE', 'TEST_PKI'],
    preconditions: ['ca_done'],
    steps: [...certificateSteps({ damage: 'signature' }), dg3Denied],
  }),
  j(6, 'EXTERNAL AUTHENTICATE with a wrong signature is refused and DG3 stays refused', {
    applies: ['PACE', 'TEST_PKI'],
    preconditions: ['ca_done'],
    steps: [
      ...certificateSteps(),
      mseAtTerminal(),
      taChallenge,
      externalAuth({ sw: ['6300', '6982'] }, { corrupt: true }),
      dg3Denied,
    ],
  }),
  j(
    7,
    'An IS certificate without the DG3 right: TA succeeds, DG3 stays refused (CHAT rights)',
    {
      applies: ['PACE', 'TEST_PKI'],
      preconditions: ['ca_done'],
      steps: [
        ...certificateSteps({ chain: 'emrtd.credentialsWithoutRights' }),
        mseAtTerminal('emrtd.credentialsWithoutRights'),
        taChallenge,
        externalAuth(ok, { chain: 'emrtd.credentialsWithoutRights' }),
        dg3Denied,
      ],
    },
    [tr03110('CHAT read DG3 bit')],
  ),
  j(
    8,
    'Terminal Authentication after BAC + CA (static binding, ID_PICC = document number) makes DG3 readable',
    {
      applies: ['BAC', 'TEST_PKI'],
      preconditions: ['bac_ca_done'],
      steps: [...certificateSteps(), mseAtTerminal(), taChallenge, externalAuth(ok), dg3Ok],
    },
    [tr03105('v1.5.1: J run after BAC and after PACE')],
  ),
  j(9, 'EXTERNAL AUTHENTICATE without GET CHALLENGE is refused', {
    applies: ['PACE', 'TEST_PKI'],
    preconditions: ['ca_done'],
    steps: [
      ...certificateSteps(),
      mseAtTerminal(),
      externalAuth({ sw: ['6985', '6982', '6300'] }),
      dg3Denied,
    ],
  }),
  j(
    10,
    'The TA challenge is single use: a second EXTERNAL AUTHENTICATE on it is refused',
    {
      applies: ['PACE', 'TEST_PKI'],
      preconditions: ['ca_done'],
      steps: [
        ...certificateSteps(),
        mseAtTerminal(),
        taChallenge,
        externalAuth({ sw: ['6300', '6982'] }, { corrupt: true }),
        mseAtTerminal(),
        externalAuth({ sw: ['6985', '6982', '6300'] }),
      ],
    },
    [emrtd('§4.7 (challenge consumed once)')],
  ),
];

export const BAC_EAC_CASES: readonly ConformanceCase[] = [...C, ...I, ...J];
